import { buildForwarder, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { POLL, IDS, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { emuNow, grain, publishNext, settled } from './published';

/** Load balancer metrics from the simulated data path, through the real MetricsClient and raw ARM. */
let emu: TestEmulator;
let fwd: ForwarderFixture;

beforeAll(async () => {
  emu = await startTestEmulator();
  fwd = await buildForwarder(emu, { name: 'm', capacity: 2 });
});
afterAll(() => emu?.stop());

/** IP -> the average of the point of the next grain, published (it holds only the state as it is now). */
async function dipByIp(): Promise<Record<string, number>> {
  const points = await settled(emu, fwd.lbId, 'DipAvailability', 'Microsoft.Network/loadBalancers', { filter: "BackendIPAddress eq '*'", interval: 'PT1M' });
  return Object.fromEntries(Object.entries(points).map(([k, p]) => [k.split('=')[1], p.average as number]));
}

describe('DipAvailability split by BackendIPAddress', () => {
  it('every healthy node is 100', async () => {
    expect(await dipByIp()).toEqual(Object.fromEntries(fwd.nodeIps.map((ip) => [ip, 100])));
  });

  it('a broken node reads 0 for its IP only', async () => {
    await emu.control('POST', '/nodes/break', { target: fwd.nodeIps[0] });
    try {
      expect(await dipByIp()).toEqual({ [fwd.nodeIps[0]]: 0, [fwd.nodeIps[1]]: 100 });
    } finally {
      await emu.control('POST', '/nodes/repair', { target: fwd.nodeIps[0] });
    }
  });

  it('every target down: every node reads 0 (a target outage, not broken nodes)', async () => {
    for (const t of ['192.168.42.65', '192.168.42.66']) await emu.control('POST', `/targets/${t}/down`);
    try {
      expect(await dipByIp()).toEqual(Object.fromEntries(fwd.nodeIps.map((ip) => [ip, 0])));
    } finally {
      for (const t of ['192.168.42.65', '192.168.42.66']) await emu.control('POST', `/targets/${t}/up`);
    }
  });
});

describe('single-resource metrics API', () => {
  it('answers DipAvailability (average over nodes) and VipAvailability', async () => {
    await emu.control('POST', '/nodes/break', { target: fwd.nodeIps[1] });
    const since = publishNext(emu);
    type Answer = { value: { name: { value: string }; timeseries: { data: { timeStamp: string; average?: number }[] }[] }[] };
    const last = (m: Answer['value'][number]) => m.timeseries[0].data.filter((p) => p.average !== undefined).at(-1);
    try {
      const [start, end] = [new Date(since - grain(emu)), new Date(emuNow(emu))];
      const r = await emu.raw<Answer>('GET', `${fwd.lbId}/providers/Microsoft.Insights/metrics?api-version=2023-10-01&metricnames=DipAvailability,VipAvailability&timespan=${start.toISOString()}/${end.toISOString()}&interval=PT1M&aggregation=Average`);
      expect(r.status).toBe(200);
      expect(r.body.value.map((m) => [m.name.value, Date.parse(last(m)?.timeStamp ?? '') >= since, last(m)?.average])).toEqual([
        ['DipAvailability', true, 50],
        ['VipAvailability', true, 100],
      ]);
    } finally {
      await emu.control('POST', '/nodes/repair', { target: fwd.nodeIps[1] });
    }
  });

  it('an unknown metric is 400 naming it', async () => {
    const r = await emu.raw<{ error: { code: string; message: string } }>('GET', `${fwd.lbId}/providers/Microsoft.Insights/metrics?api-version=2023-10-01&metricnames=ByteCount`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('ByteCount');
  });
});

describe('metrics:getBatch limits', () => {
  const batch = (ids: string[], namespace = 'Microsoft.Network/loadBalancers', query = 'metricnames=DipAvailability') =>
    emu.raw<{ error?: { message: string }; values?: unknown[] }>('POST', `/subscriptions/${IDS.hubSub}/metrics:getBatch?api-version=2024-02-01&metricnamespace=${namespace}&${query}`, { body: { resourceids: ids } });

  it.each([
    ['21 metric names', `metricnames=${Array.from({ length: 21 }, (_, i) => (i % 2 ? 'DipAvailability' : 'VipAvailability')).join(',')}`, /At most 20 metric names per batch request; got 21/],
    ['an interval that is not a time grain of Azure Monitor (PT7M)', 'metricnames=DipAvailability&interval=PT7M', /Invalid time grain PT7M/],
    ['an interval in seconds (PT30S)', 'metricnames=DipAvailability&interval=PT30S', /Invalid time grain PT30S/],
    ['start after end', 'metricnames=DipAvailability&starttime=2026-01-01T01:00:00Z&endtime=2026-01-01T00:00:00Z', /time range is invalid/],
  ])('%s is 400', async (_s, query, message) => {
    const r = await batch([fwd.lbId], 'Microsoft.Network/loadBalancers', query);
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toMatch(message);
  });

  it('20 metric names and every Azure time grain are answered', async () => {
    const names = Array.from({ length: 20 }, (_, i) => (i % 2 ? 'DipAvailability' : 'VipAvailability')).join(',');
    for (const interval of ['PT1M', 'PT5M', 'PT15M', 'PT30M', 'PT1H', 'PT6H', 'PT12H', 'P1D']) expect((await batch([fwd.lbId], 'Microsoft.Network/loadBalancers', `metricnames=${names}&interval=${interval}`)).status).toBe(200);
  });

  it('resources of two regions in one batch are 400', async () => {
    const west = await emu.network().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'west-lb', { location: 'westus', sku: { name: 'Standard' }, frontendIPConfigurations: [{ name: 'fe', subnet: { id: IDS.hubShared } }] }, POLL);
    const r = await batch([fwd.lbId, String(west.id)]);
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toMatch(/one region/);
  });

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
