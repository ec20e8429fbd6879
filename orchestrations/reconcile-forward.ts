import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { DELETE_ORDER, ENSURE_ORDER } from '../azure/order';
import type { ObservedState, ProvisioningState, RemoveResult, ResourceKind } from '../azure/resource-service';
import type { NodeStatus, Phase } from '../core/status';
import { DurableNames, SPEC_CHANGED_EVENT } from './names';
import { eventOrTimeout, pollUntil, runStep, wait, writeCondition, type Gen } from './kit/steps';
import { failureOf, type StepResult } from './kit/step-result';
import type { ForwardSnapshot } from './activities/load-forward';
import type { EnsureOutcome } from './activities/ensure-resource';

/**
 * The singleton reconcile loop of one forward (instance id `forward:{name}`), deterministic:
 * every decision comes from activity results and the orchestration clock.
 *
 *   load the spec's generation -> deleting? remove our DNS records, tear down in reverse order,
 *      remove the entry (and its connection rows and action log), end
 *   -> ensure LB, scale set, PLS in order (each write is started by an activity and polled on a
 *      durable timer, never awaited inside an activity)
 *   -> roll nodes that do not run the latest model, one at a time, each back to healthy first
 *      (ensure + roll hold the scale set lease: never at the same time as a recycle)
 *   -> record status (observed generation, alias, frontend IP, nodes)
 *   -> wait for a spec change (external event) or the drift interval, then continue-as-new, so
 *      drift is repaired and history stays small.
 * Azure failures come back classified: `retry` waits (never less than Retry-After) and tries
 * again; `terminal` shows phase Failed with the ARM code and message and waits for a new spec.
 */
export interface ReconcileInput {
  name: string;
  /** Poll interval of long-running operations, ms (from app settings, fixed per run). */
  pollMs: number;
  /** Seconds between drift re-checks of a converged forward. */
  driftSeconds: number;
}

const MAX_POLLS = 240;
/** Writes of one resource whose operation failed with a transient code, before the failure is shown. */
const MAX_WRITE_ATTEMPTS = 4;
/** Polls of one node's health after its upgrade before moving on (the forward shows Degraded). */
const MAX_NODE_POLLS = 60;

/**
 * Polls a resource until it is Succeeded (or gone, when deleting). `operation` (the write's status
 * URL from ensure) lets a Failed resource report ARM's code and message; without it (an operation
 * not ours) the failure can only say the resource is Failed.
 */
function until(ctx: OrchestrationContext, input: ReconcileInput, kind: ResourceKind, done: (s: ProvisioningState) => boolean, operation?: string): Gen<StepResult> {
  return pollUntil<ObservedState>(ctx, input, {
    observe: () => runStep(ctx, input, DurableNames.resourceState, { name: input.name, kind, ...(operation ? { operation } : {}) }),
    verdict: (r) => {
      if (done(r.state)) return 'done';
      if (r.state !== 'Failed') return 'wait';
      if (!r.error) return { failed: { code: 'ResourceFailed', message: `the ${kind}'s provisioningState is Failed (its operation is not ours; ARM names the reason only on the operation)` } };
      return { failed: { code: r.error.code, message: r.error.message }, retryable: r.error.retryable };
    },
    maxPolls: MAX_POLLS,
    what: kind,
  });
}

/** Waits for a spec change or the drift interval, whichever comes first. */
function* changeOrDrift(ctx: OrchestrationContext, input: ReconcileInput): Gen<void> {
  yield* eventOrTimeout(ctx, SPEC_CHANGED_EVENT, input.driftSeconds * 1000);
}

/**
 * Writes the phase and the Ready condition for spec generation `generation`: the condition carries
 * it, so a reader can tell a Failed of the generation it waits for from one of an older spec.
 */
