import { forwardNames } from '../../core/names';
import type { HubPlacement } from '../../core/app-settings';
import type { NodeEvidence } from '../../core/health';
import type { NodeStatus } from '../../core/status';
import type { AzureClients } from '../client-factory';
import { readOrUndefined } from '../resource-service';

/**
 * The one reader of scale set instances and the instance actions, for the reconcile loop (its
 * node list and roll) and the health watch (sweep and recycle) alike. Each action is a single SDK
 * call that starts an operation and never waits for it (the orchestrations poll).
 */
export interface InstanceView extends NodeEvidence {
  instanceId: string;
  ip?: string;
  /** From the Application Health extension (`HealthState/healthy` -> healthy). */
  health: string;
  latestModelApplied: boolean;
}

const powerOf = (codes: (string | undefined)[]) => codes.find((c) => c?.startsWith('PowerState/'))?.slice('PowerState/'.length);

function viewOf(vm: { instanceId?: string; provisioningState?: string; latestModelApplied?: boolean; instanceView?: { statuses?: { code?: string }[]; vmAgent?: { statuses?: { code?: string; displayStatus?: string }[] }; vmHealth?: { status?: { code?: string } } } }, ip?: string): InstanceView {
  const agent = vm.instanceView?.vmAgent?.statuses?.[0];
  const power = powerOf((vm.instanceView?.statuses ?? []).map((s) => s.code));
  return {
    instanceId: String(vm.instanceId),
    ...(ip ? { ip } : {}),
    health: vm.provisioningState && vm.provisioningState !== 'Succeeded' ? vm.provisioningState.toLowerCase() : (vm.instanceView?.vmHealth?.status?.code?.replace('HealthState/', '') ?? 'unknown'),
    latestModelApplied: vm.latestModelApplied === true,
    ...(power ? { powerState: power } : {}),
    ...(agent ? { agentReady: agent.displayStatus === 'Ready' } : {}),
    ...(vm.provisioningState ? { provisioningState: vm.provisioningState } : {}),
  };
}

/** Every instance with its IP and node-level evidence (one list call with instance views + NIC reads). */
export async function readInstances(clients: AzureClients, forward: string, p: HubPlacement): Promise<InstanceView[]> {
  const compute = clients.compute(p.subscriptionId);
  const net = clients.network(p.subscriptionId);
  const out: InstanceView[] = [];
  for await (const vm of compute.virtualMachineScaleSetVMs.list(p.resourceGroup, forwardNames(forward).scaleSet, { expand: 'instanceView' })) {
    const nicName = vm.networkProfile?.networkInterfaces?.[0]?.id?.split('/').pop();
    const nic = nicName ? await readOrUndefined(() => net.networkInterfaces.get(p.resourceGroup, nicName)) : undefined;
    out.push(viewOf(vm, nic?.ipConfigurations?.[0]?.privateIPAddress));
  }
  return out;
}

/** What the reconcile's status keeps of an instance: id, IP, health, latest model (no node-level evidence). */
export function nodeStatusOf(v: InstanceView): NodeStatus {
  return { instanceId: v.instanceId, ...(v.ip ? { ip: v.ip } : {}), health: v.health, latestModelApplied: v.latestModelApplied };
}

/** The reconcile's node list: `readInstances` (one list call + NIC reads) as status entries. */
export async function listNodes(clients: AzureClients, forward: string, p: HubPlacement): Promise<NodeStatus[]> {
  return (await readInstances(clients, forward, p)).map(nodeStatusOf);
}

/** One instance (absent: gone). */
export async function instanceState(clients: AzureClients, forward: string, p: HubPlacement, instanceId: string): Promise<InstanceView | undefined> {
  const vm = await readOrUndefined(() => clients.compute(p.subscriptionId).virtualMachineScaleSetVMs.get(p.resourceGroup, forwardNames(forward).scaleSet, instanceId, { expand: 'instanceView' }));
  return vm ? viewOf(vm) : undefined;
}

/** Starts a reimage of one instance (keeps the instance and its IP). */
export async function reimageInstance(clients: AzureClients, forward: string, p: HubPlacement, instanceId: string): Promise<void> {
  await clients.compute(p.subscriptionId).virtualMachineScaleSetVMs.beginReimage(p.resourceGroup, forwardNames(forward).scaleSet, instanceId);
}

/** Starts deleting one instance (the scale set's capacity goes down by one). */
export async function deleteInstance(clients: AzureClients, forward: string, p: HubPlacement, instanceId: string): Promise<void> {
  await clients.compute(p.subscriptionId).virtualMachineScaleSets.beginDeleteInstances(p.resourceGroup, forwardNames(forward).scaleSet, { instanceIds: [instanceId] });
}

/** The scale set's capacity, or undefined when it is gone. */
export async function capacityOf(clients: AzureClients, forward: string, p: HubPlacement): Promise<number | undefined> {
  const v = await readOrUndefined(() => clients.compute(p.subscriptionId).virtualMachineScaleSets.get(p.resourceGroup, forwardNames(forward).scaleSet));
  return v ? Number(v.sku?.capacity ?? 0) : undefined;
}

/** Starts bringing the capacity back to `count` (a PATCH of sku.capacity only: new instances take the latest model). */
export async function restoreCapacity(clients: AzureClients, forward: string, p: HubPlacement, count: number): Promise<void> {
  const compute = clients.compute(p.subscriptionId);
  const name = forwardNames(forward).scaleSet;
  const v = await compute.virtualMachineScaleSets.get(p.resourceGroup, name);
  await compute.virtualMachineScaleSets.beginUpdate(p.resourceGroup, name, { sku: { ...v.sku, capacity: count } });
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
 * uses the per-instance API, `reimageInstance`; the request log tells the two apart).
 */
export async function reimageNodeForRoll(clients: AzureClients, forward: string, p: HubPlacement, instanceId: string): Promise<void> {
  await clients.compute(p.subscriptionId).virtualMachineScaleSets.beginReimage(p.resourceGroup, forwardNames(forward).scaleSet, { vmScaleSetReimageInput: { instanceIds: [instanceId] } });
}
