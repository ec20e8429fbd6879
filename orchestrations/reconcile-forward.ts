import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { CONNECTIONS_BLOCK_DELETE, DELETE_ORDER, ENSURE_ORDER } from '../azure/order';
import type { ObservedState, ProvisioningState, RemoveResult, ResourceKind } from '../azure/resource-service';
import type { NodeStatus, Phase } from '../core/status';
import { armCode, ConditionTypes, Reasons, type ArmCode, type Reason } from '../core/conditions';
import { DurableNames, SPEC_CHANGED_EVENT } from './names';
import { eventOrTimeout, pollUntil, runStep, wait, writeCondition, type Gen } from './kit/steps';
import { failureOf, type StepResult } from './kit/step-result';
import { acquireScaleSetLease, releaseScaleSetLease } from './kit/scale-set-lease';
import type { ForwardSnapshot } from './activities/load-forward';
import type { EnsureOutcome } from './activities/ensure-resource';

/**
 * The singleton reconcile loop of one forward (instance id `forward:{name}`), deterministic:
 * every decision comes from activity results and the orchestration clock.
 *
 *   load the spec's generation -> deleting? remove our DNS records, tear down in reverse order
 *      (the PLS's private endpoint connections before the PLS), remove the entry (and its
 *      connection rows and action log), end
 *   -> ensure LB, scale set, PLS in order (each write is started by an activity and polled on a
 *      durable timer, never awaited inside an activity)
 *   -> roll nodes that do not run the latest model, one at a time (manualUpgrade, then a reimage:
 *      customData applies at boot only), each back to healthy first
 *      (ensure + roll hold the scale set lease: never at the same time as a recycle)
 *   -> record status (observed generation, alias, frontend IP, nodes)
 *   -> wait for a spec change (external event) or the drift interval, then continue-as-new, so
 *      drift is repaired and history stays small.
 * Azure failures come back classified: `retry` waits (never less than Retry-After) and tries
 * again; `terminal` shows phase Failed with the ARM code and message and waits for a new spec —
 * unless the generation already serves (a drift repair failed): then the phase stays and Synced
 * False names the ARM error (core/reconcile-status.ts, applied by the writeForwardStatus activity).
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
function status(ctx: OrchestrationContext, name: string, generation: number, phase: Phase, condition: { type: typeof ConditionTypes.Ready; ok: boolean; reason: Reason | ArmCode; message: string }, error?: { code: string; message: string }): Gen<void> {
  const { ok, ...rest } = condition;
  return writeCondition(ctx, { forward: name, phase, condition: { ...rest, status: ok ? 'True' : 'False', observedGeneration: generation }, ...(error ? { error } : {}) });
}

/** Times the PLS delete may meet a connection that arrived after the connections were deleted. */
const MAX_CONNECTION_ROUNDS = 5;

/**
 * Deletes the PLS's private endpoint connections and polls until none is left (each delete is a
 * long-running operation; a connection that arrives meanwhile is deleted on the next poll).
 */
function* drainConnections(ctx: OrchestrationContext, input: ReconcileInput): Gen<StepResult> {
  return yield* pollUntil<{ remaining: number }>(ctx, input, {
    observe: () => runStep(ctx, input, DurableNames.removeServiceConnections, { name: input.name }),
    verdict: (r) => (r.remaining === 0 ? 'done' : 'wait'),
    maxPolls: MAX_POLLS,
    what: 'private endpoint connections',
  });
}

/** Starts deleting one resource and polls until it is gone. */
function* removeOne(ctx: OrchestrationContext, input: ReconcileInput, kind: ResourceKind): Gen<StepResult> {
  const r = yield* runStep<{ result: RemoveResult }>(ctx, input, DurableNames.removeResource, { name: input.name, kind });
  if (r.outcome !== 'ok' || r.result !== 'deleting') return r;
  return yield* until(ctx, input, kind, (s) => s === 'Absent');
}

