import * as df from 'durable-functions';
import { SERVICES } from '../../azure/order';
import { subnetPrefix } from '../../azure/subnet/service';
import type { ResourceKind } from '../../azure/resource-service';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardContext, sshKey, step, type StepResult } from './context';

/**
 * Ensures one resource of a forward: observe, compare with the pure spec, write only when it
 * differs (or is Failed). Never waits for the write: `inProgress` tells the orchestration to poll
 * its state (a write was started, or one not ours is still running). `operation` is the started
 * write's status URL: the orchestration hands it back to resourceState (deterministic resume token).
 */
export interface EnsureOutcome {
  id: string;
  changed: boolean;
  inProgress: boolean;
  operation?: string;
}

export async function ensureResource(input: { name: string; kind: ResourceKind }): Promise<StepResult<EnsureOutcome>> {
  return step<EnsureOutcome>(async () => {
    const ctx = await forwardContext(input.name);
    if (!ctx) return { outcome: 'terminal', code: 'ForwardNotFound', message: `forward ${input.name} no longer exists` };
    const c = clients();
    const natSubnetPrefix = await subnetPrefix(c, ctx.placement.subnetId);
    if (!natSubnetPrefix) return { outcome: 'terminal', code: 'SubnetHasNoPrefix', message: `subnet ${ctx.placement.subnetId} has no address prefix` };
    const key = sshKey();
    const r = await SERVICES[input.kind].ensure({ clients: c, forward: input.name, spec: ctx.record.spec, placement: ctx.placement, natSubnetPrefix, ...(ctx.record.natIps ? { natIpCount: ctx.record.natIps.count } : {}), ...(key ? { sshPublicKey: key } : {}) });
    return { outcome: 'ok', id: r.id, changed: r.changed, inProgress: r.inProgress, ...(r.operation ? { operation: r.operation } : {}) };
  }, { activity: DurableNames.ensureResource, forward: input.name, orchestrationId: forwardNames(input.name).orchestrationId });
}

df.app.activity(DurableNames.ensureResource, { handler: ensureResource });
