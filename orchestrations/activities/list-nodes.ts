import * as df from 'durable-functions';
import { listNodes } from '../../azure/scale-set/service';
import type { NodeStatus } from '../../core/status';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardContext, step, type StepResult } from './context';

/** The forward's nodes: instance id, IP, health, latest model or not. */
export async function listForwardNodes(name: string): Promise<StepResult<{ nodes: NodeStatus[] }>> {
  return step<{ nodes: NodeStatus[] }>(async () => {
    const ctx = await forwardContext(name);
    if (!ctx) return { outcome: 'ok', nodes: [] };
    return { outcome: 'ok', nodes: await listNodes(clients(), name, ctx.placement) };
  }, { activity: DurableNames.listForwardNodes, forward: name, orchestrationId: forwardNames(name).orchestrationId });
}

df.app.activity(DurableNames.listForwardNodes, { handler: listForwardNodes });
