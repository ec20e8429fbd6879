import type { ConnectionState } from '../../core/connection-policy';
import type { AzureClients } from '../client-factory';
import type { ResourceRef } from '../resource-id';

/**
 * The private endpoint connections of a private link service (provider side): one list call
 * gives every connection's state and endpoint id; approving or rejecting is a PUT of the
 * connection's `privateLinkServiceConnectionState` (SDK `updatePrivateEndpointConnection`,
 * azure-facts.md "Private Link Service"). A missing service lists nothing.
 */
export interface PlsConnection {
  name: string;
  id: string;
  privateEndpointId: string;
  state: ConnectionState;
  description: string;
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
      });
    }
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return [];
    throw err;
  }
  return out;
}

/** Approves or rejects one connection, with the reason as its description (at most 140 characters). One PUT. */
export async function setConnectionState(clients: AzureClients, pls: ResourceRef, connectionName: string, status: 'Approved' | 'Rejected', description: string): Promise<void> {
  await clients.network(pls.subscriptionId).privateLinkServices.updatePrivateEndpointConnection(pls.resourceGroup, pls.name, connectionName, {
    privateLinkServiceConnectionState: { status, description, actionsRequired: 'None' },
  });
}
