import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { acquireScaleSetLease, releaseScaleSetLease, type LeaseRequest } from '../../orchestrations/kit/scale-set-lease';
import { eventOrTimeout, pollUntil, runStep, writeCondition, type StepOptions } from '../../orchestrations/kit/steps';
import { runOrchestration, type Answer } from './helpers/fake-context';

/**
 * The orchestrator kit driven through the real durable-functions library (fake durable context):
 * what each step does with each activity answer, and the durable timers it waits on.
 */
const T0 = new Date('2026-01-01T00:00:00.000Z');
const timersOf = (r: Awaited<ReturnType<typeof runOrchestration>>) => r.actions.flatMap((a) => (a.kind === 'timer' ? [a.afterMs] : []));

const transient = { outcome: 'retry', code: 'InternalServerError', message: 'try again' };
const ok = { outcome: 'ok', v: 1 };

describe('runStep: one activity, its classified answer honoured', () => {
  const opts: StepOptions = { pollMs: 1000, maxRetries: 4, maxBackoffMs: 3000 };
  const step: OrchestrationHandler = function* (ctx: OrchestrationContext) {
    return yield* runStep(ctx, opts, 'ensureThing', { name: 'f1' });
  };

  it.each<[string, Answer, { output: unknown; calls: number; timers: number[] }]>([
    ['ok at once: no wait', ok, { output: ok, calls: 1, timers: [] }],
    ['terminal at once: stops, no retry', { outcome: 'terminal', code: 'InvalidParameter', message: 'bad' }, { output: { outcome: 'terminal', code: 'InvalidParameter', message: 'bad' }, calls: 1, timers: [] }],
    ['pending: handed back as it is', { outcome: 'pending', id: 'op-1' }, { output: { outcome: 'pending', id: 'op-1' }, calls: 1, timers: [] }],
    ['transient twice, then ok: backoff pollMs, 2×pollMs', [transient, transient, ok], { output: ok, calls: 3, timers: [1000, 2000] }],
    ['transient every time: terminal after maxRetries attempts, backoff capped at maxBackoffMs', transient, { output: { outcome: 'terminal', code: 'InternalServerError', message: 'still failing after 4 attempts: try again' }, calls: 4, timers: [1000, 2000, 3000] }],
    ['Retry-After longer than the backoff: waits Retry-After', [{ ...transient, retryAfterMs: 30_000 }, ok], { output: ok, calls: 2, timers: [30_000] }],
    ['Retry-After shorter than the backoff: waits the backoff', [transient, { ...transient, retryAfterMs: 500 }, ok], { output: ok, calls: 3, timers: [1000, 2000] }],
  ])('%s', async (_situation, answer, expected) => {
    const r = await runOrchestration(step, { input: null, start: T0, answers: { ensureThing: answer } });
    expect(r.status).toBe('completed');
    expect(r.output).toEqual(expected.output);
    expect(r.calls).toEqual(Array(expected.calls).fill(['ensureThing', { name: 'f1' }]));
    expect(timersOf(r)).toEqual(expected.timers);
  });

  it('missing rights (retryForMs): retried past maxRetries for the window, the last wait ends at the window, then terminal', async () => {
    const rights = { outcome: 'retry', code: 'AuthorizationFailed', message: 'no rights', retryForMs: 10_000 };
    const r = await runOrchestration(step, { input: null, answers: { ensureThing: rights } });
    // Backoff 1 s, 2 s, 3 s (cap), 3 s = 9 s; the next 3 s would pass the 10 s window: 1 s.
    expect(timersOf(r)).toEqual([1000, 2000, 3000, 3000, 1000]);
    expect(r.output).toEqual({ outcome: 'terminal', code: 'AuthorizationFailed', message: expect.stringMatching(/^still failing after 10 s \(6 attempts; .*\): no rights$/) });
  });
});

