import type { ConnectionState } from '../../core/connection-policy';
import type { AzureClients } from '../client-factory';
import { classify } from '../errors';
import type { ResourceRef } from '../resource-id';

/**
 * The private endpoint connections of a private link service (provider side): one list call
 * gives every connection's state and endpoint id; approving or rejecting is a PUT of the
 * connection's `privateLinkServiceConnectionState` (SDK `updatePrivateEndpointConnection`,
 * azure-facts.md "Private Link Service"); deleting one is a long-running DELETE. A missing service
 * lists nothing.
 */
export interface PlsConnection {
  name: string;
  id: string;
  privateEndpointId: string;
  state: ConnectionState;
  description: string;
  /** A delete of the connection is running (provisioningState Deleting). */
  deleting: boolean;
}

function stateOf(status: string | undefined): ConnectionState {
  const s = (status ?? '').toLowerCase();
  if (s === 'approved') return 'Approved';
  if (s === 'rejected') return 'Rejected';
  if (s === 'disconnected' || s === 'removed') return 'Disconnected';
  return 'Pending';
}

/** Every connection of the service (one list call, paged by the SDK). */
export async function listConnections(clients: AzureClients, pls: ResourceRef): Promise<PlsConnection[]> {
  const out: PlsConnection[] = [];
  try {
    for await (const c of clients.network(pls.subscriptionId).privateLinkServices.listPrivateEndpointConnections(pls.resourceGroup, pls.name)) {
      out.push({
        name: c.name ?? '',
        id: c.id ?? '',
        privateEndpointId: c.privateEndpoint?.id ?? '',
        state: stateOf(c.privateLinkServiceConnectionState?.status),
        description: c.privateLinkServiceConnectionState?.description ?? '',
        deleting: (c.provisioningState ?? '').toLowerCase() === 'deleting',
      });
    }
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return [];
    throw err;
  }
  return out;
}

/**
 * Approves or rejects one connection, with the reason as its description (at most 140 characters).
 * One PUT, with the connection's name in the body as in the published example (the endpoint id
 * there is read-only: the SDK does not send it). 'gone' when the connection vanished since it was
 * listed (its endpoint was deleted): ARM answers 400 PrivateEndpointConnectionCannotBeCreatedByServiceProvider
 * for that, classified notFound in azure/errors.ts. Other failures are thrown.
 */
export async function setConnectionState(clients: AzureClients, pls: ResourceRef, connectionName: string, status: 'Approved' | 'Rejected', description: string): Promise<'done' | 'gone'> {
  try {
    await clients.network(pls.subscriptionId).privateLinkServices.updatePrivateEndpointConnection(pls.resourceGroup, pls.name, connectionName, {
      name: connectionName,
      privateLinkServiceConnectionState: { status, description, actionsRequired: 'None' },
    });
    return 'done';
  } catch (err) {
    if (classify(err).kind === 'notFound') return 'gone';
    throw err;
  }
}

/**
 * Starts deleting one connection (long-running in NRP: 202 + Location, spec
 * `PrivateLinkServices_DeletePrivateEndpointConnection`); the caller polls the list, nothing waits
 * here. 'gone' when it no longer exists (404). The consumer's endpoint stays and shows Disconnected.
 */
export async function startDeletingConnection(clients: AzureClients, pls: ResourceRef, connectionName: string): Promise<'deleting' | 'gone'> {
  try {
    await clients.network(pls.subscriptionId).privateLinkServices.beginDeletePrivateEndpointConnection(pls.resourceGroup, pls.name, connectionName);
    return 'deleting';
  } catch (err) {
    if (classify(err).kind === 'notFound') return 'gone';
    throw err;
  }
}
