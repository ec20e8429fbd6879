import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { runOrchestration } from './helpers/fake-context';

/**
 * The fake durable context drives the real durable-functions library: these situations pin the
 * library behaviours the orchestrator tests rely on (what a yield of each Task gives back).
 */
const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('the fake durable context, driving the real durable-functions library', () => {
  it('an activity answers its result; its name and input are recorded', async () => {
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      const a = yield ctx.df.callActivity('double', 21);
      const b = yield ctx.df.callActivity('echo', 'text');
      return { a, b, input: ctx.df.getInput(), id: ctx.df.instanceId };
    };
    const r = await runOrchestration(h, { input: { x: 1 }, instanceId: 'i-1', answers: { double: (n: number) => n * 2, echo: (s: string) => s } });
    expect(r).toMatchObject({ status: 'completed', output: { a: 42, b: 'text', input: { x: 1 }, id: 'i-1' }, calls: [['double', 21], ['echo', 'text']] });
  });

  it('a list answer gives one entry per call, the last one repeating', async () => {
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      const out: unknown[] = [];
      for (let i = 0; i < 4; i++) out.push(yield ctx.df.callActivity('next'));
      return out;
    };
    expect((await runOrchestration(h, { input: null, answers: { next: ['a', 'b'] } })).output).toEqual(['a', 'b', 'b', 'b']);
  });

  it('an activity that throws fails its task: the error is thrown into the generator', async () => {
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      try {
        yield ctx.df.callActivity('boom');
        return 'not reached';
      } catch (err) {
        return `caught: ${(err as Error).message}`;
      }
    };
    const r = await runOrchestration(h, { input: null, answers: { boom: () => { throw new Error('ARM said no'); } } });
    expect(r.output).toMatch(/^caught: .*ARM said no/);
  });

  it('an uncaught error fails the orchestration with its message', async () => {
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      yield ctx.df.callActivity('a');
      throw new Error('broken invariant');
    };
    expect(await runOrchestration(h, { input: null, answers: { a: 1 } })).toMatchObject({ status: 'failed', error: expect.stringContaining('broken invariant') });
  });

  it('a timer moves currentUtcDateTime to its fireAt; the code before it replays (isReplaying true), the newest turn does not', async () => {
    const seen: { t: string; replaying: boolean }[] = [];
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      seen.push({ t: ctx.df.currentUtcDateTime.toISOString(), replaying: ctx.df.isReplaying });
      yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 90_000));
      seen.push({ t: ctx.df.currentUtcDateTime.toISOString(), replaying: ctx.df.isReplaying });
      return ctx.df.currentUtcDateTime.toISOString();
    };
    const r = await runOrchestration(h, { input: null, start: T0 });
    expect(r).toMatchObject({ status: 'completed', output: at(90_000).toISOString(), elapsedMs: 90_000, actions: [{ kind: 'timer', afterMs: 90_000, cancelled: false }] });
    // Turn 1 ran the start live; turn 2 replayed it, then ran past the timer live.
    expect(seen).toEqual([
      { t: T0.toISOString(), replaying: false },
      { t: T0.toISOString(), replaying: true },
      { t: at(90_000).toISOString(), replaying: false },
    ]);
  });

  it.each([
    ['the event comes before the timer: the event wins, the timer is cancelled', 1000, { winner: 'event', data: { n: 1 } }, true, 1000],
    ['the timer fires first: the timeout wins', 9000, { winner: 'timer' }, false, 5000],
  ])('Task.any of an event and a timer — %s', async (_situation, eventAfterMs, output, cancelled, elapsedMs) => {
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      const timer = ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 5000));
      const event = ctx.df.waitForExternalEvent('go');
      const winner = yield ctx.df.Task.any([event, timer]);
      if (winner === event) {
        timer.cancel();
        return { winner: 'event', data: event.result };
      }
      return { winner: 'timer' };
    };
    const r = await runOrchestration(h, { input: null, events: [{ afterMs: eventAfterMs, name: 'go', data: { n: 1 } }] });
    expect(r).toMatchObject({ status: 'completed', output, elapsedMs });
    expect(r.actions).toEqual([expect.objectContaining({ kind: 'waitForEvent', name: 'go' }), expect.objectContaining({ kind: 'timer', afterMs: 5000, cancelled })]);
  });

  it('events raised while an activity runs are buffered by the library and delivered to later waits, in order', async () => {
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      yield ctx.df.callActivity('work');
      const first = yield ctx.df.waitForExternalEvent('e');
      const second = yield ctx.df.waitForExternalEvent('e');
      return [first, second];
    };
    const r = await runOrchestration(h, { input: null, answers: { work: (_i: unknown, _n: number, run) => (run.raise('e', 1), run.raise('e', 2), 'done') } });
    expect(r).toMatchObject({ status: 'completed', output: [1, 2] });
  });

  it('a sub-orchestration answers its result', async () => {
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      return yield ctx.df.callSubOrchestrator('child', { n: 2 }, 'child-1');
    };
    const r = await runOrchestration(h, { input: null, subOrchestrations: { child: (i: { n: number }) => i.n + 1 } });
    expect(r).toMatchObject({ status: 'completed', output: 3, actions: [{ kind: 'subOrchestration', name: 'child', input: { n: 2 }, instanceId: 'child-1' }] });
  });

  it('every custom status set is recorded in order, the last one as customStatus', async () => {
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      ctx.df.setCustomStatus({ step: 'one' });
      yield ctx.df.callActivity('a');
      ctx.df.setCustomStatus({ step: 'two' });
      yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 10));
      return 'done';
    };
    expect(await runOrchestration(h, { input: null, answers: { a: 1 } })).toMatchObject({ customStatuses: [{ step: 'one' }, { step: 'two' }], customStatus: { step: 'two' } });
  });

  it('continueAsNew ends the run with its input; a wait for an event that never comes ends it waiting', async () => {
    const again: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      ctx.df.setCustomStatus({ pass: 1 });
      yield ctx.df.callActivity('a');
      ctx.df.continueAsNew({ next: true });
      return undefined;
    };
    expect(await runOrchestration(again, { input: null, answers: { a: 1 } })).toMatchObject({ status: 'continuedAsNew', continuedWith: { next: true }, customStatus: { pass: 1 } });
    const stuck: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      yield ctx.df.waitForExternalEvent('never');
    };
    expect(await runOrchestration(stuck, { input: null })).toMatchObject({ status: 'waiting', actions: [{ kind: 'waitForEvent', name: 'never' }] });
  });

  it('an orchestrator that calls something else on replay is caught (non-deterministic replay)', async () => {
    let invocations = 0;
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      invocations++;
      yield ctx.df.callActivity(invocations === 1 ? 'first' : 'other');
      yield ctx.df.callActivity('second');
    };
    await expect(runOrchestration(h, { input: null, answers: { first: 1, other: 1, second: 2 } })).rejects.toThrow(/non-deterministic replay: action #0 was 0:first, now 0:other/);
  });

  it('an activity the test did not answer is a test error, named', async () => {
    const h: OrchestrationHandler = function* (ctx: OrchestrationContext) {
      yield ctx.df.callActivity('unknownStep', { k: 1 });
    };
    await expect(runOrchestration(h, { input: null })).rejects.toThrow(/no answer for activity unknownStep/);
  });
});
