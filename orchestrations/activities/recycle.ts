import * as df from 'durable-functions';
import type { RecycleRecord, RecycleSection } from '../../core/status';
import { capacityOf, deleteInstance, instanceState, readInstances, reimageInstance, restoreCapacity, type InstanceView } from '../../azure/scale-set/instances';
import { DurableNames } from '../names';
import { actionLog, clients, forwardContext, forwardRegistry, step, type StepResult } from './context';

/**
 * The recycle orchestration's steps, each one idempotent call, and the scale set lease that the
 * reconcile loop and the recycle take before acting on instances (one owner at a time).
 */
const HISTORY_MAX = 50;

export interface LeaseInput {
  name: string;
  holder: 'reconcile' | 'recycle';
  op: 'acquire' | 'release';
  now: string;
  ttlSeconds?: number;
  /** release: the holder acted on instances (the health watch's grace period starts now). */
  touched?: boolean;
}

export async function scaleSetLease(input: LeaseInput): Promise<{ acquired: boolean; holder?: string }> {
  if (input.op === 'release') {
    await forwardRegistry().releaseScaleSet(input.name, input.holder, input.now, input.touched === true);
    return { acquired: false };
  }
  return forwardRegistry().acquireScaleSet(input.name, input.holder, input.now, input.ttlSeconds ?? 1800);
}

async function record(name: string, change: (s: RecycleSection) => RecycleSection): Promise<void> {
  const r = await forwardRegistry().get(name);
  if (!r) return;
  await forwardRegistry().setRecycleStatus(name, change(r.recycle ?? { history: [] }));
}

export interface RecycleActionInput {
  name: string;
  instanceId: string;
  action: 'reimage' | 'replace' | 'restore' | 'verified' | 'still-broken' | 'done' | 'refused';
  reason: string;
  now: string;
}

/** Starts an action (reimage, delete for replace, capacity restore) or records a result; each logged with its reason. */
export async function recycleAction(input: RecycleActionInput): Promise<StepResult<{ count?: number }>> {
  return step<{ count?: number }>(async () => {
    const ctx = await forwardContext(input.name);
    if (!ctx) return { outcome: 'terminal', code: 'ForwardNotFound', message: input.name };
    const c = clients();
    let count: number | undefined;
    if (input.action === 'reimage') await reimageInstance(c, input.name, ctx.placement, input.instanceId);
    if (input.action === 'replace') {
      if (await instanceState(c, input.name, ctx.placement, input.instanceId)) await deleteInstance(c, input.name, ctx.placement, input.instanceId);
    }
    if (input.action === 'restore') {
      count = ctx.record.spec.nodes.count;
      if ((await capacityOf(c, input.name, ctx.placement)) !== count) await restoreCapacity(c, input.name, ctx.placement, count);
    }
    const entry: RecycleRecord | undefined =
      input.action === 'reimage' || input.action === 'replace'
        ? { instanceId: input.instanceId, action: input.action, time: input.now, result: 'started' }
        : input.action === 'verified' || input.action === 'still-broken'
          ? { instanceId: input.instanceId, action: 'verify', time: input.now, result: input.action === 'verified' ? 'healthy' : 'still broken' }
          : undefined;
    await record(input.name, (s) => ({
      history: [...s.history, ...(entry ? [entry] : [])].slice(-HISTORY_MAX),
      ...(input.action === 'done' || input.action === 'refused' ? {} : { running: { instanceId: input.instanceId, action: input.action, since: input.now } }),
    }));
    if (input.action !== 'done') await actionLog().append(input.name, [{ time: input.now, actor: 'sweep', action: input.action === 'restore' ? 'restore-capacity' : input.action === 'refused' ? 'recycle-refused' : input.action === 'verified' || input.action === 'still-broken' ? `verify-${input.action}` : input.action, target: input.instanceId, reason: input.reason }]);
    return { outcome: 'ok', ...(count !== undefined ? { count } : {}) };
  });
}

/** One instance as it is now (`gone` when deleted), and the whole scale set's instances. */
export async function recycleObserve(input: { name: string; instanceId: string }): Promise<StepResult<{ node?: InstanceView; nodes: InstanceView[]; gone: boolean }>> {
  return step(async () => {
    const ctx = await forwardContext(input.name);
    if (!ctx) return { outcome: 'ok', gone: true, nodes: [] };
    const nodes = await readInstances(clients(), input.name, ctx.placement);
    const node = nodes.find((n) => n.instanceId === input.instanceId);
    return { outcome: 'ok', gone: !node, nodes, ...(node ? { node } : {}) };
  });
}

df.app.activity(DurableNames.scaleSetLease, { handler: scaleSetLease });
df.app.activity(DurableNames.recycleAction, { handler: recycleAction });
df.app.activity(DurableNames.recycleObserve, { handler: recycleObserve });
