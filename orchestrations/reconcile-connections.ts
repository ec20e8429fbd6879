import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { Actor } from '../store/action-log';
import { CONNECTIONS_CHANGED_EVENT, DurableNames } from './names';
import { eventOrTimeout, runStep } from './kit/steps';
import { failureOf } from './kit/step-result';
import type { PassInput, PassSummary } from './activities/connections-pass';

/**
 * The singleton connections flow of one forward (instance id `connections:{name}`), separate from
 * the forward's reconcile loop so an approval never waits behind provisioning or a rolling upgrade:
 *
 *   pass (list connections, decide by policy, approve/reject, make DNS records match)
 *   -> keep listening for `connectionsChanged` for `lingerSeconds`: an event starts the next pass
 *      (continue-as-new, carrying who woke it and which resources changed); silence ends the
 *      instance (the next event or the sweep timer starts it again).
 * A failed pass (after the step runner's retries) shows ConnectionsReconciled False with the ARM
 * code; the sweep tries again.
 */
export interface ConnectionsWake {
  actor: Actor;
  /** Resource ids named by the wake-up (they are re-read; never trusted). */
  resourceIds?: string[];
}

export interface ConnectionsInput {
  name: string;
  pollMs: number;
  lingerSeconds: number;
  wake: ConnectionsWake;
}

const MAX_HINTS = 200;

export const reconcileConnections: OrchestrationHandler = function* (ctx: OrchestrationContext) {
  const input = ctx.df.getInput() as ConnectionsInput;
  const pass: PassInput = { name: input.name, actor: input.wake.actor, hints: (input.wake.resourceIds ?? []).slice(0, MAX_HINTS), now: ctx.df.currentUtcDateTime.toISOString() };
  const r = yield* runStep<{ summary: PassSummary }>(ctx, { pollMs: input.pollMs, maxRetries: 5 }, DurableNames.connectionsPass, pass);
  if (r.outcome !== 'ok') yield ctx.df.callActivity(DurableNames.connectionsFailed, { name: input.name, failure: failureOf(r), now: pass.now });

  const next = yield* eventOrTimeout(ctx, CONNECTIONS_CHANGED_EVENT, input.lingerSeconds * 1000);
  if (next.kind === 'event') {
    const wake = (next.data ?? {}) as Partial<ConnectionsWake>;
    ctx.df.continueAsNew({ ...input, wake: { actor: wake.actor ?? 'event', resourceIds: Array.isArray(wake.resourceIds) ? wake.resourceIds.map(String) : [] } });
    return undefined;
  }
  return r.outcome === 'ok' ? r.summary : failureOf(r);
};

df.app.orchestration(DurableNames.reconcileConnections, reconcileConnections);
