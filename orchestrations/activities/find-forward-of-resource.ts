import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { readEndpoint, readNic } from '../../azure/private-endpoint/service';
import { refusalOf } from '../../azure/errors';
import { parseResourceId, refOfType } from '../../azure/resource-id';
import { forwardOfPrivateLinkService } from '../../core/names';
import type { Actor } from '../../store/action-log';
import { signalConnections } from '../connections-client';
import { DurableNames } from '../names';
import { clients, forwardRegistry, step, type StepResult } from './context';

/**
 * For an endpoint or NIC event the trigger could not map from its own rows (a new endpoint in a
 * consumer subscription): read which private link service the endpoint asks for (ARM), and when
 * that is one of our forwards' — the registry has the forward and its status names that very
 * service — wake the forward's connections flow. Anything else is ignored.
 */
export async function findForwardOfResource(input: { resourceId: string; actor: Actor }, context: InvocationContext): Promise<StepResult<{ forward?: string }>> {
  return step<{ forward?: string }>(async () => {
    const c = clients();
    let endpointId = refOfType(input.resourceId, 'Microsoft.Network/privateEndpoints') ? input.resourceId : undefined;
    // A consumer that granted the app nothing (403) or is in another tenant (401): its own event
    // says nothing we may read; the private link service's connection event wakes the flow anyway.
    const orRefused = <T>(read: Promise<T>) => read.catch((err: unknown) => (refusalOf(err) ? undefined : Promise.reject(err)));
    if (!endpointId && refOfType(input.resourceId, 'Microsoft.Network/networkInterfaces')) endpointId = (await orRefused(readNic(c, input.resourceId)))?.privateEndpointId;
    if (!endpointId) return { outcome: 'ok' };
    const ep = await orRefused(readEndpoint(c, endpointId));
    for (const plsId of ep?.privateLinkServiceIds ?? []) {
      const pls = refOfType(plsId, 'Microsoft.Network/privateLinkServices');
      const forward = pls ? forwardOfPrivateLinkService(pls.name) : undefined;
      if (!forward) continue;
      const record = await forwardRegistry().get(forward);
      if (!record || record.status.resources.privateLinkServiceId?.toLowerCase() !== parseResourceId(plsId)?.id.toLowerCase()) continue;
      const wake = { actor: input.actor, resourceIds: [endpointId.toLowerCase(), input.resourceId.toLowerCase()] };
      await signalConnections(df.getClient(context), forward, wake);
      return { outcome: 'ok', forward };
    }
    return { outcome: 'ok' };
  });
}

df.app.activity(DurableNames.findForwardOfResource, { handler: findForwardOfResource, extraInputs: [df.input.durableClient()] });
