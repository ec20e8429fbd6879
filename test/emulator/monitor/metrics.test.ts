import { buildForwarder, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { IDS, startTestEmulator, type TestEmulator } from '../helpers/emulator';

/** Load balancer metrics from the simulated data path, through the real MetricsClient and raw ARM. */
let emu: TestEmulator;
let fwd: ForwarderFixture;

beforeAll(async () => {
  emu = await startTestEmulator();
  fwd = await buildForwarder(emu, { name: 'm', capacity: 2 });
});
afterAll(() => emu?.stop());

async function dipByIp(): Promise<Record<string, number>> {
  const [result] = await emu.metrics().queryResources([fwd.lbId], ['DipAvailability'], 'Microsoft.Network/loadBalancers', {
    filter: "BackendIPAddress eq '*'",
    interval: 'PT1M',
    startTime: new Date(Date.now() - 5 * 60_000),
    endTime: new Date(),
  });
  const out: Record<string, number> = {};
  for (const ts of result.metrics[0].timeseries) {
    const ip = String(ts.metadatavalues?.[0]?.value);
    out[ip] = ts.data?.[ts.data.length - 1]?.average as number;
  }
  return out;
}

describe('DipAvailability split by BackendIPAddress', () => {
  it('every healthy node is 100, at 1-minute grain over the span', async () => {
    const [result] = await emu.metrics().queryResources([fwd.lbId], ['DipAvailability'], 'Microsoft.Network/loadBalancers', {
      filter: "BackendIPAddress eq '*'",
      interval: 'PT1M',
      startTime: new Date(Date.now() - 5 * 60_000),
      endTime: new Date(),
    });
    expect(result.metrics[0].timeseries).toHaveLength(2);
    expect(result.metrics[0].timeseries[0].data?.length).toBeGreaterThanOrEqual(5);
    expect(await dipByIp()).toEqual(Object.fromEntries(fwd.nodeIps.map((ip) => [ip, 100])));
  });

  it('a broken node reads 0 for its IP only', async () => {
    await emu.control('POST', '/nodes/break', { target: fwd.nodeIps[0] });
    expect(await dipByIp()).toEqual({ [fwd.nodeIps[0]]: 0, [fwd.nodeIps[1]]: 100 });
    await emu.control('POST', '/nodes/repair', { target: fwd.nodeIps[0] });
  });

  it('every target down: every node reads 0 (a target outage, not broken nodes)', async () => {
    for (const t of ['192.168.42.65', '192.168.42.66']) await emu.control('POST', `/targets/${t}/down`);
    expect(await dipByIp()).toEqual(Object.fromEntries(fwd.nodeIps.map((ip) => [ip, 0])));
    for (const t of ['192.168.42.65', '192.168.42.66']) await emu.control('POST', `/targets/${t}/up`);
  });
});

describe('single-resource metrics API', () => {
  it('answers DipAvailability (average over nodes) and VipAvailability', async () => {
    await emu.control('POST', '/nodes/break', { target: fwd.nodeIps[1] });
    const end = new Date();
    const start = new Date(end.getTime() - 3 * 60_000);
    const r = await emu.raw<{ value: { name: { value: string }; timeseries: { data: { average: number }[] }[] }[] }>(
      'GET',
      `${fwd.lbId}/providers/Microsoft.Insights/metrics?api-version=2023-10-01&metricnames=DipAvailability,VipAvailability&timespan=${start.toISOString()}/${end.toISOString()}&interval=PT1M&aggregation=Average`,
    );
    expect(r.status).toBe(200);
    expect(r.body.value.map((m) => [m.name.value, m.timeseries[0].data[0].average])).toEqual([
      ['DipAvailability', 50],
      ['VipAvailability', 100],
    ]);
    await emu.control('POST', '/nodes/repair', { target: fwd.nodeIps[1] });
  });

  it('an unknown metric is 400 naming it', async () => {
    const r = await emu.raw<{ error: { code: string; message: string } }>('GET', `${fwd.lbId}/providers/Microsoft.Insights/metrics?api-version=2023-10-01&metricnames=ByteCount`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('ByteCount');
  });
});

describe('metrics:getBatch limits', () => {
  const batch = (ids: string[], namespace = 'Microsoft.Network/loadBalancers') =>
    emu.raw<{ error?: { message: string }; values?: unknown[] }>('POST', `/subscriptions/${IDS.hubSub}/metrics:getBatch?api-version=2024-02-01&metricnamespace=${namespace}&metricnames=DipAvailability`, { body: { resourceids: ids } });

  it.each([
    ['51 ids', Array.from({ length: 51 }, (_, i) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/lb${i}`), /At most 50/],
    ['another subscription', [`/subscriptions/${IDS.consumerSub}/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/x`], /not in subscription/],
    ['a different resource type', [`/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/x`], /not of type/],
  ])('%s is 400', async (_s, ids, message) => {
    const r = await batch(ids);
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toMatch(message);
  });

  it('50 ids of one type are answered, one value set per id (a missing LB carries an error)', async () => {
    const ids = [fwd.lbId, ...Array.from({ length: 49 }, (_, i) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/missing${i}`)];
    const r = await batch(ids);
    expect(r.status).toBe(200);
    expect(r.body.values).toHaveLength(50);
  });

  it('the SDK reaches it through // and api%2Dversion; the request log records the api-version', async () => {
    await emu.control('DELETE', '/requests');
    await dipByIp();
    const [entry] = (await emu.control<{ value: { method: string; path: string; apiVersion: string | null; status: number }[] }>('GET', '/requests')).body.value;
    expect(entry).toMatchObject({ method: 'POST', path: `/subscriptions/${IDS.hubSub}/metrics:getBatch`, status: 200 });
    expect(entry.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}/);
  });
});
