import { buildForwarder, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { IDS, startTestEmulator, type TestEmulator } from '../helpers/emulator';

/**
 * The run-time metric grain (`PUT /_emulator/settings {metricGrainSeconds}`) and its sampled
 * history, through the real MetricsClient; and the "hung" break mode in the instance view.
 */
let emu: TestEmulator;
let fwd: ForwarderFixture;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  emu = await startTestEmulator();
  fwd = await buildForwarder(emu, { name: 'h', capacity: 2 });
});
afterAll(() => emu?.stop());

async function series(ip: string): Promise<{ time: string; value?: number }[]> {
  const [result] = await emu.metrics().queryResources([fwd.lbId], ['DipAvailability'], 'Microsoft.Network/loadBalancers', {
    filter: "BackendIPAddress eq '*'",
    startTime: new Date(Date.now() - 60_000),
    endTime: new Date(),
  });
  const ts = result.metrics[0].timeseries.find((t) => String(t.metadatavalues?.[0]?.value) === ip);
  return (ts?.data ?? []).map((p) => ({ time: new Date(p.timeStamp).toISOString(), ...(typeof p.average === 'number' ? { value: p.average } : {}) }));
}

describe('metricGrainSeconds', () => {
  it('is validated', async () => {
    expect((await emu.control('PUT', '/settings', { metricGrainSeconds: 0 })).status).toBe(400);
    expect((await emu.control('PUT', '/settings', { metricGrainSeconds: 1.5 })).status).toBe(400);
  });

  it('points come at the grain with distinct timestamps; a node broken for about one grain shows a bad point between good ones', async () => {
    expect((await emu.control<{ metricGrainSeconds: number }>('PUT', '/settings', { metricGrainSeconds: 1 })).body.metricGrainSeconds).toBe(1);
    await sleep(2500);
    await emu.control('POST', '/nodes/break', { target: fwd.nodeIps[0] });
    await sleep(1200);
    await emu.control('POST', '/nodes/repair', { target: fwd.nodeIps[0] });
    await sleep(2500);
    const pts = await series(fwd.nodeIps[0]);
    const times = pts.map((p) => p.time);
    expect(new Set(times).size).toBe(times.length);
    expect(Date.parse(times[1]) - Date.parse(times[0])).toBe(1000);
    const values = pts.map((p) => p.value);
    const firstBad = values.findIndex((v) => v !== undefined && v < 100);
    expect(firstBad).toBeGreaterThan(0);
    expect(values[values.length - 1]).toBe(100);
    expect(values.some((v, i) => i > firstBad && v === 100)).toBe(true);
    expect((await series(fwd.nodeIps[1])).every((p) => p.value === 100)).toBe(true);
  });

  it('null turns the history off: every point is the current value again', async () => {
    await emu.control('PUT', '/settings', { metricGrainSeconds: null });
    const pts = await series(fwd.nodeIps[0]);
    expect(pts.length).toBeGreaterThan(0);
    expect(Date.parse(pts[1].time) - Date.parse(pts[0].time)).toBe(60_000);
  });
});

describe('break mode "hung"', () => {
  it('the VM agent is Not Ready in the instance view; repair makes it Ready again', async () => {
    const vm = async () => (await emu.compute(IDS.hubSub).virtualMachineScaleSetVMs.list(IDS.hubRg, fwd.vmssName, { expand: 'instanceView' }).next()).value!;
    const first = await vm();
    expect((await emu.control('POST', '/nodes/break', { target: fwd.nodeIps[0], mode: 'sideways' })).status).toBe(400);
    await emu.control('POST', '/nodes/break', { target: first.id!, mode: 'hung' });
    expect((await vm()).instanceView?.vmAgent?.statuses?.[0]?.displayStatus).toBe('Not Ready');
    await emu.control('POST', '/nodes/repair', { target: first.id! });
    expect((await vm()).instanceView?.vmAgent?.statuses?.[0]?.displayStatus).toBe('Ready');
  });
});
