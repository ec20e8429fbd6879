import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from 'durable-functions';
import { DELETE_ORDER, ENSURE_ORDER } from '../azure/order';
import type { ProvisioningState, RemoveResult, ResourceKind } from '../azure/resource-service';
import type { NodeStatus, Phase } from '../core/status';
import { DurableNames, SPEC_CHANGED_EVENT } from './names';
import type { StepResult } from './activities/context';
import type { ForwardSnapshot } from './activities/load-forward';

/**
 * The singleton reconcile loop of one forward (instance id `forward:{name}`), deterministic:
 * every decision comes from activity results and the orchestration clock.
 *
 *   load the spec's generation -> deleting? tear down in reverse order, remove the entry, end
 *   -> ensure LB, scale set, PLS in order (each write is started by an activity and polled on a
 *      durable timer, never awaited inside an activity)
 *   -> roll nodes that do not run the latest model, one at a time, each back to healthy first
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

const MAX_RETRIES = 8;
const MAX_POLLS = 240;
/** Polls of one node's health after its upgrade before moving on (the forward shows Degraded). */
const MAX_NODE_POLLS = 60;

type Gen<T> = Generator<Task, T, unknown>;

function wait(ctx: OrchestrationContext, ms: number): TimerTask {
  return ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + ms));
}

/** Waits for a spec change or the drift interval, whichever comes first (the timer is cancelled). */
function* changeOrDrift(ctx: OrchestrationContext, input: ReconcileInput): Gen<void> {
  const timer = wait(ctx, input.driftSeconds * 1000);
  const changed = ctx.df.waitForExternalEvent(SPEC_CHANGED_EVENT);
  const winner = yield ctx.df.Task.any([changed, timer]);
  if (winner === changed) timer.cancel();
}

/** Runs an activity, retrying `retry` outcomes with exponential backoff honouring Retry-After. */
function* run<T extends object>(ctx: OrchestrationContext, input: ReconcileInput, activity: string, payload: unknown): Gen<StepResult<T>> {
  for (let attempt = 1; ; attempt++) {
    const result = (yield ctx.df.callActivity(activity, payload)) as StepResult<T>;
    if (result.outcome !== 'retry') return result;
    if (attempt >= MAX_RETRIES) return { outcome: 'terminal', code: result.code, message: `still failing after ${attempt} attempts: ${result.message}` };
    const backoff = Math.min(input.pollMs * 2 ** (attempt - 1), 5 * 60_000);
    yield wait(ctx, Math.max(backoff, result.retryAfterMs ?? 0));
  }
}

/** Polls a resource until it is Succeeded (or gone, when deleting). */
function* until(ctx: OrchestrationContext, input: ReconcileInput, kind: ResourceKind, done: (s: ProvisioningState) => boolean): Gen<StepResult> {
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    const r = yield* run<{ state: ProvisioningState }>(ctx, input, DurableNames.resourceState, { name: input.name, kind });
    if (r.outcome !== 'ok') return r;
    if (done(r.state)) return { outcome: 'ok' };
    if (r.state === 'Failed') return { outcome: 'terminal', code: 'ProvisioningFailed', message: `${kind} provisioning failed` };
    yield wait(ctx, input.pollMs);
  }
  return { outcome: 'terminal', code: 'Timeout', message: `${kind} did not finish after ${MAX_POLLS} polls` };
}

function* status(ctx: OrchestrationContext, name: string, phase: Phase, type: string, ok: boolean, reason: string, message: string, error?: { code: string; message: string }): Gen<void> {
  yield ctx.df.callActivity(DurableNames.writeForwardStatus, {
    name,
    phase,
    condition: { type, status: ok ? 'True' : 'False', reason, message },
    ...(error ? { error } : {}),
    now: ctx.df.currentUtcDateTime.toISOString(),
  });
}

