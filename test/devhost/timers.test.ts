import { startTestHost, type TestHost } from './harness';

/**
 * Timer triggers on a short NCRONTAB schedule (every second) with the fixture app: runOnStartup,
 * the schedule, past-due catch-up for a timer slower than its schedule, admin invocation.
 */
let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ env: { DEVHOST_FIXTURE_SLOW_SCHEDULE: '*/1 * * * * *', DEVHOST_FIXTURE_FLAKY_SCHEDULE: '*/1 * * * * *' } });
});
afterAll(() => host?.stop());

const appLines = (fn: string) => (l: Record<string, unknown>) => l.functionName === fn && typeof l.message === 'string' && l.event === undefined;

describe('timer triggers', () => {
  it('runOnStartup runs at start, then the every-second schedule keeps firing, not past due', async () => {
    const ticks = await host.waitForLines(appLines('tick'), 3);
    // The startup run is never past due; later ones are on time unless this machine stalls for
    // over a second, so only the first is pinned.
    expect(ticks[0].message).toBe('tick isPastDue=false hasStatus=true');
    expect(ticks.every((t) => String(t.message).endsWith('hasStatus=true'))).toBe(true);
  });

  it('a timer that takes longer than its schedule runs again right after, with isPastDue true, never twice at once', async () => {
    const runs = await host.waitForLines(appLines('slowTick'), 3);
    expect(runs[0].message).toMatch(/^slowTick isPastDue=false last=0001-01-01T00:00:00.000Z$/);
    expect(runs.slice(1).some((r) => String(r.message).startsWith('slowTick isPastDue=true'))).toBe(true);
    const starts = host.lines.filter(appLines('slowTick')).length;
    const ends = host.lines.filter((l) => l.event === 'invocation' && l.functionName === 'slowTick').length;
    expect(starts - ends).toBeLessThanOrEqual(1);
  });

  it('a failing timer is retried under its retry policy with retryContext, until it succeeds', async () => {
    const runs = await host.waitForLines(appLines('flaky'), 3);
    expect(runs.slice(0, 3).map((r) => r.message)).toEqual([
      'flaky retryCount=0 max=- previous=-',
      'flaky retryCount=1 max=2 previous=flaky failure 0',
      'flaky retryCount=2 max=2 previous=flaky failure 1',
    ]);
    const outcomes = host.lines.filter((l) => l.event === 'invocation' && l.functionName === 'flaky').slice(0, 3).map((l) => l.outcome);
    expect(outcomes).toEqual(['Failed', 'Failed', 'Succeeded']);
  });

  it('/admin/host/status lists each scheduled timer with its next occurrence', async () => {
    const status = (await (await fetch(`${host.url}/admin/host/status`)).json()) as { timers: { name: string; next?: string }[] };
    expect(status.timers.map((t) => t.name).sort()).toEqual(['flaky', 'nightly', 'slowTick', 'tick']);
    const nightly = status.timers.find((t) => t.name === 'nightly')!;
    expect(nightly.next).toMatch(/T02:30:00.000Z$/);
  });
});

describe('GET /admin/functions', () => {
  it('lists every function with its trigger and bindings', async () => {
    const list = (await (await fetch(`${host.url}/admin/functions`)).json()) as { name: string; trigger: string }[];
    expect(list).toContainEqual(expect.objectContaining({ name: 'nightly', trigger: 'timerTrigger' }));
    expect(list).toContainEqual(expect.objectContaining({ name: 'hello', trigger: 'httpTrigger' }));
  });

  it('shows one function, its name matched case-insensitively, with its retry policy', async () => {
    const info = (await (await fetch(`${host.url}/ADMIN/functions/FLAKY`)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ name: 'flaky', trigger: 'timerTrigger', retry: { retryStrategy: 'fixedDelay', maxRetryCount: 2 } });
  });
});

describe('POST /admin/functions/<name>', () => {
  const admin = (name: string, body?: string) =>
    fetch(`${host.url}/admin/functions/${name}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

  it('a timer that is not due runs now (202), not past due', async () => {
    const res = await admin('nightly', '{"input": ""}');
    expect(res.status).toBe(202);
    const [line] = await host.waitForLines(appLines('nightly'));
    expect(line.message).toBe('nightly isPastDue=false');
  });

  it('an Event Grid function gets the input as its event', async () => {
    const res = await admin('onResourceEvent', JSON.stringify({ input: JSON.stringify({ id: 'adm-1', eventType: 'Custom', subject: '/admin' }) }));
    expect(res.status).toBe(202);
    const [line] = await host.waitForLines((l) => appLines('onResourceEvent')(l) && String(l.message).includes('adm-1'));
    expect(line.message).toBe('event id=adm-1 type=Custom subject=/admin');
  });

  it('a trigger devhost does not fire (a storage queue) is named at start and still runs through the admin API', async () => {
    expect(host.lines).toContainEqual(expect.objectContaining({ level: 'warning', message: "'fromQueue': devhost does not fire queueTrigger triggers; invoke it with POST /admin/functions/fromQueue" }));
    expect((await admin('fromQueue', JSON.stringify({ input: '{"n":1}' }))).status).toBe(202);
    const [line] = await host.waitForLines(appLines('fromQueue'));
    expect(line.message).toBe('fromQueue got {"n":1}');
  });

  it('an activity can be invoked with an object input', async () => {
    expect((await admin('sayHello', JSON.stringify({ input: 'Eve' }))).status).toBe(202);
    await host.waitForLines((l) => l.event === 'invocation' && l.functionName === 'sayHello' && l.outcome === 'Succeeded');
  });

  it.each([
    ['an unknown function', 404, 'nope', '{}', 'POST'],
    ['an HTTP function (call its route instead)', 400, 'hello', '{}', 'POST'],
    ['a body that is not JSON', 400, 'nightly', 'not json', 'POST'],
    ['PUT instead of POST', 405, 'nightly', '{}', 'PUT'],
  ])('%s -> %d', async (_s, status, name, body, method) => {
    const res = await fetch(`${host.url}/admin/functions/${name}`, { method, body });
    expect(res.status).toBe(status);
  });
});
