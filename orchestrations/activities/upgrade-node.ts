import * as df from 'durable-functions';
import { upgradeNode } from '../../azure/scale-set/service';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardContext, step, type StepResult } from './context';

/** Starts bringing one node to the latest model (the orchestration waits for it to be healthy). */
export async function upgradeForwardNode(input: { name: string; instanceId: string }): Promise<StepResult> {
  return step<object>(async () => {
    const ctx = await forwardContext(input.name);
    if (!ctx) return { outcome: 'terminal', code: 'ForwardNotFound', message: input.name };
    await upgradeNode(clients(), input.name, ctx.placement, input.instanceId);
    return { outcome: 'ok' };
  }, { activity: DurableNames.upgradeForwardNode, forward: input.name, orchestrationId: forwardNames(input.name).orchestrationId });
}

df.app.activity(DurableNames.upgradeForwardNode, { handler: upgradeForwardNode });
