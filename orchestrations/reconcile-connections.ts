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
const MAX_MERGED_WAKES = 100;

/** One wake-up from many: the first actor that is not the sweep's, and every resource id named. */
function mergeWakes(data: unknown[]): ConnectionsWake {
  const wakes = data.map((d) => (d ?? {}) as Partial<ConnectionsWake>);
  const actor = wakes.find((w) => w.actor && w.actor !== 'sweep')?.actor ?? wakes[0]?.actor ?? 'event';
  const ids = new Set<string>();
  for (const w of wakes) if (Array.isArray(w.resourceIds)) for (const id of w.resourceIds) ids.add(String(id));
  return { actor, resourceIds: [...ids].slice(0, MAX_HINTS) };
}

export const reconcileConnections: OrchestrationHandler = function* (ctx: OrchestrationContext) {
  const input = ctx.df.getInput() as ConnectionsInput;
  const pass: PassInput = { name: input.name, actor: input.wake.actor, hints: (input.wake.resourceIds ?? []).slice(0, MAX_HINTS), now: ctx.df.currentUtcDateTime.toISOString() };
  const r = yield* runStep<{ summary: PassSummary }>(ctx, { pollMs: input.pollMs, maxRetries: 5 }, DurableNames.connectionsPass, pass);
  if (r.outcome !== 'ok') yield ctx.df.callActivity(DurableNames.connectionsFailed, { name: input.name, failure: failureOf(r), now: pass.now });

  const next = yield* eventOrTimeout(ctx, CONNECTIONS_CHANGED_EVENT, input.lingerSeconds * 1000);
  if (next.kind === 'event') {
    // Wake-ups that queued up during the pass (bursts, duplicates, our own approvals' echoes)
    // are merged into one next pass: take every one already delivered, then continue.
    const wakes = [next.data];
    for (let i = 0; i < MAX_MERGED_WAKES; i++) {
      const more = yield* eventOrTimeout(ctx, CONNECTIONS_CHANGED_EVENT, 0);
      if (more.kind !== 'event') break;
      wakes.push(more.data);
    }
    ctx.df.continueAsNew({ ...input, wake: mergeWakes(wakes) });
    return undefined;
  }
  return r.outcome === 'ok' ? r.summary : failureOf(r);
};

df.app.orchestration(DurableNames.reconcileConnections, reconcileConnections);
