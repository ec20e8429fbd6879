import { ArmError } from '../../arm/errors';
import { newEtag } from '../../arm/etag';
import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { backendPoolExists, joinBackendPool, leaveBackendPool, type Json } from '../network/common';
import { modelUserData, nicConfig, vmssInternal } from './model';
import { bootConfig, instanceInternal, runningConfig, type InstanceInternal } from './node-health';

/**
 * What the instance actions do to a simulated node: a reimage, an upgrade to the latest model,
 * power changes; and the node being out while its operation runs.
 */
/** A reimage, upgrade, restart or power change takes the node out until the operation completes. */
export function markBusy(emu: EmulatorRuntime, vms: StoredResource[]): void {
  const until = emu.clock.now() + emu.options.lroDelayMs;
  for (const vm of vms) instanceInternal(vm).busyUntil = until;
}

export function done(emu: EmulatorRuntime, vm: StoredResource, change: (node: InstanceInternal) => void): void {
  const node = instanceInternal(vm);
  delete node.busyUntil;
  change(node);
  vm.updatedAt = emu.clock.iso();
}

// A reimage restores the OS disk and reruns cloud-init with the instance's model (it keeps its
// model version): the node now runs that model's customData (VMSS-2); a software fault is gone, a
// persistent one (bad host) survives it. Its power state is left as it was (VMSS-6): whether Azure
// starts a stopped instance when it reimages it is not documented, so the emulator takes the
// stricter answer: a powered-off node stays off and only replacing it (or a start) brings it back.
export const reimaged = (node: InstanceInternal) => {
  if (node.broken && !node.broken.persistent) delete node.broken;
  node.booted = bootConfig(node);
};

/**
 * The instance takes the latest model: its customData/userData (as its MODEL: the node keeps
 * running the config it booted with until a reimage, VMSS-2) and its NIC's backend pools.
 */
export function upgraded(emu: EmulatorRuntime, vmss: StoredResource): (node: InstanceInternal) => void {
  const vi = vmssInternal(vmss);
  const pools = nicConfig(vmss.body).pools;
  const userData = modelUserData(vmss);
  return (node) => {
    node.booted = runningConfig(node);
    node.modelVersion = vi.modelVersion;
    if (vi.customData) node.customData = vi.customData;
    else delete node.customData;
    if (userData) node.userData = userData;
    else delete node.userData;
    if (node.broken && !node.broken.persistent) delete node.broken;
    movePools(emu, node, pools);
  };
}

function movePools(emu: EmulatorRuntime, node: InstanceInternal, pools: string[]): void {
  const key = (xs: string[]) => xs.map((x) => x.toLowerCase());
  const before = node.pools ?? [];
  for (const pool of before) if (!key(pools).includes(pool.toLowerCase())) leaveBackendPool(emu, pool, node.ipConfigurationId);
  for (const pool of pools) if (!key(before).includes(pool.toLowerCase()) && backendPoolExists(emu, pool)) joinBackendPool(emu, pool, { ipConfigurationId: node.ipConfigurationId, ip: node.ip });
  node.pools = pools;
  const nic = emu.state.get(node.nicId);
  const ipc = ((nic?.body.properties as Json | undefined)?.ipConfigurations as Json[] | undefined)?.[0];
  if (nic && ipc) {
    (ipc.properties as Json).loadBalancerBackendAddressPools = pools.map((id) => ({ id }));
    nic.etag = newEtag();
  }
}

export const POWER_ACTIONS: Record<string, (node: InstanceInternal) => void> = {
  start: (node) => (node.power = 'running'),
  poweroff: (node) => (node.power = 'stopped'),
  deallocate: (node) => (node.power = 'deallocated'),
  restart: (node) => (node.power = 'running'),
};

/** Azure refuses to restart a deallocated instance (it must be started). */
export function refuseRestartOfDeallocated(vms: StoredResource[]): void {
  const deallocated = vms.filter((vm) => instanceInternal(vm).power === 'deallocated');
  if (deallocated.length) {
    throw new ArmError(409, 'OperationNotAllowed', `Operation 'restart' is not allowed on VM ${deallocated.map((vm) => `'${vm.name}'`).join(', ')} since the VM is deallocated. Start it first.`);
  }
}
