import { readOrUndefined } from '../resource-service';
import type { AzureClients } from '../client-factory';
import { refOfType, subscriptionOf, vnetOfSubnet } from '../resource-id';

/**
 * Consumer-side facts of a private endpoint, read by id (it lives in the consumer's subscription):
 * its subnet and VNet, its NIC and that NIC's private IP (PE -> networkInterfaces[0].id -> NIC
 * ipConfigurations[0].properties.privateIPAddress, azure-facts.md "Private endpoints and DNS"),
 * and the private link services it asks for. Reads only.
 */
export interface EndpointFacts {
  id: string;
  subscriptionId: string;
  subnetId?: string;
  virtualNetworkId?: string;
  nicId?: string;
  privateLinkServiceIds: string[];
}

/** The endpoint, or undefined when it does not exist (404). One GET. */
export async function readEndpoint(clients: AzureClients, endpointId: string): Promise<EndpointFacts | undefined> {
  const ref = refOfType(endpointId, 'Microsoft.Network/privateEndpoints');
  if (!ref) return undefined;
  const pe = await readOrUndefined(() => clients.network(ref.subscriptionId).privateEndpoints.get(ref.resourceGroup, ref.name));
  if (!pe) return undefined;
  const subnetId = pe.subnet?.id;
  const vnet = subnetId ? vnetOfSubnet(subnetId) : undefined;
  const links = [...(pe.privateLinkServiceConnections ?? []), ...(pe.manualPrivateLinkServiceConnections ?? [])];
  return {
    id: pe.id ?? endpointId,
    subscriptionId: subscriptionOf(endpointId) ?? ref.subscriptionId,
    ...(subnetId ? { subnetId } : {}),
    ...(vnet ? { virtualNetworkId: vnet } : {}),
    ...(pe.networkInterfaces?.[0]?.id ? { nicId: pe.networkInterfaces[0].id } : {}),
    privateLinkServiceIds: links.map((l) => l.privateLinkServiceId).filter((x): x is string => !!x),
  };
}

/** A NIC's primary private IP and the endpoint it belongs to, or undefined (404). One GET. */
export async function readNic(clients: AzureClients, nicId: string): Promise<{ ip?: string; privateEndpointId?: string } | undefined> {
  const ref = refOfType(nicId, 'Microsoft.Network/networkInterfaces');
  if (!ref) return undefined;
  const nic = await readOrUndefined(() => clients.network(ref.subscriptionId).networkInterfaces.get(ref.resourceGroup, ref.name));
  if (!nic) return undefined;
  const ipc = nic.ipConfigurations?.find((c) => c.primary) ?? nic.ipConfigurations?.[0];
  return { ...(ipc?.privateIPAddress ? { ip: ipc.privateIPAddress } : {}), ...(nic.privateEndpoint?.id ? { privateEndpointId: nic.privateEndpoint.id } : {}) };
}