function* teardown(ctx: OrchestrationContext, input: ReconcileInput, generation: number): Gen<StepResult<{ cancelled?: boolean }>> {
  yield* status(ctx, input.name, generation, 'Deleting', { type: ConditionTypes.Ready, ok: false, reason: Reasons.Ready.Deleting, message: 'deleting the forward in reverse order' });
  // Our DNS records first: they name endpoints of a service that is about to go.
  const records = yield* runStep(ctx, input, DurableNames.removeForwardRecords, { name: input.name, now: ctx.df.currentUtcDateTime.toISOString() });
  if (records.outcome !== 'ok') return records;
  for (const kind of DELETE_ORDER) {
    if (kind !== 'privateLinkService') {
      const r = yield* removeOne(ctx, input, kind);
      if (r.outcome !== 'ok') return r;
      continue;
    }
    // Azure refuses to delete a PLS that has private endpoint connections (Approved, Pending or
    // Rejected, even one being deleted): delete them all and wait until none is left, then the PLS.
    // A consumer may connect in between: ARM then refuses the PLS delete (CONNECTIONS_BLOCK_DELETE)
    // and the round starts over, a bounded number of times.
    for (let round = 1; ; round++) {
      const drained = yield* drainConnections(ctx, input);
      if (drained.outcome !== 'ok') return drained;
      const r = yield* removeOne(ctx, input, kind);
      if (r.outcome === 'terminal' && r.code === CONNECTIONS_BLOCK_DELETE && round < MAX_CONNECTION_ROUNDS) continue;
      if (r.outcome !== 'ok') return r;
      break;
    }
  }
  // Removed only while still marked for deletion at this generation: a PUT during the teardown
  // cancels it, and the forward is provisioned again (undefined: a history from before this check).
  const removed = (yield ctx.df.callActivity(DurableNames.removeForward, { name: input.name, generation })) as { removed: boolean } | undefined;
  return { outcome: 'ok', cancelled: removed?.removed === false };
}

/** Polls of the scale set lease while a recycle holds it, before the pass starts over. */
const MAX_LEASE_POLLS = 240;

type Listed = { nodes: NodeStatus[]; reimagePending?: string[] };

/** Polls the node list until `done` holds for the node (or it is gone), at most MAX_NODE_POLLS times. */
function* untilNode(ctx: OrchestrationContext, input: ReconcileInput, instanceId: string, done: (n: NodeStatus) => boolean): Gen<StepResult<Listed>> {
  let listed: StepResult<Listed> = { outcome: 'ok', nodes: [] };
  for (let poll = 0; poll < MAX_NODE_POLLS; poll++) {
    yield wait(ctx, input.pollMs);
    listed = yield* runStep<Listed>(ctx, input, DurableNames.listForwardNodes, input.name);
    if (listed.outcome !== 'ok') return listed;
    const now = listed.nodes.find((n) => n.instanceId === instanceId);
    if (!now || done(now)) break;
  }
  return listed;
}

/**
 * Rolls the nodes to the latest model, one at a time: manualUpgrade, then a reimage, because a
 * node RUNS the customData it booted with — an upgrade alone changes the instance's model
 * (latestModelApplied) and nothing on the node (Learn "Custom data and cloud-init on Azure VMs",
 * FAQ; catalog VMSS-2). Each node is out only during its reimage and is healthy again before the
 * next starts. A node upgraded by an earlier pass that ended before its reimage is in the
 * forward's `reimagePending` (recorded before its upgrade) and is reimaged now.
 */
function* rollNodes(ctx: OrchestrationContext, input: ReconcileInput): Gen<StepResult<{ nodes: NodeStatus[]; rolled: number }>> {
  let listed = yield* runStep<Listed>(ctx, input, DurableNames.listForwardNodes, input.name);
  if (listed.outcome !== 'ok') return listed;
  const pending = listed.reimagePending ?? [];
  const toRoll = listed.nodes.filter((n) => n.latestModelApplied === false || pending.includes(n.instanceId));
  const node = (id: string) => ({ name: input.name, instanceId: id });
  for (const n of toRoll) {
    if (n.latestModelApplied === false) {
      const started = yield* runStep(ctx, input, DurableNames.upgradeForwardNode, node(n.instanceId));
      if (started.outcome !== 'ok') return started;
      // The upgrade's operation must be over before the reimage (one operation at a time).
      listed = yield* untilNode(ctx, input, n.instanceId, (now) => now.latestModelApplied === true && now.health !== 'updating');
      if (listed.outcome !== 'ok') return listed;
    }
    const reimaged = yield* runStep(ctx, input, DurableNames.upgradeForwardNode, { ...node(n.instanceId), action: 'reimage' });
    if (reimaged.outcome !== 'ok') return reimaged;
    // The next node waits until this one runs the new config and is healthy again (bounded).
    listed = yield* untilNode(ctx, input, n.instanceId, (now) => now.latestModelApplied === true && now.health === 'healthy');
    if (listed.outcome !== 'ok') return listed;
    const cleared = yield* runStep(ctx, input, DurableNames.upgradeForwardNode, { ...node(n.instanceId), action: 'done' });
    if (cleared.outcome !== 'ok') return cleared;
  }
  // Marks of instances that are gone (replaced by a recycle: a new instance boots the latest model).
  for (const id of pending.filter((p) => !listed.nodes.some((n) => n.instanceId === p))) {
    const cleared = yield* runStep(ctx, input, DurableNames.upgradeForwardNode, { ...node(id), action: 'done' });
    if (cleared.outcome !== 'ok') return cleared;
  }
  return listed.outcome === 'ok' ? { ...listed, rolled: toRoll.length } : listed;
}

