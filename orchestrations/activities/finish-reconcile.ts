import * as df from 'durable-functions';
import { reconciledCondition, reconciledPhase, setCondition, type ForwardStatus, type NodeStatus } from '../../core/status';
import { ConditionTypes } from '../../core/conditions';
import { syncedCondition } from '../../core/reconcile-status';
import { consumerFacing } from '../../azure/private-link-service/service';
import { loadBalancerId } from '../../azure/load-balancer/spec';
import { scaleSetId } from '../../azure/scale-set/spec';
import { privateLinkServiceId } from '../../azure/private-link-service/spec';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardContext, forwardRegistry as ctxRegistry, step, type StepResult } from './context';
import type { ForwardSnapshot } from './load-forward';

/**
 * Records a converged pass: observed generation, phase Ready (Degraded when a node is not
 * healthy), Ready True and Synced True (a drift repair that failed before is repaired now), the resource ids, the PLS alias consumers connect to, the LB frontend IP and the
 * nodes. Returns the forward's current generation, so the orchestration loops when the spec
 * changed meanwhile.
 */
export async function finishReconcile(input: { name: string; generation: number; nodes: NodeStatus[]; now: string }): Promise<StepResult<{ snapshot: ForwardSnapshot }>> {
  return step<{ snapshot: ForwardSnapshot }>(async () => {
    const ctx = await forwardContext(input.name);
    if (!ctx) return { outcome: 'ok', snapshot: { exists: false, generation: 0, observedGeneration: 0, deleting: false } };
    const { record, placement: p } = ctx;
    const facing = await consumerFacing(clients(), input.name, p);
    // NodesHealthy belongs to the health watch's section (core/status.ts assembleStatus); the phase
    // (Ready / Degraded) stays this loop's, from the instance views it just read.
    const ready = setCondition(record.status.conditions.filter((c) => c.type !== ConditionTypes.NodesHealthy), reconciledCondition(input.generation, input.nodes), input.now);
    const conditions = setCondition(ready, syncedCondition(input.generation), input.now);
    const status: ForwardStatus = {
      phase: reconciledPhase(input.nodes),
      observedGeneration: input.generation,
      conditions,
      resources: { loadBalancerId: loadBalancerId(input.name, p), scaleSetId: scaleSetId(input.name, p), privateLinkServiceId: privateLinkServiceId(input.name, p) },
      ...(facing.alias ? { privateLinkServiceAlias: facing.alias } : {}),
      ...(facing.frontendIp ? { frontendIp: facing.frontendIp } : {}),
      nodes: input.nodes,
    };
    await ctxRegistry().setStatus(input.name, status);
    const now = await ctxRegistry().get(input.name);
    return {
      outcome: 'ok',
      snapshot: { exists: !!now, generation: now?.generation ?? 0, observedGeneration: input.generation, deleting: now?.deleting ?? false },
    };
  }, { activity: DurableNames.finishReconcile, forward: input.name, orchestrationId: forwardNames(input.name).orchestrationId });
}

df.app.activity(DurableNames.finishReconcile, { handler: finishReconcile });
