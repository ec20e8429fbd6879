import type * as df from 'durable-functions';
import { durableClient, startDevhostProcess, waitForOutput, type DevhostProcess } from '../devhost/helpers/devhost-process';

/**
 * The durable engine against real durable-functions orchestrators (test/fixtures/app), driven
 * through the real DurableClient over devhost's management API.
 */
let host: DevhostProcess;
let client: df.DurableClient;

beforeAll(async () => {
  host = await startDevhostProcess(['--store', 'memory']);
  client = durableClient(host.url);
});
afterAll(() => host?.stop());

type HistoryRow = { EventType: string; Timestamp: string; FireAt?: string; EventId?: number; Name?: string };
const historyOf = (s: df.DurableOrchestrationStatus) => (s.history ?? []) as HistoryRow[];

async function run(name: string, input: unknown, instanceId?: string): Promise<df.DurableOrchestrationStatus> {
  const id = await client.startNew(name, { input, ...(instanceId ? { instanceId } : {}) });
  return waitForOutput(client, id);
}

describe('activities, fan-out and sub-orchestrations', () => {
  it.each([
    ['a sequence of activities returns their results in order', 'Sequence', ['a', 'b', 'c'], ['Hello a', 'Hello b', 'Hello c']],
    ['a fan-out of 12 activities joined with Task.all sums every result', 'FanOut', 12, 132],
    ['a sub-orchestration result reaches its parent', 'Parent', {}, { child: 42 }],
    ['a failing sub-orchestration surfaces as a catchable error in the parent', 'Parent', { fail: 'child broke' }, { childFailed: expect.stringContaining('child broke') }],
    ['continue-as-new restarts with the new input until done', 'Counter', 0, 3],
  ])('%s', async (_situation, name, input, expected) => {
    const status = await run(name as string, input);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(expected);
  });

  it('an unhandled activity failure fails the orchestration with the activity error', async () => {
    const status = await run('Unhandled', null);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain('unhandled activity failure');
  });

  it('continue-as-new keeps the history of the latest execution only', async () => {
    const status = await run('Counter', 0);
    const started = historyOf(status).filter((e) => e.EventType === 'ExecutionStarted');
    expect(started).toHaveLength(1);
  });
});

describe('retries (CallActivityWithRetry)', () => {
  it.each([
    ['succeeds on the 3rd of 5 attempts: three runs, two retry timers', { succeedOnAttempt: 3, maxAttempts: 5, firstMs: 40 }, 'ok after 3', 3],
    ['never succeeds within 3 attempts: exactly three runs, then the error', { succeedOnAttempt: 99, maxAttempts: 3, firstMs: 20 }, expect.stringContaining('gave up: '), 3],
    ['one attempt only: no retry at all', { succeedOnAttempt: 2, maxAttempts: 1, firstMs: 20 }, expect.stringContaining('gave up'), 1],
  ])('%s', async (situation, options, expected, runs) => {
    const status = await run('Retry', { key: situation, ...options });
    expect(status.output).toEqual(expected);
    const attempts = historyOf(status).filter((e) => e.EventType === 'TaskScheduled' && e.Name === 'Flaky');
    expect(attempts).toHaveLength(runs);
  });

  it('retry intervals follow firstRetryInterval * backoff^(n-1), capped at maxRetryInterval', async () => {
    const status = await run('Retry', { key: 'backoff', succeedOnAttempt: 99, maxAttempts: 4, firstMs: 30, backoff: 2, maxIntervalMs: 100 });
    const history = historyOf(status);
    // Each retry timer is created when the attempt fails: FireAt - created = the interval.
    const intervals = history
      .filter((e) => e.EventType === 'TimerCreated')
      .map((e) => Date.parse(e.FireAt!) - Date.parse(e.Timestamp));
    // 3 retries (30, 60, 100 capped from 120) and the zero-delay timer after the last failure.
    expect(intervals).toEqual([30, 60, 100, 0]);
  });

  it('a retry timeout ends the retries before maxNumberOfAttempts', async () => {
    const status = await run('Retry', { key: 'timeout', succeedOnAttempt: 99, maxAttempts: 10, firstMs: 60, timeoutMs: 100 });
    expect(status.output).toEqual(expect.stringContaining('gave up'));
    const runs = historyOf(status).filter((e) => e.EventType === 'TaskScheduled' && e.Name === 'Flaky');
    expect(runs.length).toBeLessThan(10);
    expect(runs.length).toBeGreaterThanOrEqual(1);
  });
});

