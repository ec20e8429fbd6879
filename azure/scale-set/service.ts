import { forwardNames, isOwnedBy } from '../../core/names';
import type { HubPlacement } from '../../core/app-settings';
import type { NodeStatus } from '../../core/status';
import type { AzureClients } from '../client-factory';
import { operationUrlOf } from '../operation-status';
import { keptResource, provisioningStateOf, readOrUndefined, wroteResource, type ResourceService } from '../resource-service';
import { desiredScaleSet, scaleSetId } from './spec';

export const scaleSetService: ResourceService = {
  kind: 'scaleSet',
  id: scaleSetId,
  async ensure({ clients, forward, spec, placement, natSubnetPrefix, sshPublicKey }) {
    const compute = clients.compute(placement.subscriptionId);
    const name = forwardNames(forward).scaleSet;
    const existing = await readOrUndefined(() => compute.virtualMachineScaleSets.get(placement.resourceGroup, name));
    if (!sshPublicKey) throw new Error(`no SSH public key for the scale set of ${forward} (the ensure activity supplies one)`);
    const body = desiredScaleSet(forward, spec, placement, { natSubnetPrefix, sshPublicKey }, existing);
    if (body === 'no-change') return keptResource(scaleSetId(forward, placement), existing);
    const poller = await compute.virtualMachineScaleSets.beginCreateOrUpdate(placement.resourceGroup, name, body);
    return wroteResource(scaleSetId(forward, placement), await operationUrlOf(poller));
  },
  async state(clients, forward, p) {
    const v = await readOrUndefined(() => clients.compute(p.subscriptionId).virtualMachineScaleSets.get(p.resourceGroup, forwardNames(forward).scaleSet));
    return v ? provisioningStateOf(v.provisioningState) : 'Absent';
  },
  async remove(clients, forward, p) {
    const compute = clients.compute(p.subscriptionId);
    const name = forwardNames(forward).scaleSet;
    const v = await readOrUndefined(() => compute.virtualMachineScaleSets.get(p.resourceGroup, name));
    if (!v) return 'gone';
    if (!isOwnedBy(v.tags, forward)) return 'not-ours';
    if (v.provisioningState !== 'Deleting') await compute.virtualMachineScaleSets.beginDelete(p.resourceGroup, name);
    return 'deleting';
  },
};

/** Instances with their IP, health and whether they run the latest model (one list call + NIC reads). */
export async function listNodes(clients: AzureClients, forward: string, p: HubPlacement): Promise<NodeStatus[]> {
  const compute = clients.compute(p.subscriptionId);
  const net = clients.network(p.subscriptionId);
  const out: NodeStatus[] = [];
  for await (const vm of compute.virtualMachineScaleSetVMs.list(p.resourceGroup, forwardNames(forward).scaleSet, { expand: 'instanceView' })) {
    const nicName = vm.networkProfile?.networkInterfaces?.[0]?.id?.split('/').pop();
    const nic = nicName ? await readOrUndefined(() => net.networkInterfaces.get(p.resourceGroup, nicName)) : undefined;
    const health = vm.instanceView?.vmHealth?.status?.code?.replace('HealthState/', '') ?? 'unknown';
    out.push({
      instanceId: String(vm.instanceId),
      ...(nic?.ipConfigurations?.[0]?.privateIPAddress ? { ip: nic.ipConfigurations[0].privateIPAddress } : {}),
      health: vm.provisioningState && vm.provisioningState !== 'Succeeded' ? vm.provisioningState.toLowerCase() : health,
      latestModelApplied: vm.latestModelApplied === true,
    });
  }
  return out;
}

/**
 * Starts bringing one instance to the latest model (manualUpgrade; the orchestration waits for
 * it). The node keeps RUNNING the config it booted with: customData reaches it only with a
 * reimage afterwards (`reimageNodeForRoll`; Learn "Custom data and cloud-init on Azure VMs", FAQ;
 * catalog VMSS-2).
 */
export async function upgradeNode(clients: AzureClients, forward: string, p: HubPlacement, instanceId: string): Promise<void> {
  await clients.compute(p.subscriptionId).virtualMachineScaleSets.beginUpdateInstances(p.resourceGroup, forwardNames(forward).scaleSet, { instanceIds: [instanceId] });
}

/**
 * Starts the reimage that makes an upgraded instance boot its (now latest) model, customData
 * included: the scale set's reimage action with this one instance id (the health watch's recycle
 * uses the per-instance API; the request log tells the two apart).
 */
export async function reimageNodeForRoll(clients: AzureClients, forward: string, p: HubPlacement, instanceId: string): Promise<void> {
  await clients.compute(p.subscriptionId).virtualMachineScaleSets.beginReimage(p.resourceGroup, forwardNames(forward).scaleSet, { vmScaleSetReimageInput: { instanceIds: [instanceId] } });
}