function* teardown(ctx: OrchestrationContext, input: ReconcileInput): Gen<StepResult> {
  yield* status(ctx, input.name, 'Deleting', 'Ready', false, 'Deleting', 'deleting the forward in reverse order');
  for (const kind of DELETE_ORDER) {
    const r = yield* run<{ result: RemoveResult }>(ctx, input, DurableNames.removeResource, { name: input.name, kind });
    if (r.outcome !== 'ok') return r;
    if (r.result === 'deleting') {
      const gone = yield* until(ctx, input, kind, (s) => s === 'Absent');
      if (gone.outcome !== 'ok') return gone;
    }
  }
  yield ctx.df.callActivity(DurableNames.removeForward, input.name);
  return { outcome: 'ok' };
}

function* rollNodes(ctx: OrchestrationContext, input: ReconcileInput): Gen<StepResult<{ nodes: NodeStatus[] }>> {
  let listed = yield* run<{ nodes: NodeStatus[] }>(ctx, input, DurableNames.listForwardNodes, input.name);
  if (listed.outcome !== 'ok') return listed;
  for (const node of listed.nodes.filter((n) => n.latestModelApplied === false)) {
    const started = yield* run(ctx, input, DurableNames.upgradeForwardNode, { name: input.name, instanceId: node.instanceId });
    if (started.outcome !== 'ok') return started;
    // The next node waits until this one runs the new model and is healthy again (bounded).
    for (let poll = 0; poll < MAX_NODE_POLLS; poll++) {
      yield wait(ctx, input.pollMs);
      listed = yield* run<{ nodes: NodeStatus[] }>(ctx, input, DurableNames.listForwardNodes, input.name);
      if (listed.outcome !== 'ok') return listed;
      const now = listed.nodes.find((n) => n.instanceId === node.instanceId);
      if (!now || (now.latestModelApplied && now.health === 'healthy')) break;
    }
  }
  return listed;
}

export const reconcileForward: OrchestrationHandler = function* (ctx: OrchestrationContext) {
  const input = ctx.df.getInput() as ReconcileInput;
  const snap = (yield ctx.df.callActivity(DurableNames.loadForward, input.name)) as ForwardSnapshot;
  if (!snap.exists) return { result: 'absent' };

  if (snap.deleting) {
    const r = yield* teardown(ctx, input);
    if (r.outcome === 'ok') return { result: 'deleted' };
    yield* status(ctx, input.name, 'Failed', 'Ready', false, 'DeleteFailed', r.outcome === 'terminal' ? r.message : 'delete failed', r.outcome === 'terminal' ? { code: r.code, message: r.message } : undefined);
    yield ctx.df.waitForExternalEvent(SPEC_CHANGED_EVENT);
    ctx.df.continueAsNew(input);
    return undefined;
  }

  const phase: Phase = snap.observedGeneration === 0 ? 'Provisioning' : 'Updating';
  if (snap.observedGeneration !== snap.generation) yield* status(ctx, input.name, phase, 'Ready', false, 'Reconciling', `reconciling generation ${snap.generation}`);

  let failure: StepResult | undefined;
  for (const kind of ENSURE_ORDER) {
    const r = yield* run<{ id: string; changed: boolean; inProgress: boolean }>(ctx, input, DurableNames.ensureResource, { name: input.name, kind });
    if (r.outcome !== 'ok') {
      failure = r;
      break;
    }
    // `changed` too: results recorded before `inProgress` existed must replay the same way.
    if (r.changed || r.inProgress) {
      const settled = yield* until(ctx, input, kind, (s) => s === 'Succeeded');
      if (settled.outcome !== 'ok') {
        failure = settled;
        break;
      }
    }
  }

  let nodes: NodeStatus[] = [];
  if (!failure) {
    const rolled = yield* rollNodes(ctx, input);
    if (rolled.outcome === 'ok') nodes = rolled.nodes;
    else failure = rolled;
  }

  if (failure) {
    const f = failure.outcome === 'terminal' || failure.outcome === 'retry' ? { code: failure.code, message: failure.message } : { code: 'Unknown', message: 'reconcile did not finish' };
    yield* status(ctx, input.name, 'Failed', 'Ready', false, f.code, f.message, f);
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