function status(ctx: OrchestrationContext, name: string, generation: number, phase: Phase, condition: { type: string; ok: boolean; reason: string; message: string }, error?: { code: string; message: string }): Gen<void> {
  const { ok, ...rest } = condition;
  return writeCondition(ctx, { forward: name, phase, condition: { ...rest, status: ok ? 'True' : 'False', observedGeneration: generation }, ...(error ? { error } : {}) });
}

function* teardown(ctx: OrchestrationContext, input: ReconcileInput, generation: number): Gen<StepResult> {
  yield* status(ctx, input.name, generation, 'Deleting', { type: 'Ready', ok: false, reason: 'Deleting', message: 'deleting the forward in reverse order' });
  // Our DNS records first: they name endpoints of a service that is about to go.
  const records = yield* runStep(ctx, input, DurableNames.removeForwardRecords, { name: input.name, now: ctx.df.currentUtcDateTime.toISOString() });
  if (records.outcome !== 'ok') return records;
  for (const kind of DELETE_ORDER) {
    const r = yield* runStep<{ result: RemoveResult }>(ctx, input, DurableNames.removeResource, { name: input.name, kind });
    if (r.outcome !== 'ok') return r;
    if (r.result === 'deleting') {
      const gone = yield* until(ctx, input, kind, (s) => s === 'Absent');
      if (gone.outcome !== 'ok') return gone;
    }
  }
  yield ctx.df.callActivity(DurableNames.removeForward, input.name);
  return { outcome: 'ok' };
}

/** Polls of the scale set lease while a recycle holds it, before the pass starts over. */
const MAX_LEASE_POLLS = 240;

/** Takes the scale set lease for this pass; false when a recycle kept it through every poll. */
function* takeScaleSet(ctx: OrchestrationContext, input: ReconcileInput): Gen<boolean> {
  for (let n = 0; n < MAX_LEASE_POLLS; n++) {
    const r = (yield ctx.df.callActivity(DurableNames.scaleSetLease, { name: input.name, holder: 'reconcile', op: 'acquire', now: ctx.df.currentUtcDateTime.toISOString(), ttlSeconds: 3600 })) as { acquired: boolean };
    if (r.acquired) return true;
    yield wait(ctx, input.pollMs);
  }
  return false;
}

function* rollNodes(ctx: OrchestrationContext, input: ReconcileInput): Gen<StepResult<{ nodes: NodeStatus[]; rolled: number }>> {
  let listed = yield* runStep<{ nodes: NodeStatus[] }>(ctx, input, DurableNames.listForwardNodes, input.name);
  if (listed.outcome !== 'ok') return listed;
  const toRoll = listed.nodes.filter((n) => n.latestModelApplied === false);
  for (const node of toRoll) {
    const started = yield* runStep(ctx, input, DurableNames.upgradeForwardNode, { name: input.name, instanceId: node.instanceId });
    if (started.outcome !== 'ok') return started;
    // The next node waits until this one runs the new model and is healthy again (bounded).
    for (let poll = 0; poll < MAX_NODE_POLLS; poll++) {
      yield wait(ctx, input.pollMs);
      listed = yield* runStep<{ nodes: NodeStatus[] }>(ctx, input, DurableNames.listForwardNodes, input.name);
      if (listed.outcome !== 'ok') return listed;
      const now = listed.nodes.find((n) => n.instanceId === node.instanceId);
      if (!now || (now.latestModelApplied && now.health === 'healthy')) break;
    }
  }
  return listed.outcome === 'ok' ? { ...listed, rolled: toRoll.length } : listed;
}

