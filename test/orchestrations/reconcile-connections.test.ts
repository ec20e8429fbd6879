import { reconcileConnections, type ConnectionsInput } from '../../orchestrations/reconcile-connections';
import { runOrchestration, timeline, type Answer, type AnswerFn } from './helpers/fake-context';

/**
 * The connections flow (orchestrations/reconcile-connections.ts) through the real library: one
 * pass, then linger for wake-ups; wake-ups that queue up (bursts, our own approvals' echoes)
 * become ONE next pass with their actors and resource ids merged.
 */
const input: ConnectionsInput = { name: 'f1', pollMs: 1000, lingerSeconds: 30, wake: { actor: 'api', resourceIds: ['/pe/a'] } };
const summary = { outcome: 'ok', summary: { approved: 1, rejected: 0, pending: 0 } };
const EVENT = 'connectionsChanged';

/** A pass that answers `answer` after raising `echoes` (as Event Grid would while it approves). */
const passRaising = (echoes: unknown[], answer: unknown = summary): AnswerFn => (_i, _n, run) => {
  for (const e of echoes) run.raise(EVENT, e);
  return answer;
};

describe('reconcile-connections: one pass, then linger', () => {
  it('the pass gets the wake-up as its actor and hints, at the orchestration time', async () => {
    const r = await runOrchestration(reconcileConnections, { input, answers: { connectionsPass: summary } });
    expect(r.calls).toEqual([['connectionsPass', { name: 'f1', actor: 'api', hints: ['/pe/a'], now: '2026-01-01T00:00:00.000Z' }]]);
  });

  it.each<[string, Record<string, Answer>, { events?: { afterMs: number; name: string; data?: unknown }[] }, { status: string; output?: unknown; steps: string[]; elapsedMs: number }]>([
    ['silence for the linger time: ends with the summary', { connectionsPass: summary }, {}, { status: 'completed', output: summary.summary, steps: ['connectionsPass', `event ${EVENT}`, 'wait 30000'], elapsedMs: 30_000 }],
    [
      'a wake-up within the linger time: the next pass (continue-as-new) at once',
      { connectionsPass: summary },
      { events: [{ afterMs: 12_000, name: EVENT, data: { actor: 'event', resourceIds: ['/pe/b'] } }] },
      { status: 'continuedAsNew', steps: ['connectionsPass', `event ${EVENT}`, 'wait 30000 (cancelled)', `event ${EVENT}`, 'wait 0', 'continueAsNew'], elapsedMs: 12_000 },
    ],
    [
      'a pass that fails terminal: ConnectionsReconciled False through connectionsFailed, then linger; ends with the failure',
      { connectionsPass: { outcome: 'terminal', code: 'AuthorizationFailed', message: 'no rights on the PLS' }, connectionsFailed: null },
      {},
      { status: 'completed', output: { code: 'AuthorizationFailed', message: 'no rights on the PLS' }, steps: ['connectionsPass', 'connectionsFailed', `event ${EVENT}`, 'wait 30000'], elapsedMs: 30_000 },
    ],
    [
      'a transient pass failure: retried by the step runner (backoff pollMs), no failure written',
      { connectionsPass: [{ outcome: 'retry', code: 'TooManyRequests', message: 'slow down' }, summary] },
      {},
      { status: 'completed', output: summary.summary, steps: ['connectionsPass', 'wait 1000', 'connectionsPass', `event ${EVENT}`, 'wait 30000'], elapsedMs: 31_000 },
    ],
  ])('%s', async (_situation, answers, setup, expected) => {
    const r = await runOrchestration(reconcileConnections, { input, answers, ...setup });
    expect(timeline(r)).toEqual(expected.steps);
    expect(r).toMatchObject({ status: expected.status, elapsedMs: expected.elapsedMs, ...(expected.output !== undefined ? { output: expected.output } : {}) });
  });

  it('the failure written carries the code, message and the pass time', async () => {
    const r = await runOrchestration(reconcileConnections, { input, answers: { connectionsPass: { outcome: 'terminal', code: 'X', message: 'm' }, connectionsFailed: null } });
    expect(r.calls[1]).toEqual(['connectionsFailed', { name: 'f1', failure: { code: 'X', message: 'm' }, now: '2026-01-01T00:00:00.000Z' }]);
  });
});

describe('reconcile-connections: echo merging', () => {
  it.each<[string, unknown[], { actor: string; resourceIds: string[] }]>([
    ['three echoes of our own approvals during the pass: one next pass naming every resource once', [{ actor: 'event', resourceIds: ['/pe/a', '/pe/b'] }, { actor: 'event', resourceIds: ['/pe/b'] }, { actor: 'event', resourceIds: ['/pe/c'] }], { actor: 'event', resourceIds: ['/pe/a', '/pe/b', '/pe/c'] }],
    ["the sweep's wake-up first, an API one after: the actor is the first that is not the sweep's", [{ actor: 'sweep' }, { actor: 'api', resourceIds: ['/pe/x'] }, { actor: 'event' }], { actor: 'api', resourceIds: ['/pe/x'] }],
    ['only sweep wake-ups: the sweep', [{ actor: 'sweep' }, { actor: 'sweep' }], { actor: 'sweep', resourceIds: [] }],
    ['a wake-up without data: counted, the actor falls back to event', [null], { actor: 'event', resourceIds: [] }],
    ['resource ids beyond 200: the first 200 kept', [{ actor: 'event', resourceIds: Array.from({ length: 150 }, (_, i) => `/pe/${i}`) }, { actor: 'event', resourceIds: Array.from({ length: 150 }, (_, i) => `/pe/${i + 150}`) }], { actor: 'event', resourceIds: Array.from({ length: 200 }, (_, i) => `/pe/${i}`) }],
  ])('%s', async (_situation, echoes, wake) => {
    const r = await runOrchestration(reconcileConnections, { input, answers: { connectionsPass: passRaising(echoes) } });
    expect(r).toMatchObject({ status: 'continuedAsNew', continuedWith: { ...input, wake }, elapsedMs: 0 });
    // One pass in this execution: the echoes did not each start one.
    expect(r.calls.map(([n]) => n)).toEqual(['connectionsPass']);
  });

  it('more than 101 wake-ups queued: the next pass merges the first 101 (one and 100 more), the rest wait for it', async () => {
    const echoes = Array.from({ length: 130 }, (_, i) => ({ actor: 'event', resourceIds: [`/pe/${i}`] }));
    const r = await runOrchestration(reconcileConnections, { input, answers: { connectionsPass: passRaising(echoes) } });
    expect((r.continuedWith as ConnectionsInput).wake.resourceIds).toEqual(Array.from({ length: 101 }, (_, i) => `/pe/${i}`));
  });

  it('a wake-up raised while the merge waits (0 ms) is not waited for: the next pass takes it', async () => {
    const r = await runOrchestration(reconcileConnections, { input, answers: { connectionsPass: passRaising([{ actor: 'event', resourceIds: ['/pe/a'] }]) }, events: [{ afterMs: 5, name: EVENT, data: { actor: 'event', resourceIds: ['/pe/late'] } }] });
    expect((r.continuedWith as ConnectionsInput).wake.resourceIds).toEqual(['/pe/a']);
  });

  it('hints of the input beyond 200: the pass gets the first 200', async () => {
    const many = { ...input, wake: { actor: 'event' as const, resourceIds: Array.from({ length: 250 }, (_, i) => `/pe/${i}`) } };
    const r = await runOrchestration(reconcileConnections, { input: many, answers: { connectionsPass: summary } });
    expect((r.calls[0][1] as { hints: string[] }).hints).toHaveLength(200);
  });
});