describe('pollUntil: observe on a durable timer until the verdict says so', () => {
  const opts: StepOptions = { pollMs: 5000, maxRetries: 2 };
  type Seen = { state: string };
  const poll: OrchestrationHandler = function* (ctx: OrchestrationContext) {
    return yield* pollUntil<Seen>(ctx, opts, {
      observe: () => runStep<Seen>(ctx, opts, 'observe', null),
      verdict: (o) => (o.state === 'Succeeded' ? 'done' : o.state === 'Failed' ? { failed: { code: 'OpFailed', message: 'the operation failed' } } : o.state === 'FailedTransient' ? { failed: { code: 'Conflict', message: 'busy' }, retryable: true } : 'wait'),
      maxPolls: 3,
      what: 'the load balancer',
    });
  };
  const seen = (state: string) => ({ outcome: 'ok', state });

  it.each<[string, Answer, { output: unknown; timers: number[] }]>([
    ['done on the third look: two waits of pollMs', [seen('Updating'), seen('Updating'), seen('Succeeded')], { output: seen('Succeeded'), timers: [5000, 5000] }],
    ['never done: terminal Timeout naming what after maxPolls', seen('Updating'), { output: { outcome: 'terminal', code: 'Timeout', message: 'the load balancer did not finish after 3 polls' }, timers: [5000, 5000, 5000] }],
    ['the verdict says failed: terminal with its code', [seen('Updating'), seen('Failed')], { output: { outcome: 'terminal', code: 'OpFailed', message: 'the operation failed' }, timers: [5000] }],
    ['failed but retryable: retry, for the caller to write again', seen('FailedTransient'), { output: { outcome: 'retry', code: 'Conflict', message: 'busy' }, timers: [] }],
    ['the observation itself fails terminal: handed back', { outcome: 'terminal', code: 'NotFound', message: 'gone' }, { output: { outcome: 'terminal', code: 'NotFound', message: 'gone' }, timers: [] }],
  ])('%s', async (_situation, answer, expected) => {
    const r = await runOrchestration(poll, { input: null, answers: { observe: answer } });
    expect(r.output).toEqual(expected.output);
    expect(timersOf(r)).toEqual(expected.timers);
  });
});

describe('eventOrTimeout: the event or the timer, whichever comes first', () => {
  const waitFor: OrchestrationHandler = function* (ctx: OrchestrationContext) {
    yield ctx.df.callActivity('pass');
    return yield* eventOrTimeout(ctx, 'specChanged', 60_000);
  };

  it.each<[string, { raisedDuringPass?: boolean; events?: { afterMs: number; name: string; data?: unknown }[] }, { output: unknown; elapsedMs: number; cancelled: boolean }]>([
    ['the event arrives within the wait: event with its data, the timer cancelled', { events: [{ afterMs: 20_000, name: 'specChanged', data: { at: 'x' } }] }, { output: { kind: 'event', data: { at: 'x' } }, elapsedMs: 20_000, cancelled: true }],
    ['the event was raised before the wait (buffered): event at once', { raisedDuringPass: true }, { output: { kind: 'event', data: { early: true } }, elapsedMs: 0, cancelled: true }],
    ['no event: timeout when the timer fires', {}, { output: { kind: 'timeout' }, elapsedMs: 60_000, cancelled: false }],
    ['an event of another name: still the timeout', { events: [{ afterMs: 1000, name: 'connectionsChanged' }] }, { output: { kind: 'timeout' }, elapsedMs: 60_000, cancelled: false }],
  ])('%s', async (_situation, setup, expected) => {
    const r = await runOrchestration(waitFor, {
      input: null,
      ...(setup.events ? { events: setup.events } : {}),
      answers: { pass: (_i: unknown, _n: number, run) => (setup.raisedDuringPass ? run.raise('specChanged', { early: true }) : undefined, 'ok') },
    });
    expect(r).toMatchObject({ status: 'completed', output: expected.output, elapsedMs: expected.elapsedMs });
    expect(r.actions.filter((a) => a.kind === 'timer')).toEqual([expect.objectContaining({ afterMs: 60_000, cancelled: expected.cancelled })]);
  });
});

