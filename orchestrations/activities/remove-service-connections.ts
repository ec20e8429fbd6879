import * as df from 'durable-functions';
import { hubPlacement } from '../../core/app-settings';
import { removeConnections } from '../../azure/private-link-service/service';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { clients, forwardRegistry, step, type StepResult } from './context';

/** Starts deleting the private endpoint connections of the forward's PLS; answers how many remain. */
export async function removeServiceConnections(input: { name: string }): Promise<StepResult<{ remaining: number }>> {
  return step<{ remaining: number }>(async () => {
    const record = await forwardRegistry().get(input.name);
    const p = hubPlacement(process.env, record?.spec.placement ?? {});
    if (!p.ok) return { outcome: 'terminal', code: 'MissingAppSettings', message: p.missing.join(', ') };
    return { outcome: 'ok', ...(await removeConnections(clients(), input.name, p.placement)) };
  }, { activity: DurableNames.removeServiceConnections, forward: input.name, orchestrationId: forwardNames(input.name).orchestrationId });
}

df.app.activity(DurableNames.removeServiceConnections, { handler: removeServiceConnections });
