import type { EmulatorProvider } from '../provider';
import { virtualNetworkTypes, seedVirtualNetwork } from './virtual-networks';
import { networkInterfaceTypes } from './network-interfaces';
import { loadBalancerTypes } from './load-balancers';
import { privateLinkServiceTypes } from './private-link-services';
import { privateEndpointTypes } from './private-endpoints';
import { rgId } from '../resources';

/**
 * Microsoft.Network (without Private DNS): virtual networks and subnets, network interfaces,
 * load balancers, private link services with their private endpoint connections, private endpoints.
 * For other providers: common.ts (allocateIp, joinBackendPool/leaveBackendPool) and
 * network-interfaces.ts (createNic/deleteNic/nicIp).
 */
export const provider: EmulatorProvider = {
  name: 'network',
  seedPriority: 10,
  resourceTypes: [...virtualNetworkTypes, ...networkInterfaceTypes, ...loadBalancerTypes, ...privateLinkServiceTypes, ...privateEndpointTypes],
  seed(emu, topology) {
    for (const s of topology.subscriptions) {
      for (const g of s.resourceGroups) {
        const rg = emu.state.get(rgId(s.subscriptionId, g.name));
        if (!rg) continue;
        for (const v of g.virtualNetworks ?? []) seedVirtualNetwork(emu, s.subscriptionId, rg, v);
      }
    }
  },
};
