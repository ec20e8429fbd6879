import * as df from 'durable-functions';
import { hubPlacement } from '../../core/app-settings';
import { SERVICES } from '../../azure/order';
import type { RemoveResult, ResourceKind } from '../../azure/resource-service';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardRegistry, step, type StepResult } from './context';

/** Starts deleting one resource if it exists and carries our tags. */
export async function removeResource(input: { name: string; kind: ResourceKind }): Promise<StepResult<{ result: RemoveResult }>> {
  return step<{ result: RemoveResult }>(async () => {
    const record = await forwardRegistry().get(input.name);
    const p = hubPlacement(process.env, record?.spec.placement ?? {});
    if (!p.ok) return { outcome: 'terminal', code: 'MissingAppSettings', message: p.missing.join(', ') };
    return { outcome: 'ok', result: await SERVICES[input.kind].remove(clients(), input.name, p.placement) };
  }, { activity: DurableNames.removeResource, forward: input.name, orchestrationId: forwardNames(input.name).orchestrationId });
}

df.app.activity(DurableNames.removeResource, { handler: removeResource });
