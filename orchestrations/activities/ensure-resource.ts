import * as df from 'durable-functions';
import { SERVICES } from '../../azure/order';
import { subnetPrefix } from '../../azure/subnet/service';
import type { ResourceKind } from '../../azure/resource-service';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardContext, forwardRegistry, sshKey, step, type StepResult } from './context';
import { generateNodeSshPublicKey } from '../../azure/scale-set/ssh-key';

/** What the orchestration learns from one ensure (resource-service.ts EnsureResult). */
export interface EnsureOutcome {
  id: string;
  changed: boolean;
  inProgress: boolean;
  /** Being deleted: nothing written; wait until it is gone, then ensure again. */
  awaitingDeletion?: boolean;
  /** The started write's status URL (Azure-AsyncOperation); absent when nothing was written. */
  operation?: string;
}

/**
 * Ensures one resource of a forward: observe, compare with the pure spec, write only when it
 * differs (or is Failed). Never waits for the write: `inProgress` tells the orchestration to poll
 * its state (a write was started, or one not ours is still running). `operation` is the started
 * write's status URL: the orchestration hands it back to resourceState (deterministic resume token).
 */
export async function ensureResource(input: { name: string; kind: ResourceKind }): Promise<StepResult<EnsureOutcome>> {
  return step<EnsureOutcome>(async () => {
    const ctx = await forwardContext(input.name);
    if (!ctx) return { outcome: 'terminal', code: 'ForwardNotFound', message: `forward ${input.name} no longer exists` };
    const c = clients();
    const natSubnetPrefix = await subnetPrefix(c, ctx.placement.subnetId);
    if (!natSubnetPrefix) return { outcome: 'terminal', code: 'SubnetHasNoPrefix', message: `subnet ${ctx.placement.subnetId} has no address prefix` };
    // The scale set needs an SSH key (VMSS-1): the operator's, else the forward's own, kept before the PUT.
    // The record just read usually has it; the registry is asked (and a key made) only the first time.
    const key = input.kind === 'scaleSet' ? (sshKey() ?? ctx.record.nodeSshPublicKey ?? (await forwardRegistry().ensureNodeSshPublicKey(input.name, () => generateNodeSshPublicKey(`plf-${input.name}`)))) : undefined;
    const r = await SERVICES[input.kind].ensure({ clients: c, forward: input.name, spec: ctx.record.spec, placement: ctx.placement, natSubnetPrefix, ...(ctx.record.natIps ? { natIpCount: ctx.record.natIps.count } : {}), ...(key ? { sshPublicKey: key } : {}) });
    return { outcome: 'ok', id: r.id, changed: r.changed, inProgress: r.inProgress, ...(r.awaitingDeletion ? { awaitingDeletion: true } : {}), ...(r.operation ? { operation: r.operation } : {}) };
  }, { activity: DurableNames.ensureResource, forward: input.name, orchestrationId: forwardNames(input.name).orchestrationId });
}

df.app.activity(DurableNames.ensureResource, { handler: ensureResource });