export const reconcileForward: OrchestrationHandler = function* (ctx: OrchestrationContext) {
  const input = ctx.df.getInput() as ReconcileInput;
  const snap = (yield ctx.df.callActivity(DurableNames.loadForward, input.name)) as ForwardSnapshot;
  if (!snap.exists) return { result: 'absent' };

  if (snap.deleting) {
    const r = yield* teardown(ctx, input, snap.generation);
    if (r.outcome === 'ok') return { result: 'deleted' };
    yield* status(ctx, input.name, snap.generation, 'Failed', { type: 'Ready', ok: false, reason: 'DeleteFailed', message: r.outcome === 'terminal' ? r.message : 'delete failed' }, r.outcome === 'terminal' ? { code: r.code, message: r.message } : undefined);
    yield ctx.df.waitForExternalEvent(SPEC_CHANGED_EVENT);
    ctx.df.continueAsNew(input);
    return undefined;
  }

  const phase: Phase = snap.observedGeneration === 0 ? 'Provisioning' : 'Updating';
  if (snap.observedGeneration !== snap.generation) yield* status(ctx, input.name, snap.generation, phase, { type: 'Ready', ok: false, reason: 'Reconciling', message: `reconciling generation ${snap.generation}` });

  // One owner of the scale set's instances at a time: take the lease before the ensure + roll
  // phase (waiting while a recycle of this forward holds it), release it after (see recycle-node.ts).
  const held = yield* takeScaleSet(ctx, input);
  if (!held) {
    ctx.df.continueAsNew(input);
    return undefined;
  }
  let failure: StepResult | undefined;
  let touched = false;
  for (const kind of ENSURE_ORDER) {
    // A write whose operation failed with a transient code is written again (ensure sees the
    // resource Failed and PUTs it), with backoff, a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      const r = yield* runStep<EnsureOutcome>(ctx, input, DurableNames.ensureResource, { name: input.name, kind });
      if (r.outcome !== 'ok') {
        failure = r;
        break;
      }
      // `changed` too: results recorded before `inProgress` existed must replay the same way.
      if (kind === 'scaleSet' && r.changed) touched = true;
      if (!r.changed && !r.inProgress) break;
      const settled = yield* until(ctx, input, kind, (s) => s === 'Succeeded', r.operation);
      if (settled.outcome === 'retry' && attempt < MAX_WRITE_ATTEMPTS) {
        yield wait(ctx, input.pollMs * 2 ** (attempt - 1));
        continue;
      }
      if (settled.outcome !== 'ok') failure = settled;
      break;
    }
    if (failure) break;
  }

  let nodes: NodeStatus[] = [];
  if (!failure) {
    const rolled = yield* rollNodes(ctx, input);
    if (rolled.outcome === 'ok') nodes = rolled.nodes;
    else failure = rolled;
    touched ||= rolled.outcome === 'ok' && rolled.rolled > 0;
  }
  yield ctx.df.callActivity(DurableNames.scaleSetLease, { name: input.name, holder: 'reconcile', op: 'release', now: ctx.df.currentUtcDateTime.toISOString(), touched });

  if (failure) {
    const f = failure.outcome === 'terminal' || failure.outcome === 'retry' ? failureOf(failure) : { code: 'Unknown', message: 'reconcile did not finish' };
    yield* status(ctx, input.name, snap.generation, 'Failed', { type: 'Ready', ok: false, reason: f.code, message: f.message }, f);
    // Wait for a new spec (or the drift interval, for failures that clear by themselves).
    yield* changeOrDrift(ctx, input);
    ctx.df.continueAsNew(input);
    return undefined;
  }

  const finished = (yield ctx.df.callActivity(DurableNames.finishReconcile, { name: input.name, generation: snap.generation, nodes, now: ctx.df.currentUtcDateTime.toISOString() })) as StepResult<{ snapshot: ForwardSnapshot }>;
  const after = finished.outcome === 'ok' ? finished.snapshot : snap;
  if (after.exists && (after.generation !== snap.generation || after.deleting)) {
    ctx.df.continueAsNew(input);
    return undefined;
  }
  if (!after.exists) return { result: 'absent' };
  // Converged: wait for a spec change or the next drift check.
  yield* changeOrDrift(ctx, input);
  ctx.df.continueAsNew(input);
  return undefined;
};

df.app.orchestration(DurableNames.reconcileForward, reconcileForward);
