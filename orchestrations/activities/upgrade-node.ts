import * as df from 'durable-functions';
import { reimageNodeForRoll, upgradeNode } from '../../azure/scale-set/instances';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardContext, forwardRegistry, step, type StepResult } from './context';

/**
 * One step of rolling a node to a new config (catalog VMSS-2: customData applies at boot only):
 * `upgrade` (the default) records the node as pending a reimage, then starts manualUpgrade;
 * `reimage` starts the reimage that boots the new model; `done` clears the pending mark once the
 * node is back. The orchestration polls between the steps.
 */
export async function upgradeForwardNode(input: { name: string; instanceId: string; action?: 'upgrade' | 'reimage' | 'done' }): Promise<StepResult> {
  return step<object>(async () => {
    const ctx = await forwardContext(input.name);
    if (!ctx) return { outcome: 'terminal', code: 'ForwardNotFound', message: input.name };
    const action = input.action ?? 'upgrade';
    if (action === 'done') {
      await forwardRegistry().markReimagePending(input.name, input.instanceId, false);
      return { outcome: 'ok' };
    }
    if (action === 'reimage') {
      await reimageNodeForRoll(clients(), input.name, ctx.placement, input.instanceId);
      return { outcome: 'ok' };
    }
    // Intent first: a pass that ends between the upgrade and the reimage leaves the mark, and the
    // next pass reimages the node although it reports the latest model.
    await forwardRegistry().markReimagePending(input.name, input.instanceId, true);
    await upgradeNode(clients(), input.name, ctx.placement, input.instanceId);
    return { outcome: 'ok' };
  }, { activity: DurableNames.upgradeForwardNode, forward: input.name, orchestrationId: forwardNames(input.name).orchestrationId });
}

df.app.activity(DurableNames.upgradeForwardNode, { handler: upgradeForwardNode });