export const reconcileForward: OrchestrationHandler = function* (ctx: OrchestrationContext) {
  const input = ctx.df.getInput() as ReconcileInput;
  const snap = (yield ctx.df.callActivity(DurableNames.loadForward, input.name)) as ForwardSnapshot;
  if (!snap.exists) return { result: 'absent' };

  if (snap.deleting) {
    const r = yield* teardown(ctx, input, snap.generation);
    if (r.outcome === 'ok' && r.cancelled) {
      // A PUT arrived during the teardown: provision the new generation.
      ctx.df.continueAsNew(input);
      return undefined;
    }
    if (r.outcome === 'ok') return { result: 'deleted' };
    yield* status(ctx, input.name, snap.generation, 'Failed', { type: ConditionTypes.Ready, ok: false, reason: Reasons.Ready.DeleteFailed, message: r.outcome === 'terminal' ? r.message : 'delete failed' }, r.outcome === 'terminal' ? { code: r.code, message: r.message } : undefined);
    yield ctx.df.waitForExternalEvent(SPEC_CHANGED_EVENT);
    ctx.df.continueAsNew(input);
    return undefined;
  }

  const phase: Phase = snap.observedGeneration === 0 ? 'Provisioning' : 'Updating';
  if (snap.observedGeneration !== snap.generation) yield* status(ctx, input.name, snap.generation, phase, { type: ConditionTypes.Ready, ok: false, reason: Reasons.Ready.Reconciling, message: `reconciling generation ${snap.generation}` });

  // One owner of the scale set's instances at a time: take the lease before the ensure + roll
  // phase (waiting while a recycle of this forward holds it), release it after (see recycle-node.ts).
  const lease = yield* acquireScaleSetLease(ctx, { forward: input.name, holder: 'reconcile', ttlSeconds: 3600, wait: { pollMs: input.pollMs, maxPolls: MAX_LEASE_POLLS } });
  if (!lease.acquired) {
    ctx.df.continueAsNew(input);
    return undefined;
  }
  let failure: StepResult | undefined;
  let touched = false;
  for (const kind of ENSURE_ORDER) {
    // A write whose operation failed with a transient code is written again (ensure sees the
    // resource Failed and PUTs it), with backoff, a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      let r = yield* runStep<EnsureOutcome>(ctx, input, DurableNames.ensureResource, { name: input.name, kind });
      // Being deleted (a delete not ours, or a forward re-created during its teardown): never written
      // (ARM refuses, VMSS-3); wait until it is gone, then ensure again, which creates it.
      if (r.outcome === 'ok' && r.awaitingDeletion) {
        const gone = yield* until(ctx, input, kind, (s) => s === 'Absent');
        r = gone.outcome === 'ok' ? yield* runStep<EnsureOutcome>(ctx, input, DurableNames.ensureResource, { name: input.name, kind }) : gone;
      }
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
  yield* releaseScaleSetLease(ctx, { forward: input.name, holder: 'reconcile', touched });

  if (failure) {
    const f = failure.outcome === 'terminal' || failure.outcome === 'retry' ? failureOf(failure) : { code: 'Unknown', message: 'reconcile did not finish' };
    yield* status(ctx, input.name, snap.generation, 'Failed', { type: ConditionTypes.Ready, ok: false, reason: armCode(f.code), message: f.message }, f);
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