describe('timers and external events', () => {
  it('a durable timer fires at its fireAt and the orchestration goes on', async () => {
    const status = await run('TimerThenDone', 150);
    expect(status.output).toBe('timer fired');
    const created = historyOf(status).find((e) => e.EventType === 'TimerCreated')!;
    const fired = historyOf(status).find((e) => e.EventType === 'TimerFired')!;
    expect(Date.parse(fired.Timestamp)).toBeGreaterThanOrEqual(Date.parse(created.FireAt!));
  });

  it('an external event wins over a timeout timer, and custom status is visible', async () => {
    const id = await client.startNew('WaitForApproval', { input: 60_000 });
    const waiting = await client.getStatus(id);
    expect(['Pending', 'Running']).toContain(waiting.runtimeStatus);
    await client.raiseEvent(id, 'Approval', { by: 'alice' });
    const done = await waitForOutput(client, id);
    expect(done.output).toEqual({ approved: { by: 'alice' } });
    expect(done.customStatus).toEqual({ decided: true });
  });

  it('the timeout wins when no event comes', async () => {
    const status = await run('WaitForApproval', 100);
    expect(status.output).toEqual({ approved: 'timeout' });
  });

  it('events raised before the orchestration waits for them are buffered, in order', async () => {
    const id = await client.startNew('TwoEvents', { instanceId: 'early-events' });
    await client.raiseEvent(id, 'B', 'second');
    await client.raiseEvent(id, 'A', 'first');
    const status = await waitForOutput(client, id);
    expect(status.output).toEqual(['first', 'second']);
  });

  it('an event raised during continue-as-new is carried into the next execution', async () => {
    const id = await client.startNew('Loop', { input: { round: 0, got: [] } });
    await client.raiseEvent(id, 'Next', 1);
    await client.raiseEvent(id, 'Next', 2);
    const status = await waitForOutput(client, id);
    expect(status.output).toEqual([1, 2]);
  });
});

describe('instance management', () => {
  it('terminate ends a waiting instance with the reason as output', async () => {
    const id = await client.startNew('TwoEvents');
    await client.terminate(id, 'no longer needed');
    const status = await waitForOutput(client, id);
    expect(status.runtimeStatus).toBe('Terminated');
    expect(status.output).toBe('no longer needed');
  });

  it('suspend holds events until resume', async () => {
    const id = await client.startNew('TwoEvents');
    await client.suspend(id, 'hold');
    await client.raiseEvent(id, 'A', 1);
    await client.raiseEvent(id, 'B', 2);
    expect((await client.getStatus(id)).runtimeStatus).toBe('Suspended');
    await client.resume(id, 'go');
    expect((await waitForOutput(client, id)).output).toEqual([1, 2]);
  });

  it('starting an id that is running is refused; a finished one is replaced', async () => {
    await client.startNew('TwoEvents', { instanceId: 'singleton-1' });
    await expect(client.startNew('TwoEvents', { instanceId: 'singleton-1' })).rejects.toThrow(/409/);
    await client.terminate('singleton-1', 'done');
    await waitForOutput(client, 'singleton-1');
    await expect(client.startNew('Sequence', { instanceId: 'singleton-1', input: ['x'] })).resolves.toBe('singleton-1');
    expect((await waitForOutput(client, 'singleton-1')).output).toEqual(['Hello x']);
  });

  it('purge deletes a finished instance and its history; unknown ids are 404', async () => {
    const status = await run('Sequence', ['p']);
    const purged = await client.purgeInstanceHistory(status.instanceId);
    expect(purged.instancesDeleted).toBe(1);
    await expect(client.getStatus(status.instanceId)).rejects.toThrow(/404/);
    await expect(client.raiseEvent('no-such-instance', 'A', 1)).rejects.toThrow(/No instance/);
  });

  it('list filters by runtime status and instance id prefix', async () => {
    await run('Sequence', ['l'], 'list-me-1');
    await run('Sequence', ['l'], 'list-me-2');
    const res = await fetch(`${host.url}/runtime/webhooks/durabletask/instances?instanceIdPrefix=list-me-&runtimeStatus=Completed`);
    const body = (await res.json()) as { instanceId: string }[];
    expect(body.map((b) => b.instanceId).sort()).toEqual(['list-me-1', 'list-me-2']);
  });

  it('df.getClient() inside an HTTP function starts an instance and reads its status', async () => {
    const res = await fetch(`${host.url}/api/start/Sequence?id=from-http`, { method: 'POST', body: JSON.stringify(['h']) });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { id: string }).id).toBe('from-http');
    expect((await waitForOutput(client, 'from-http')).output).toEqual(['Hello h']);
  });
});

describe('non-determinism', () => {
  it('an orchestrator that schedules a different activity on replay fails with a clear message', async () => {
    const status = await run('NonDeterministic', null);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toMatch(/Non-Deterministic workflow detected: action #0 was CallActivity\('Greet'\).*CallActivity\('Double'\)/);
  });
});
