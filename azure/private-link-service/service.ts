import type { HubPlacement } from '../../core/app-settings';
import type { AzureClients } from '../client-factory';
import { forwardNames, isOwnedBy } from '../../core/names';
import { listConnections, startDeletingConnection } from '../private-endpoint/connections';
import { parseResourceId } from '../resource-id';
import type { PrivateLinkService } from '@azure/arm-network';
import { ifMatchHeader, resourceService } from '../engine';
import { readOrUndefined } from '../resource-service';
import { desiredPrivateLinkService, privateLinkServiceId } from './spec';

/** The forward's private link service through the engine (azure/engine.ts): Network SDK calls, its spec (NAT IP count from the health watch), an etag (W/"..."). */
export const privateLinkServiceService = resourceService<PrivateLinkService>({
  kind: 'privateLinkService',
  id: privateLinkServiceId,
  name: (forward) => forwardNames(forward).privateLinkService,
  get: (clients, p, name) => clients.network(p.subscriptionId).privateLinkServices.get(p.resourceGroup, name),
  desired: ({ forward, spec, placement, natIpCount }, existing) => desiredPrivateLinkService(forward, spec, placement, existing, natIpCount ?? 1),
  put: (clients, p, name, body, ifMatch) => clients.network(p.subscriptionId).privateLinkServices.beginCreateOrUpdate(p.resourceGroup, name, body, ifMatchHeader(ifMatch)),
  delete: (clients, p, name) => clients.network(p.subscriptionId).privateLinkServices.beginDelete(p.resourceGroup, name),
});

/**
 * Teardown's step before the PLS delete: starts deleting every private endpoint connection of the
 * forward's PLS (they block its delete: azure/order.ts CONNECTIONS_BLOCK_DELETE) and answers how
 * many still exist; the orchestration calls it again until none is left. Level-triggered: a connection that arrived
 * since the last call is deleted too; one already Deleting is not deleted twice (ARM would answer
 * 409 AnotherOperationInProgress); one that vanished meanwhile (404) is gone. A PLS that is absent
 * or not ours has nothing of ours to delete: 0. One list call plus one DELETE per connection.
 */
export async function removeConnections(clients: AzureClients, forward: string, p: HubPlacement): Promise<{ remaining: number }> {
  const name = forwardNames(forward).privateLinkService;
  const pls = await readOrUndefined(() => clients.network(p.subscriptionId).privateLinkServices.get(p.resourceGroup, name));
  if (!pls || !isOwnedBy(pls.tags, forward)) return { remaining: 0 };
  const ref = parseResourceId(privateLinkServiceId(forward, p))!;
  let remaining = 0;
  for (const c of await listConnections(clients, ref)) {
    if (!c.name) continue;
    if (c.deleting || (await startDeletingConnection(clients, ref, c.name)) === 'deleting') remaining++;
  }
  return { remaining };
}

/**
 * What consumers need of a forward, read from ARM: the PLS alias they connect to and the LB
 * frontend IP behind it (two GETs; either may be absent while provisioning).
 */
export async function consumerFacing(clients: AzureClients, forward: string, p: HubPlacement): Promise<{ alias?: string; frontendIp?: string }> {
  const net = clients.network(p.subscriptionId);
  const n = forwardNames(forward);
  const pls = await readOrUndefined(() => net.privateLinkServices.get(p.resourceGroup, n.privateLinkService));
  const lb = await readOrUndefined(() => net.loadBalancers.get(p.resourceGroup, n.loadBalancer));
  const frontendIp = lb?.frontendIPConfigurations?.[0]?.privateIPAddress;
  return { ...(pls?.alias ? { alias: pls.alias } : {}), ...(frontendIp ? { frontendIp } : {}) };
}
