import { eventually } from '../../helpers/wait';
import { buildForwarder, type ForwarderFixture } from '../helpers/forwarder-fixture';
import { IDS, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { emuNow, grain, publishNext } from './published';

/**
 * The metric history (grain, publication delay, gaps; AZURE-RULES.md MON-1, MON-2) through the
 * real MetricsClient; and the "hung" break mode in the instance view. The first publication case
 * runs in real time: it proves the sampler samples on its own and the delay holds in real time.
 * The grain-by-grain case after it drives the emulator's clock (published.ts), so it runs last:
 * once advanced, only advances sample.
 */
let emu: TestEmulator;
let fwd: ForwarderFixture;
let started: number;

beforeAll(async () => {
  started = Date.now();
  emu = await startTestEmulator();
  fwd = await buildForwarder(emu, { name: 'h', capacity: 2 });
});
afterAll(() => emu?.stop());

/** One node's DipAvailability points from `from` to the emulator's now. */
async function series(ip: string, from = new Date(emuNow(emu) - 60_000)): Promise<{ time: string; value?: number }[]> {
  const [result] = await emu.metrics().queryResources([fwd.lbId], ['DipAvailability'], 'Microsoft.Network/loadBalancers', {
    filter: "BackendIPAddress eq '*'",
    startTime: from,
    endTime: new Date(emuNow(emu)),
  });
  const ts = result.metrics[0].timeseries.find((t) => String(t.metadatavalues?.[0]?.value) === ip);
  return (ts?.data ?? []).map((p) => ({ time: new Date(p.timeStamp).toISOString(), ...(typeof p.average === 'number' ? { value: p.average } : {}) }));
}

describe('metric timing settings', () => {
  it.each([
    ['a grain of 0', { metricGrainSeconds: 0 }],
    ['a fractional grain', { metricGrainSeconds: 1.5 }],
    ['a publication delay of 0 (kinder than Azure)', { metricGrainSeconds: 5, metricPublicationDelaySeconds: 0 }],
    ['a publication delay below a fifth of the grain', { metricGrainSeconds: 10, metricPublicationDelaySeconds: 1 }],
  ])('%s is 400', async (_s, body) => {
    const r = await emu.control<{ error: { message: string } }>('PUT', '/settings', body);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/metric(Grain|PublicationDelay)Seconds/);
  });

  it('defaults: a grain of 60 s (PT1M) and a publication delay of two grains', async () => {
    expect((await emu.control('PUT', '/settings', { metricGrainSeconds: null, metricPublicationDelaySeconds: null })).body).toMatchObject({ metricGrainSeconds: 60, metricPublicationDelaySeconds: 120 });
    expect((await emu.control('PUT', '/settings', { metricGrainSeconds: 5 })).body).toMatchObject({ metricGrainSeconds: 5, metricPublicationDelaySeconds: 10 });
  });
});

describe('publication (MON-1) and gaps (MON-2)', () => {
  it('points are stamped at their grain start; a point has values only once its grain closed and the delay passed; the trailing grains have none', async () => {
    expect((await emu.control('PUT', '/settings', { metricGrainSeconds: 1, metricPublicationDelaySeconds: 3 })).status).toBe(200);
    await eventually(async () => ((await series(fwd.nodeIps[0])).some((p) => p.value !== undefined) ? true : undefined), 'a first published point');
    const pts = await series(fwd.nodeIps[0]);
    const answered = Date.now();
    expect(pts.every((p) => Date.parse(p.time) % 1000 === 0)).toBe(true);
    const valued = pts.filter((p) => p.value !== undefined);
    // Published: grain start + grain (1 s) + delay (3 s) no later than the answer.
    expect(valued.length).toBeGreaterThan(0);
    expect(valued.every((p) => Date.parse(p.time) + 4000 <= answered)).toBe(true);
    // The grains since are in the answer, without values: the current one and those waiting out the delay.
    expect(pts.slice(-3).every((p) => p.value === undefined)).toBe(true);
  });

  it('a grain nothing was sampled in is a point without values, never the current value', async () => {
    // The span starts before the emulator (and its history) existed.
    const pts = await series(fwd.nodeIps[0], new Date(started - 30_000));
    const before = pts.filter((p) => Date.parse(p.time) < started - 1000);
    expect(before.length).toBeGreaterThan(20);
    expect(before.every((p) => p.value === undefined)).toBe(true);
  });

  it('points come at the grain with distinct timestamps; a node broken for one grain (clock advanced) is one bad point between good ones', async () => {
    // Azure's timing (PT1M, two grains of delay); from here on the test drives the clock.
    expect((await emu.control('PUT', '/settings', { metricGrainSeconds: null, metricPublicationDelaySeconds: null })).status).toBe(200);
    const since = publishNext(emu);
    await emu.control('POST', '/nodes/break', { target: fwd.nodeIps[0] });
    emu.emu.runtime.clock.advance(grain(emu));
    await emu.control('POST', '/nodes/repair', { target: fwd.nodeIps[0] });
    publishNext(emu);
    const pts = await series(fwd.nodeIps[0], new Date(since));
    const times = pts.map((p) => p.time);
    expect(new Set(times).size).toBe(times.length);
    expect(times.slice(1).map((t, i) => Date.parse(t) - Date.parse(times[i]))).toEqual(times.slice(1).map(() => grain(emu)));
    const values = pts.map((p) => p.value).filter((v) => v !== undefined);
    // Good grains, the one grain the node was broken in (its probes all fail: 0), good grains again.
    const firstBad = values.indexOf(0);
    expect(firstBad).toBeGreaterThan(0);
    expect(values.filter((v) => v !== 100)).toEqual([0]);
    expect(values.slice(firstBad + 1).length).toBeGreaterThan(0);
    expect((await series(fwd.nodeIps[1], new Date(since))).every((p) => p.value === undefined || p.value === 100)).toBe(true);
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
