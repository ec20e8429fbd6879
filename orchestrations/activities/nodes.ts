import * as df from 'durable-functions';
import { listNodes, upgradeNode } from '../../azure/scale-set/service';
import type { NodeStatus } from '../../core/status';
import { DurableNames } from '../names';
import { clients, forwardContext, step, type StepResult } from './context';

/** The forward's nodes: instance id, IP, health, latest model or not. */
export async function listForwardNodes(name: string): Promise<StepResult<{ nodes: NodeStatus[] }>> {
  return step<{ nodes: NodeStatus[] }>(async () => {
    const ctx = await forwardContext(name);
    if (!ctx) return { outcome: 'ok', nodes: [] };
    return { outcome: 'ok', nodes: await listNodes(clients(), name, ctx.placement) };
  });
}

/** Starts bringing one node to the latest model (the orchestration waits for it to be healthy). */
export async function upgradeForwardNode(input: { name: string; instanceId: string }): Promise<StepResult> {
  return step<object>(async () => {
    const ctx = await forwardContext(input.name);
    if (!ctx) return { outcome: 'terminal', code: 'ForwardNotFound', message: input.name };
    await upgradeNode(clients(), input.name, ctx.placement, input.instanceId);
    return { outcome: 'ok' };
  });
}

df.app.activity(DurableNames.listForwardNodes, { handler: listForwardNodes });
df.app.activity(DurableNames.upgradeForwardNode, { handler: upgradeForwardNode });