describe('writeCondition: one status write at the orchestration time', () => {
  it('sends the phase, the condition and the error to writeForwardStatus with the orchestration clock', async () => {
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 1500));
      yield* writeCondition(ctx, { forward: 'f1', phase: 'Failed', condition: { type: 'Ready', status: 'False', reason: 'Conflict', message: 'm', observedGeneration: 3 }, error: { code: 'Conflict', message: 'm' } });
    };
    const r = await runOrchestration(h, { input: null, start: T0, answers: { writeForwardStatus: null } });
    expect(r.calls).toEqual([['writeForwardStatus', { name: 'f1', phase: 'Failed', condition: { type: 'Ready', status: 'False', reason: 'Conflict', message: 'm', observedGeneration: 3 }, error: { code: 'Conflict', message: 'm' }, now: '2026-01-01T00:00:01.500Z' }]]);
  });
});

describe('the scale set lease (kit): acquire, waiting while another holder has it; release', () => {
  const take = (req: LeaseRequest): OrchestrationHandler =>
    function* (ctx: OrchestrationContext) {
      const r = yield* acquireScaleSetLease(ctx, req);
      if (r.acquired) yield* releaseScaleSetLease(ctx, { forward: req.forward, holder: req.holder, touched: true });
      return r;
    };
  const held = { acquired: false, holder: 'recycle' };
  const free = { acquired: true };

  it.each<[string, LeaseRequest, Answer, { output: unknown; acquires: number; timers: number[]; released: boolean }]>([
    ['free: taken at once, released with touched', { forward: 'f1', holder: 'reconcile', ttlSeconds: 3600, wait: { pollMs: 2000, maxPolls: 5 } }, free, { output: { acquired: true }, acquires: 1, timers: [], released: true }],
    ['held twice, then free: waits pollMs after each refusal', { forward: 'f1', holder: 'reconcile', ttlSeconds: 3600, wait: { pollMs: 2000, maxPolls: 5 } }, [held, held, free], { output: { acquired: true }, acquires: 3, timers: [2000, 2000], released: true }],
    ['held through every poll: refused naming the holder', { forward: 'f1', holder: 'reconcile', ttlSeconds: 3600, wait: { pollMs: 2000, maxPolls: 3 } }, held, { output: { acquired: false, holder: 'recycle' }, acquires: 3, timers: [2000, 2000, 2000], released: false }],
    ['no wait asked (a recycle): one attempt, refused', { forward: 'f1', holder: 'recycle', ttlSeconds: 1800 }, { acquired: false, holder: 'reconcile' }, { output: { acquired: false, holder: 'reconcile' }, acquires: 1, timers: [], released: false }],
  ])('%s', async (_situation, req, answer, expected) => {
    const r = await runOrchestration(take(req), { input: null, start: T0, answers: { scaleSetLease: (i: { op: string }, n: number) => (i.op === 'release' ? {} : Array.isArray(answer) ? answer[Math.min(n, answer.length) - 1] : answer) } });
    expect(r.output).toEqual(expected.output);
    expect(timersOf(r)).toEqual(expected.timers);
    const acquires = r.calls.filter(([, i]) => (i as { op: string }).op === 'acquire');
    expect(acquires).toHaveLength(expected.acquires);
    expect(acquires[0]).toEqual(['scaleSetLease', { name: 'f1', holder: req.holder, op: 'acquire', now: T0.toISOString(), ttlSeconds: req.ttlSeconds }]);
    const releases = r.calls.filter(([, i]) => (i as { op: string }).op === 'release');
    expect(releases).toEqual(expected.released ? [['scaleSetLease', { name: 'f1', holder: req.holder, op: 'release', now: expect.any(String), touched: true }]] : []);
  });
});
