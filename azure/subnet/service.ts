import type { AzureClients } from '../client-factory';
import { refOfType } from '../resource-id';

/** The address prefix of a subnet (the PLS NAT range of the hub subnet). One GET; undefined when it has none. */
export async function subnetPrefix(clients: AzureClients, subnetId: string): Promise<string | undefined> {
  const r = refOfType(subnetId, 'Microsoft.Network/virtualNetworks/subnets');
  if (!r) return undefined;
  const subnet = await clients.network(r.subscriptionId).subnets.get(r.resourceGroup, r.names[0], r.names[1]);
  return subnet.addressPrefix ?? subnet.addressPrefixes?.[0];
}

export interface SubnetFacts {
  vnetId: string;
  /** The VNet's region (a container group injected in the subnet must be there). */
  location: string;
  /** `serviceName`s the subnet is delegated to. */
  delegations: string[];
  /** The VNet's custom DNS servers (`dhcpOptions.dnsServers`); empty = Azure-provided DNS. */
  dnsServers: string[];
}

/**
 * A subnet's VNet, region, delegations and the VNet's custom DNS servers in one GET of its VNet
 * (the VNet body carries its subnets and dhcpOptions). undefined when the VNet or the subnet does
 * not exist; other errors are thrown for azure/errors.ts to classify.
 */
export async function subnetFacts(clients: AzureClients, subnetId: string): Promise<SubnetFacts | undefined> {
  const r = refOfType(subnetId, 'Microsoft.Network/virtualNetworks/subnets');
  if (!r) return undefined;
  try {
    const vnet = await clients.network(r.subscriptionId).virtualNetworks.get(r.resourceGroup, r.names[0]);
    const subnet = vnet.subnets?.find((s) => s.name?.toLowerCase() === r.names[1].toLowerCase());
    if (!subnet) return undefined;
    return {
      vnetId: vnet.id ?? subnetId.split('/').slice(0, 9).join('/'),
      location: vnet.location ?? '',
      delegations: (subnet.delegations ?? []).map((d) => d.serviceName ?? '').filter(Boolean),
      dnsServers: (vnet.dhcpOptions?.dnsServers ?? []).filter((x) => typeof x === 'string' && x !== ''),
    };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
