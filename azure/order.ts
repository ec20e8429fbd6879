import { loadBalancerService } from './load-balancer/service';
import { privateLinkServiceService } from './private-link-service/service';
import type { ResourceKind, ResourceService } from './resource-service';
import { scaleSetService } from './scale-set/service';

/**
 * The order in which a forward's resources are ensured:
 *   1. load balancer       — the scale set's NICs join its backend pool, the PLS fronts its frontend
 *   2. scale set           — forwarder nodes in the pool (the LB probe sees them)
 *   3. private link service — exposes the frontend to consumers once nodes exist
 * Deletion runs the reverse: the PLS must go before the LB it fronts (Azure refuses otherwise:
 * 400 CannotDeleteLoadBalancerWithPrivateLinkService), and the PLS's private endpoint connections
 * before the PLS (400 PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted): teardown
 * in orchestrations/reconcile-forward.ts deletes them first and waits until none is left.
 */
export const ENSURE_ORDER: readonly ResourceKind[] = ['loadBalancer', 'scaleSet', 'privateLinkService'];
export const DELETE_ORDER: readonly ResourceKind[] = [...ENSURE_ORDER].reverse();

/**
 * What ARM answers (400) to deleting a private link service that still has private endpoint
 * connections (Learn, AKS troubleshooting "A load balancer with a private link service or a private
 * link service with private endpoint connections can't be deleted"; tools/emulator/AZURE-RULES.md
 * NET-1): teardown meets it when a consumer connected after the connections were deleted.
 */
export const CONNECTIONS_BLOCK_DELETE = 'PrivateLinkServiceWithPrivateEndpointConnectionsCannotBeDeleted';

export const SERVICES: Readonly<Record<ResourceKind, ResourceService>> = {
  loadBalancer: loadBalancerService,
  scaleSet: scaleSetService,
  privateLinkService: privateLinkServiceService,
};
