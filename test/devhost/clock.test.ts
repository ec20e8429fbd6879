import type * as df from 'durable-functions';
import { durableClient, startDevhostProcess, type DevhostProcess } from './helpers/devhost-process';
import { eventually } from '../helpers/wait';

/**
 * devhost's controllable clock (tools/devhost/clock.ts, clock-routes.ts) on the fixture app
 * (test/fixtures/app) in its own process: the app reads the shifted time every way the product
 * does; an advance fires the durable timers that fell due and answers once the engine is idle, so
 * the test reads the result at once (an hour-long timer, no real wait); a timer trigger whose
 * occurrences the jump skipped runs once, past due. A real clock refuses an advance; a bad body
 * is a 400 naming the problem.
 */
let host: DevhostProcess;
let client: df.DurableClient;

beforeAll(async () => {
  // The fixture's `tick` runs on startup and then hourly, on the hour.
  host = await startDevhostProcess(['--store', 'memory', '--clock', 'controllable'], { FIXTURE_TICK_SCHEDULE: '0 0 * * * *' });
  client = durableClient(host.url);
});
afterAll(() => host?.stop());

interface Advanced { mode: string; now: string; nowMs: number; offsetSeconds: number; nextTimerAtMs?: number; idle: boolean; waitedMs: number; busy?: string }
async function call<T>(method: string, path: string, body?: unknown, url = host.url): Promise<{ status: number; body: T }> {
  const r = await fetch(`${url}${path}`, { method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return { status: r.status, body: (await r.json()) as T };
}
const advance = (seconds: number) => call<Advanced>('POST', '/admin/clock/advance', { seconds });
type Seen = { timers: { isPastDue: boolean; last?: string }[] };
const ticks = async () => (await call<Seen>('GET', '/api/seen')).body.timers;

describe('the app reads the host clock', () => {
  it('Date.now(), new Date(), Date() are shifted by the offset; new Date(x), Date.parse and instanceof are the real ones', async () => {
    const before = (await call<{ offsetSeconds: number }>('GET', '/admin/clock')).body.offsetSeconds;
    await advance(7200);
    const realNow = Date.now();
    const app = (await call<{ nowMs: number; newDate: string; isDate: boolean; fromMs: string; asString: string; parsed: number }>('GET', '/api/clock')).body;
    const ahead = (before + 7200) * 1000;
    // Shifted by the offset (and the real milliseconds of one request, at most a few seconds here).
    expect(app.nowMs - realNow - ahead).toBeGreaterThan(-5000);
    expect(app.nowMs - realNow - ahead).toBeLessThan(5000);
    expect(Math.abs(Date.parse(app.newDate) - app.nowMs)).toBeLessThan(5000);
    expect(Math.abs(Date.parse(app.asString) - app.nowMs)).toBeLessThan(5000);
    expect({ isDate: app.isDate, fromMs: app.fromMs, parsed: app.parsed }).toEqual({ isDate: true, fromMs: '1970-01-01T00:00:00.000Z', parsed: Date.UTC(2026, 0, 1) });
  });
});

describe('durable timers', () => {
  it('a one-hour timer: still waiting after half an hour; fired, and the orchestration done, when the advance answers', async () => {
    const id = await client.startNew('TimerThenDone', { input: 3_600_000 });
    await eventually(async () => ((await client.getStatus(id)).runtimeStatus === 'Running' ? true : undefined), 'TimerThenDone running', 10_000, 50);
    // The timer is armed for an hour from its orchestration's start: GET /admin/clock names it as the next one due.
    const fireAt = await eventually(async () => ((await client.getStatus(id, { showHistory: true })).history as { EventType: string; FireAt?: string }[] | undefined)?.find((e) => e.EventType === 'TimerCreated')?.FireAt, 'TimerCreated', 10_000, 50);
    expect((await call<{ nextTimerAtMs?: number }>('GET', '/admin/clock')).body.nextTimerAtMs).toBe(Date.parse(fireAt));
    expect((await advance(1800)).body).toMatchObject({ idle: true });
    expect((await client.getStatus(id)).runtimeStatus).toBe('Running');
    expect((await advance(1800)).body).toMatchObject({ idle: true });
    const done = await client.getStatus(id);
    expect({ status: done.runtimeStatus, output: done.output }).toEqual({ status: 'Completed', output: 'timer fired' });
  });
});

describe('timer triggers', () => {
  it('an hourly timer the clock jumped 5 hours past: runs once, past due; the next hour once more', async () => {
    await eventually(async () => ((await ticks()).length >= 1 ? true : undefined), 'the startup tick', 10_000, 50);
    const before = (await ticks()).length;
    expect((await advance(5 * 3600)).body).toMatchObject({ idle: true });
    const after = await ticks();
    expect(after.slice(before).map((t) => t.isPastDue)).toEqual([true]);
    expect((await advance(3600)).body).toMatchObject({ idle: true });
    expect((await ticks()).slice(before).map((t) => t.isPastDue)).toEqual([true, true]);
  });
});

describe('a bad advance', () => {
  it.each([
    ['seconds missing', {}, /'seconds' is required/],
    ['zero', { seconds: 0 }, /must be positive: the clock only moves forward \(got 0\)/],
    ['backwards', { seconds: -5 }, /must be positive: the clock only moves forward \(got -5\)/],
    ['not a number', { seconds: 'soon' }, /must be a finite number, got "soon"/],
    ['an unknown field', { seconds: 5, until: 'x' }, /'until' is not a clock setting/],
    ['not JSON', '{seconds', /not JSON/],
  ])('%s: 400 naming the problem, the clock unmoved', async (_s, body, detail) => {
    const before = (await call<{ offsetSeconds: number }>('GET', '/admin/clock')).body.offsetSeconds;
    const r = await call<{ detail: string }>('POST', '/admin/clock/advance', body);
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(detail);
    expect((await call<{ offsetSeconds: number }>('GET', '/admin/clock')).body.offsetSeconds).toBe(before);
  });

  it('a devhost on the real clock (the default): 409 saying how to start it controllable', async () => {
    const real = await startDevhostProcess(['--store', 'memory']);
    try {
      const r = await call<{ detail: string }>('POST', '/admin/clock/advance', { seconds: 60 }, real.url);
      expect(r.status).toBe(409);
      expect(r.body.detail).toMatch(/--clock controllable/);
      expect((await call<{ mode: string; offsetSeconds: number }>('GET', '/admin/clock', undefined, real.url)).body).toMatchObject({ mode: 'real', offsetSeconds: 0 });
    } finally {
      await real.stop();
    }
  });
});
