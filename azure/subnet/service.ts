import type { AzureClients } from '../client-factory';
import { refOfType } from '../resource-id';

/** The address prefix of a subnet (the PLS NAT range of the hub subnet). One GET; undefined when it has none. */
export async function subnetPrefix(clients: AzureClients, subnetId: string): Promise<string | undefined> {
  const r = refOfType(subnetId, 'Microsoft.Network/virtualNetworks/subnets');
  if (!r) return undefined;
  const subnet = await clients.network(r.subscriptionId).subnets.get(r.resourceGroup, r.names[0], r.names[1]);
  return subnet.addressPrefix ?? subnet.addressPrefixes?.[0];
}
