import { buildForwarder, type ForwarderFixture } from './helpers/forwarder-fixture';
import { IDS, startTestEmulator, type TestEmulator } from './helpers/emulator';

/**
 * The emulator's clock (tools/emulator/clock.ts, control routes in control/clock-routes.ts): an
 * advance moves every time-dependent part at once — the metric history gets one sample per grain
 * crossed (Azure's PT1M grain and its default publication delay here, no real wait), a
 * long-running operation falls due and completes — and a bad advance is refused with a 400 that
 * names the problem. Real SDK clients throughout.
 */
let emu: TestEmulator;
let fwd: ForwarderFixture;
const GRAIN_MS = 60_000;
const DELAY_MS = 2 * GRAIN_MS;
const TARGETS = ['192.168.42.65', '192.168.42.66'];

interface ClockBody { now: string; nowMs: number; offsetSeconds: number }
const clock = async () => (await emu.control<ClockBody>('GET', '/clock')).body;
const advance = (body: unknown) => emu.control<ClockBody & { error?: { code: string; message: string } }>('POST', '/clock/advance', body);

beforeAll(async () => {
  emu = await startTestEmulator();
  for (const ip of TARGETS) await emu.control('PUT', `/targets/${ip}`, { up: true, openPorts: [8000] });
  fwd = await buildForwarder(emu, { name: 'clk', capacity: 2, targets: TARGETS });
});
afterAll(() => emu?.stop());

/** The node's DipAvailability points (grain start ms -> average or undefined) in [from, to), read through the real MetricsClient at the emulator's time. */
async function points(ip: string, fromMs: number, toMs: number): Promise<Map<number, number | undefined>> {
  const [r] = await emu.metrics().queryResources([fwd.lbId], ['DipAvailability'], 'Microsoft.Network/loadBalancers', { filter: "BackendIPAddress eq '*'", interval: 'PT1M', startTime: new Date(fromMs), endTime: new Date(toMs) });
  const series = r.metrics[0].timeseries.find((t) => String(t.metadatavalues?.[0]?.value) === ip);
  return new Map((series?.data ?? []).map((p) => [p.timeStamp.getTime(), p.average]));
}

describe('an advance of N grains records one sample per grain crossed, at once', () => {
  it.each([
    ['both nodes healthy, 6 grains', 6, false, 100],
    ['node 0 broken just before, 8 grains', 8, true, 0],
  ])('%s', async (_situation, grains, breakFirst, victimValue) => {
    const [victim, other] = fwd.nodeIps;
    if (breakFirst) expect((await emu.control('POST', '/nodes/break', { target: victim })).status).toBe(200);
    const after = (await advance({ seconds: (grains * GRAIN_MS) / 1000 })).body;
    // Every grain wholly inside the jump that is published by now (closed + the default delay of
    // two grains): each has a value, none is a gap.
    const first = Math.ceil((after.nowMs - grains * GRAIN_MS) / GRAIN_MS) * GRAIN_MS;
    const published: number[] = [];
    for (let t = first; t + GRAIN_MS <= after.nowMs - DELAY_MS; t += GRAIN_MS) published.push(t);
    expect(published.length).toBeGreaterThanOrEqual(grains - 4);
    const [v, o] = [await points(victim, first, after.nowMs), await points(other, first, after.nowMs)];
    expect(published.map((t) => [v.get(t), o.get(t)])).toEqual(published.map(() => [victimValue, 100]));
    // The points of the last two grains are not published yet (no values), as in Azure.
    expect(v.get(published[published.length - 1] + GRAIN_MS)).toBeUndefined();
    if (breakFirst) await emu.control('POST', '/nodes/repair', { target: victim });
  });
});

describe('once the clock is driven, what a test sets between two advances is what the next closed grain shows', () => {
  it('node 0 broken for one advance, then repaired: exactly one bad point, its neighbours good', async () => {
    const [victim, other] = fwd.nodeIps;
    const start = (await advance({ seconds: 60 })).body.nowMs;
    await emu.control('POST', '/nodes/break', { target: victim });
    // A query between the advances does not sample the grain in progress (it would mix states).
    await points(victim, start - 10 * GRAIN_MS, start);
    const closed = (await advance({ seconds: 60 })).body.nowMs - 60_000;
    await emu.control('POST', '/nodes/repair', { target: victim });
    const end = (await advance({ seconds: 4 * 60 })).body.nowMs;
    // The grain the second advance closed (the one the break landed in, unless real time crossed
    // a grain boundary between the advances: then the one after it, and the break's own is a gap).
    const brokenGrain = Math.floor(closed / GRAIN_MS) * GRAIN_MS;
    const [v, o] = [await points(victim, start - 2 * GRAIN_MS, end), await points(other, start - 2 * GRAIN_MS, end)];
    expect([brokenGrain, brokenGrain + GRAIN_MS].map((t) => [v.get(t), o.get(t)])).toEqual([
      [0, 100],
      [100, 100],
    ]);
    expect(v.get(brokenGrain - GRAIN_MS)).not.toBe(0);
  });
});

describe('an advance completes what falls due in the span', () => {
  it('a create with an hour-long operation: InProgress until the clock passes its due time, then Succeeded', async () => {
    await emu.control('PUT', '/settings', { lroDelayMs: 3_600_000 });
    try {
      const vnet = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/virtualNetworks/clk-vnet?api-version=2025-05-01`;
      const put = await emu.raw('PUT', vnet, { body: { location: IDS.location, properties: { addressSpace: { addressPrefixes: ['10.78.0.0/16'] } } } });
      expect(put.status).toBe(201);
      const state = async () => (await emu.network().virtualNetworks.get(IDS.hubRg, 'clk-vnet')).provisioningState;
      expect(await state()).toBe('Creating');
      await advance({ seconds: 1800 });
      expect(await state()).toBe('Creating');
      await advance({ seconds: 1800 });
      expect(await state()).toBe('Succeeded');
    } finally {
      await emu.control('PUT', '/settings', { lroDelayMs: 0 });
    }
  });
});

describe('a bad advance is refused, naming the problem; the clock does not move', () => {
  it.each([
    ['no body', undefined, /'seconds' must be|Body must be a JSON object/],
    ['not an object', [60], /Body must be a JSON object/],
    ['seconds missing', {}, /'seconds' is required/],
    ['a string', { seconds: '60' }, /'seconds' must be a finite number, got "60"/],
    ['zero', { seconds: 0 }, /must be positive: the clock only moves forward \(got 0\)/],
    ['backwards', { seconds: -60 }, /must be positive: the clock only moves forward \(got -60\)/],
    ['an unknown field', { seconds: 60, to: '2030-01-01' }, /'to' is not a clock setting/],
  ])('%s: 400', async (_situation, body, message) => {
    const before = await clock();
    const r = await advance(body);
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toMatch(message);
    expect((await clock()).offsetSeconds).toBe(before.offsetSeconds);
  });
});

it('GET /clock: emulated time, and the offset that only grows', async () => {
  const before = await clock();
  const after = (await advance({ seconds: 90 })).body;
  expect(after.offsetSeconds).toBe(before.offsetSeconds + 90);
  expect(after.nowMs - before.nowMs).toBeGreaterThanOrEqual(90_000);
  expect(Date.parse(after.now)).toBe(after.nowMs);
});
