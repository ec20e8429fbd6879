import { forwardNames, isOwnedBy } from '../../core/names';
import { operationUrlOf } from '../operation-status';
import { keptResource, provisioningStateOf, readOrUndefined, wroteResource, type ResourceService } from '../resource-service';
import { desiredLoadBalancer, loadBalancerId } from './spec';

export const loadBalancerService: ResourceService = {
  kind: 'loadBalancer',
  id: loadBalancerId,
  async ensure({ clients, forward, spec, placement }) {
    const net = clients.network(placement.subscriptionId);
    const name = forwardNames(forward).loadBalancer;
    const existing = await readOrUndefined(() => net.loadBalancers.get(placement.resourceGroup, name));
    const body = desiredLoadBalancer(forward, spec, placement, existing);
    if (body === 'no-change') return keptResource(loadBalancerId(forward, placement), existing);
    const poller = await net.loadBalancers.beginCreateOrUpdate(placement.resourceGroup, name, body);
    return wroteResource(loadBalancerId(forward, placement), await operationUrlOf(poller));
  },
  async state(clients, forward, p) {
    const lb = await readOrUndefined(() => clients.network(p.subscriptionId).loadBalancers.get(p.resourceGroup, forwardNames(forward).loadBalancer));
    return lb ? provisioningStateOf(lb.provisioningState) : 'Absent';
  },
  async remove(clients, forward, p) {
    const net = clients.network(p.subscriptionId);
    const name = forwardNames(forward).loadBalancer;
    const lb = await readOrUndefined(() => net.loadBalancers.get(p.resourceGroup, name));
    if (!lb) return 'gone';
    if (!isOwnedBy(lb.tags, forward)) return 'not-ours';
    if (lb.provisioningState !== 'Deleting') await net.loadBalancers.beginDelete(p.resourceGroup, name);
    return 'deleting';
  },
};
