import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { Actor } from '../store/action-log';
import { DurableNames } from './names';
import { runStep } from './kit/steps';

/**
 * Maps an endpoint or NIC event that the trigger could not map from stored rows to its forward
 * (one activity that reads ARM and wakes the forward's connections flow). Kept out of the trigger
 * so the trigger answers Event Grid fast and makes no ARM call.
 */
export interface RouteResourceInput {
  /** The private endpoint or NIC the event named. */
  resourceId: string;
  actor: Actor;
  /** Base delay of the step runner's backoff, ms. */
  pollMs: number;
}

export const routeResourceEvent: OrchestrationHandler = function* (ctx: OrchestrationContext) {
  const input = ctx.df.getInput() as RouteResourceInput;
  return yield* runStep<{ forward?: string }>(ctx, { pollMs: input.pollMs, maxRetries: 3 }, DurableNames.findForwardOfResource, { resourceId: input.resourceId, actor: input.actor });
};

df.app.orchestration(DurableNames.routeResourceEvent, routeResourceEvent);
