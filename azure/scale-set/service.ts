import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import { forwardNames } from '../../core/names';
import { resourceService } from '../engine';
import { desiredScaleSet, scaleSetId } from './spec';

/**
 * The forward's scale set through the engine (azure/engine.ts): Compute SDK calls (If-Match is a
 * declared parameter there), its spec (which needs the NAT subnet prefix and an SSH key), an etag.
 * Instance reads and actions: ./instances.ts.
 */
export const scaleSetService = resourceService<VirtualMachineScaleSet>({
  kind: 'scaleSet',
  id: scaleSetId,
  name: (forward) => forwardNames(forward).scaleSet,
  get: (clients, p, name) => clients.compute(p.subscriptionId).virtualMachineScaleSets.get(p.resourceGroup, name),
  desired({ forward, spec, placement, natSubnetPrefix, sshPublicKey }, existing) {
    if (!sshPublicKey) throw new Error(`no SSH public key for the scale set of ${forward} (the ensure activity supplies one)`);
    return desiredScaleSet(forward, spec, placement, { natSubnetPrefix, sshPublicKey }, existing);
  },
  put: (clients, p, name, body, ifMatch) => clients.compute(p.subscriptionId).virtualMachineScaleSets.beginCreateOrUpdate(p.resourceGroup, name, body, ifMatch ? { ifMatch } : {}),
  delete: (clients, p, name) => clients.compute(p.subscriptionId).virtualMachineScaleSets.beginDelete(p.resourceGroup, name),
});
