import * as df from 'durable-functions';
import { listNodes } from '../../azure/scale-set/instances';
import type { NodeStatus } from '../../core/status';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardContext, step, type StepResult } from './context';

/**
 * The forward's nodes (instance id, IP, health, latest model or not) and the instances upgraded
 * but not reimaged since (`reimagePending`: they still run their old config).
 */
export async function listForwardNodes(name: string): Promise<StepResult<{ nodes: NodeStatus[]; reimagePending?: string[] }>> {
  return step<{ nodes: NodeStatus[]; reimagePending?: string[] }>(async () => {
    const ctx = await forwardContext(name);
    if (!ctx) return { outcome: 'ok', nodes: [] };
    return { outcome: 'ok', nodes: await listNodes(clients(), name, ctx.placement), reimagePending: ctx.record.reimagePending ?? [] };
  }, { activity: DurableNames.listForwardNodes, forward: name, orchestrationId: forwardNames(name).orchestrationId });
}

df.app.activity(DurableNames.listForwardNodes, { handler: listForwardNodes });
