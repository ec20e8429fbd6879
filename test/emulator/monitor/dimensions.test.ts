import type { MetricsQueryResourcesOptions } from '@azure/monitor-query-metrics';
import { buildForwarder, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { IDS, POLL, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { emuNow, settled } from './published';

/**
 * Metric dimensions of a two-port forward (8000 -> 8000, 14330 -> 1433), through the real
 * MetricsClient: values are averaged over the dimensions a query does not split by, as Azure
 * Monitor does, so a node that serves one port and not the other reads 50.
 */
let emu: TestEmulator;
let fwd: ForwarderFixture;
const TARGETS = ['192.168.42.65', '192.168.42.66'];

beforeAll(async () => {
  emu = await startTestEmulator();
  for (const ip of TARGETS) await emu.control('PUT', `/targets/${ip}`, { up: true, openPorts: [8000, 1433] });
  fwd = await buildForwarder(emu, { name: 'dims', capacity: 2, ports: [{ port: 8000, targetPort: 8000 }, { port: 14330, targetPort: 1433 }], targets: TARGETS });
});
afterAll(() => emu?.stop());

/** "dim=value|dim=value" -> the average of the point of the next grain, published (it holds only the state as it is now). */
async function query(metric: string, filter?: string): Promise<Record<string, number | undefined>> {
  const options: MetricsQueryResourcesOptions = { interval: 'PT1M', ...(filter ? { filter } : {}) };
  const points = await settled(emu, fwd.lbId, metric, 'Microsoft.Network/loadBalancers', options);
  return Object.fromEntries(Object.entries(points).map(([k, p]) => [k, p.average]));
}

const [a, b] = [() => fwd.nodeIps[0], () => fwd.nodeIps[1]];

describe('every target serving both ports', () => {
  it.each([
    ['unsplit', 'DipAvailability', undefined, () => ({ '': 100 })],
    ['by backend IP', 'DipAvailability', "BackendIPAddress eq '*'", () => ({ [`backendipaddress=${a()}`]: 100, [`backendipaddress=${b()}`]: 100 })],
    ['by frontend port', 'VipAvailability', "FrontendPort eq '*'", () => ({ 'frontendport=8000': 100, 'frontendport=14330': 100 })],
    ['by frontend IP', 'VipAvailability', "FrontendIPAddress eq '*'", () => ({ [`frontendipaddress=${fwd.frontendIp}`]: 100 })],
  ])('%s: %s', async (_s, metric, filter, expected) => {
    expect(await query(metric, filter)).toEqual(expected());
  });

  it('by backend IP, listed values only', async () => {
    expect(await query('DipAvailability', `BackendIPAddress eq '${b()}'`)).toEqual({ [`backendipaddress=${b()}`]: 100 });
  });
});

describe('targets stop listening on 1433: nodes serve 8000 only', () => {
  beforeAll(async () => {
    for (const ip of TARGETS) await emu.control('POST', `/targets/${ip}/ports/1433/close`);
  });
  afterAll(async () => {
    for (const ip of TARGETS) await emu.control('POST', `/targets/${ip}/ports/1433/open`);
  });

  it.each([
    ['split by backend IP, each node reads 50 (one of its two probes fails)', 'DipAvailability', "BackendIPAddress eq '*'", () => ({ [`backendipaddress=${a()}`]: 50, [`backendipaddress=${b()}`]: 50 })],
    [
      'split by backend IP and port, the failing port reads 0',
      'DipAvailability',
      "BackendIPAddress eq '*' and BackendPort eq '*'",
      () => ({ [`backendipaddress=${a()}|backendport=8000`]: 100, [`backendipaddress=${a()}|backendport=14330`]: 0, [`backendipaddress=${b()}|backendport=8000`]: 100, [`backendipaddress=${b()}|backendport=14330`]: 0 }),
    ],
    ['VipAvailability by frontend port: 14330 has no healthy backend', 'VipAvailability', "FrontendPort eq '*'", () => ({ 'frontendport=8000': 100, 'frontendport=14330': 0 })],
  ])('%s', async (_s, metric, filter, expected) => {
    expect(await query(metric, filter)).toEqual(expected());
  });
});

describe('edges', () => {
  it('a load balancer without backends has points but no values', async () => {
    const network = emu.network();
    const lb = await network.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'empty-lb', {
      location: IDS.location,
      sku: { name: 'Standard' },
      frontendIPConfigurations: [{ name: 'fe', subnet: { id: IDS.hubShared } }],
      backendAddressPools: [{ name: 'nodes' }],
    }, POLL);
    const [result] = await emu.metrics().queryResources([String(lb.id)], ['DipAvailability'], 'Microsoft.Network/loadBalancers', { interval: 'PT1M', startTime: new Date(emuNow(emu) - 3 * 60_000), endTime: new Date(emuNow(emu)) });
    const series = result.metrics[0].timeseries;
    expect(series).toHaveLength(1);
    expect(series[0].data?.length).toBeGreaterThanOrEqual(3);
    expect(series[0].data?.every((p) => p.average === undefined)).toBe(true);
  });

  it.each([
    ['a dimension the metric does not have', "BackendIPAddress eq '*'", 'VipAvailability', /VipAvailability has no dimension BackendIPAddress/],
    ['a filter the emulator cannot read', "startswith(BackendIPAddress, '10')", 'DipAvailability', /not supported/],
    ['or across two dimensions (Azure: invalid variant)', "BackendIPAddress eq '10.0.1.4' or BackendPort eq '8000'", 'DipAvailability', /not supported/],
  ])('%s is 400 naming it', async (_s, filter, metric, message) => {
    const r = await emu.raw<{ error: { message: string } }>('GET', `${fwd.lbId}/providers/Microsoft.Insights/metrics?api-version=2023-10-01&metricnames=${metric}&$filter=${encodeURIComponent(filter)}`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(message);
  });
});

describe('aggregations', () => {
  it('one node broken, unsplit: average 50, minimum 0, maximum 100, count and total over every backend and rule', async () => {
    await emu.control('POST', '/nodes/break', { target: fwd.nodeIps[0] });
    try {
      const last = (await settled(emu, fwd.lbId, 'DipAvailability', 'Microsoft.Network/loadBalancers', { interval: 'PT1M', aggregation: 'average,minimum,maximum,count,total' }))[''];
      // Two nodes x two rules = four samples; the broken node fails both of its probes.
      expect([last?.average, last?.minimum, last?.maximum, last?.count, last?.total]).toEqual([50, 0, 100, 4, 200]);
    } finally {
      await emu.control('POST', '/nodes/repair', { target: fwd.nodeIps[0] });
    }
  });

  it('an unknown aggregation and an unknown metric are both named in one 400', async () => {
    const r = await emu.raw<{ error: { message: string } }>('GET', `${fwd.lbId}/providers/Microsoft.Insights/metrics?api-version=2023-10-01&metricnames=ByteCount&aggregation=median`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/ByteCount[\s\S]*median/);
  });
});
