import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { InstanceView } from '../azure/scale-set/instances';
import { DurableNames } from './names';
import { pollUntil, runStep, wait, type Gen } from './kit/steps';
import { acquireScaleSetLease, releaseScaleSetLease } from './kit/scale-set-lease';
import type { RecycleActionInput } from './activities/recycle';

/**
 * The singleton recycle of one forward's node (instance id `recycle:{name}`), started by the health
 * sweep for the one node core/health.ts picked:
 *
 *   take the scale set lease (refused while the reconcile loop holds it: then nothing happens and
 *   the next sweep decides again)
 *   -> reimage (keeps the instance and its IP) -> verify: poll the instance until it is Succeeded
 *      and its health extension says healthy (PLF_HEALTH_VERIFY_POLLS polls)
 *   -> still broken: replace = delete the instance, wait until it is gone, bring the capacity
 *      back to the spec's count, verify every node healthy
 *   -> release the lease (the reconcile loop may act on instances again).
 * Every step goes to the action log and the recycle section (per-node history).
 *
 * Why a separate singleton guarded by a lease (and not the reconcile loop doing it): the reconcile
 * loop waits up to PLF_DRIFT_CHECK_SECONDS between passes and a rolling upgrade can take long; a
 * broken node should be recycled within a sweep or two. The lease (registry column
 * `scaleSetLease`, written with the entity etag before any side effect) makes the two mutually
 * exclusive: the reconcile takes it for its ensure + roll phase and waits while a recycle holds
 * it; a recycle that cannot take it does nothing.
 */
export interface RecycleInput {
  name: string;
  instanceId: string;
  reason: string;
  pollMs: number;
  verifyPolls: number;
}

type Observed = { node?: InstanceView; nodes: InstanceView[]; gone: boolean };

function* act(ctx: OrchestrationContext, input: RecycleInput, action: RecycleActionInput['action'], instanceId: string, reason: string): Gen<boolean> {
  const payload: RecycleActionInput = { name: input.name, instanceId, action, reason, now: ctx.df.currentUtcDateTime.toISOString() };
  const r = yield* runStep(ctx, { pollMs: input.pollMs, maxRetries: 5 }, DurableNames.recycleAction, payload);
  return r.outcome === 'ok';
}

function observe(ctx: OrchestrationContext, input: RecycleInput, instanceId: string) {
  return () => runStep<Observed>(ctx, { pollMs: input.pollMs, maxRetries: 5 }, DurableNames.recycleObserve, { name: input.name, instanceId });
}

/** Polls until the node is Succeeded and healthy: true; false when it stays broken (or is gone). */
function* verifyNode(ctx: OrchestrationContext, input: RecycleInput, instanceId: string): Gen<boolean> {
  yield wait(ctx, input.pollMs);
  const r = yield* pollUntil<Observed>(ctx, input, {
    observe: observe(ctx, input, instanceId),
    verdict: (o) => (o.gone ? { failed: { code: 'Gone', message: 'the node is gone' } } : o.node?.provisioningState === 'Succeeded' && o.node.health === 'healthy' ? 'done' : 'wait'),
    maxPolls: input.verifyPolls,
    what: `node ${instanceId} healthy`,
  });
  return r.outcome === 'ok';
}

function* replace(ctx: OrchestrationContext, input: RecycleInput): Gen<boolean> {
  if (!(yield* act(ctx, input, 'replace', input.instanceId, `still broken after a reimage: ${input.reason}`))) return false;
  const gone = yield* pollUntil<Observed>(ctx, input, { observe: observe(ctx, input, input.instanceId), verdict: (o) => (o.gone ? 'done' : 'wait'), maxPolls: input.verifyPolls, what: `node ${input.instanceId} deleted` });
  if (gone.outcome !== 'ok') return false;
  if (!(yield* act(ctx, input, 'restore', input.instanceId, 'bring the node count back after a replace'))) return false;
  yield wait(ctx, input.pollMs);
  let target = 0;
  const back = yield* pollUntil<Observed & { count?: number }>(ctx, input, {
    observe: observe(ctx, input, input.instanceId),
    verdict: (o) => {
      target = o.nodes.length;
      return o.nodes.length > 0 && o.nodes.every((n) => n.provisioningState === 'Succeeded' && n.health === 'healthy') ? 'done' : 'wait';
    },
    maxPolls: input.verifyPolls,
    what: 'the replacement node healthy',
  });
  const newest = back.outcome === 'ok' ? back.nodes.map((n) => n.instanceId).sort((a, b) => Number(a) - Number(b)).pop() : undefined;
  yield* act(ctx, input, back.outcome === 'ok' ? 'verified' : 'still-broken', newest ?? input.instanceId, back.outcome === 'ok' ? `replacement ${newest} healthy; ${target} node(s)` : 'the replacement did not become healthy');
  return back.outcome === 'ok';
}

export const recycleNode: OrchestrationHandler = function* (ctx: OrchestrationContext) {
  const input = ctx.df.getInput() as RecycleInput;
  const lease = yield* acquireScaleSetLease(ctx, { forward: input.name, holder: 'recycle', ttlSeconds: 1800 });
  if (!lease.acquired) {
    yield* act(ctx, input, 'refused', input.instanceId, `the scale set is held by ${lease.holder ?? 'another orchestration'}; the next sweep decides again`);
    return { result: 'refused', holder: lease.holder };
  }
  let result = 'failed';
  if (yield* act(ctx, input, 'reimage', input.instanceId, input.reason)) {
    if (yield* verifyNode(ctx, input, input.instanceId)) {
      yield* act(ctx, input, 'verified', input.instanceId, 'healthy after the reimage');
      result = 'reimaged';
    } else {
      yield* act(ctx, input, 'still-broken', input.instanceId, 'not healthy after the reimage: replacing it');
      result = (yield* replace(ctx, input)) ? 'replaced' : 'replace-failed';
    }
  }
  yield* act(ctx, input, 'done', input.instanceId, result);
  yield* releaseScaleSetLease(ctx, { forward: input.name, holder: 'recycle' });
  return { result };
};

df.app.orchestration(DurableNames.recycleNode, recycleNode);
