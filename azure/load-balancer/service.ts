import type { LoadBalancer } from '@azure/arm-network';
import { forwardNames } from '../../core/names';
import { ifMatchHeader, resourceService } from '../engine';
import { desiredLoadBalancer, loadBalancerId } from './spec';

/** The forward's load balancer through the engine (azure/engine.ts): Network SDK calls, its spec, an etag (W/"..."). */
export const loadBalancerService = resourceService<LoadBalancer>({
  kind: 'loadBalancer',
  id: loadBalancerId,
  name: (forward) => forwardNames(forward).loadBalancer,
  get: (clients, p, name) => clients.network(p.subscriptionId).loadBalancers.get(p.resourceGroup, name),
  desired: ({ forward, spec, placement }, existing) => desiredLoadBalancer(forward, spec, placement, existing),
  put: (clients, p, name, body, ifMatch) => clients.network(p.subscriptionId).loadBalancers.beginCreateOrUpdate(p.resourceGroup, name, body, ifMatchHeader(ifMatch)),
  delete: (clients, p, name) => clients.network(p.subscriptionId).loadBalancers.beginDelete(p.resourceGroup, name),
});
