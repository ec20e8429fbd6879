import * as df from 'durable-functions';
import { hubPlacement } from '../../core/app-settings';
import { SERVICES } from '../../azure/order';
import { observeWrite, type ObservedState, type ResourceKind } from '../../azure/resource-service';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardRegistry, step, type StepResult } from './context';

/**
 * Polls a resource's provisioning state (one GET). With `operation` (the status URL of the write
 * ensure started), a Failed resource also reports the operation's ARM code and message (one more
 * GET; see azure/resource-service.ts observeWrite).
 */
export async function resourceState(input: { name: string; kind: ResourceKind; operation?: string }): Promise<StepResult<ObservedState>> {
  return step<ObservedState>(async () => {
    const record = await forwardRegistry().get(input.name);
    const p = hubPlacement(process.env, record?.spec.placement ?? {});
    if (!p.ok) return { outcome: 'terminal', code: 'MissingAppSettings', message: p.missing.join(', ') };
    const c = clients();
    const observed = await observeWrite(c, await SERVICES[input.kind].state(c, input.name, p.placement), input.operation);
    return { outcome: 'ok', ...observed };
  }, { activity: DurableNames.resourceState, forward: input.name, orchestrationId: forwardNames(input.name).orchestrationId });
}

df.app.activity(DurableNames.resourceState, { handler: resourceState });
