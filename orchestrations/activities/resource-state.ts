import * as df from 'durable-functions';
import { hubPlacement } from '../../core/app-settings';
import { SERVICES } from '../../azure/order';
import type { ProvisioningState, ResourceKind } from '../../azure/resource-service';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardRegistry, step, type StepResult } from './context';

/** Polls a resource's provisioning state (one GET). */
export async function resourceState(input: { name: string; kind: ResourceKind }): Promise<StepResult<{ state: ProvisioningState }>> {
  return step<{ state: ProvisioningState }>(async () => {
    const record = await forwardRegistry().get(input.name);
    const p = hubPlacement(process.env, record?.spec.placement ?? {});
    if (!p.ok) return { outcome: 'terminal', code: 'MissingAppSettings', message: p.missing.join(', ') };
    const state = await SERVICES[input.kind].state(clients(), input.name, p.placement);
    return { outcome: 'ok', state };
  }, { activity: DurableNames.resourceState, forward: input.name, orchestrationId: forwardNames(input.name).orchestrationId });
}

df.app.activity(DurableNames.resourceState, { handler: resourceState });
