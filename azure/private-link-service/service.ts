import type { HubPlacement } from '../../core/app-settings';
import type { AzureClients } from '../client-factory';
import { forwardNames, isOwnedBy } from '../../core/names';
import { listConnections, startDeletingConnection } from '../private-endpoint/connections';
import { parseResourceId } from '../resource-id';
import { operationUrlOf } from '../operation-status';
import { keptResource, provisioningStateOf, readOrUndefined, wroteResource, type ResourceService } from '../resource-service';
import { desiredPrivateLinkService, privateLinkServiceId } from './spec';

export const privateLinkServiceService: ResourceService = {
  kind: 'privateLinkService',
  id: privateLinkServiceId,
  async ensure({ clients, forward, spec, placement, natIpCount }) {
    const net = clients.network(placement.subscriptionId);
    const name = forwardNames(forward).privateLinkService;
    const existing = await readOrUndefined(() => net.privateLinkServices.get(placement.resourceGroup, name));
    const body = desiredPrivateLinkService(forward, spec, placement, existing, natIpCount ?? 1);
    if (body === 'no-change') return keptResource(privateLinkServiceId(forward, placement), existing);
    const poller = await net.privateLinkServices.beginCreateOrUpdate(placement.resourceGroup, name, body);
    return wroteResource(privateLinkServiceId(forward, placement), await operationUrlOf(poller));
  },
  async state(clients, forward, p) {
    const pls = await readOrUndefined(() => clients.network(p.subscriptionId).privateLinkServices.get(p.resourceGroup, forwardNames(forward).privateLinkService));
    return pls ? provisioningStateOf(pls.provisioningState) : 'Absent';
  },
  async remove(clients, forward, p) {
    const net = clients.network(p.subscriptionId);
    const name = forwardNames(forward).privateLinkService;
    const pls = await readOrUndefined(() => net.privateLinkServices.get(p.resourceGroup, name));
    if (!pls) return 'gone';
    if (!isOwnedBy(pls.tags, forward)) return 'not-ours';
    if (pls.provisioningState !== 'Deleting') await net.privateLinkServices.beginDelete(p.resourceGroup, name);
    return 'deleting';
  },
};

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
