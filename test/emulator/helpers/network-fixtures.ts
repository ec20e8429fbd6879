import type { NetworkManagementClient, LoadBalancer, PrivateLinkService } from '@azure/arm-network';
import { POLL, IDS } from './emulator';

/** Bodies shaped like the product's forward: internal LB on hub/shared, PLS with NAT IP there. */
export function lbBody(name: string, extra: Partial<LoadBalancer> = {}): LoadBalancer {
  const lbId = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/${name}`;
  return {
    location: IDS.location,
    sku: { name: 'Standard' },
    tags: { 'managed-by': 'plf', 'plf-forward': name },
    frontendIPConfigurations: [{ name: 'fe', subnet: { id: IDS.hubShared }, privateIPAllocationMethod: 'Dynamic' }],
    backendAddressPools: [{ name: 'nodes' }],
    probes: [{ name: 'tcp8000', protocol: 'Tcp', port: 8000, intervalInSeconds: 5, numberOfProbes: 1 }],
    loadBalancingRules: [
      {
        name: 'tcp8000',
        protocol: 'Tcp',
        frontendPort: 8000,
        backendPort: 8000,
        idleTimeoutInMinutes: 4,
        enableFloatingIP: false,
        disableOutboundSnat: true,
        frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/fe` },
        backendAddressPool: { id: `${lbId}/backendAddressPools/nodes` },
        probe: { id: `${lbId}/probes/tcp8000` },
      },
    ],
    ...extra,
  };
}

export function plsBody(lbName: string, extra: Partial<PrivateLinkService> = {}): PrivateLinkService {
  const lbId = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/${lbName}`;
  return {
    location: IDS.location,
    loadBalancerFrontendIpConfigurations: [{ id: `${lbId}/frontendIPConfigurations/fe` }],
    ipConfigurations: [{ name: 'nat0', subnet: { id: IDS.hubShared }, privateIPAllocationMethod: 'Dynamic', primary: true }],
    visibility: { subscriptions: [IDS.consumerSub] },
    autoApproval: { subscriptions: [] },
    enableProxyProtocol: false,
    ...extra,
  };
}

/** Creates LB + PLS in the hub and returns the PLS as read back. */
export async function createForward(net: NetworkManagementClient, name: string, pls: Partial<PrivateLinkService> = {}): Promise<PrivateLinkService> {
  await net.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, `lb-${name}`, lbBody(`lb-${name}`), POLL);
  return net.privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, `pls-${name}`, plsBody(`lb-${name}`, pls), POLL);
}
