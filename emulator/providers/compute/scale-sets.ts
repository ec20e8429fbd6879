import { randomUUID } from 'node:crypto';
import { ArmError, invalidParameters, resourceNotFound } from '../../arm/errors';
import { newEtag } from '../../arm/etag';
import { longRunningAction } from '../../arm/actions';
import { paginate } from '../../arm/pagination';
import { isObject, storedResourceHandlers } from '../../arm/stored-resource';
import type { ArmContext, EmulatorRuntime, ResourceTypeHandler } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { backendPoolExists, joinBackendPool, leaveBackendPool, requireSubnet, type Json } from '../network/common';
import { createNic, deleteNic } from '../network/network-interfaces';
import { isBusy, scaleSetInstanceView, vmInstanceView } from './instance-views';
import { automaticRepairsEnabled, nicConfig, profileOf, T_VM, T_VMSS, vmssInternal, type VmssInternal } from './model';
import { instanceInternal, type InstanceInternal } from './node-health';

/**
 * Virtual machine scale sets (Uniform orchestration) and their instances. The model is stored as
 * sent (PUT full replace, PATCH merge) without `osProfile.customData`, which Azure never returns;
 * the emulator keeps it internally because it is the node's configuration (the forwarding
 * manifest). Every change of `virtualMachineProfile` (customData included) is a new model version:
 * each instance keeps running the version it was created or last upgraded with
 * (`latestModelApplied: false`) until `manualupgrade` (updateInstances) brings it to the latest. Capacity creates and removes instances; each
 * instance gets a NIC in the configured subnet and joins the configured LB backend pools.
 */
export { healthExtension, T_VM, T_VMSS } from './model';

function validate(ctx: ArmContext, body: Json): { problems: string[]; customData?: string } {
  const problems: string[] = [];
  const sku = body.sku as Json | undefined;
  if (!isObject(sku) || typeof sku.name !== 'string') problems.push("The 'sku.name' property is required.");
  if (isObject(sku) && sku.capacity !== undefined && (!Number.isInteger(sku.capacity) || (sku.capacity as number) < 0 || (sku.capacity as number) > 1000)) {
    problems.push("The 'sku.capacity' property must be an integer between 0 and 1000.");
  }
  const profile = profileOf(body);
  const os = (profile.osProfile ?? {}) as Json;
  if (os.customData !== undefined && (typeof os.customData !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(os.customData))) problems.push("The 'osProfile.customData' property must be a base64 string.");
  if (typeof os.customData === 'string' && os.customData.length > 87380) problems.push("The 'osProfile.customData' property exceeds 64 KiB once decoded.");
  const nic = nicConfig(body);
  if (!nic.subnetId) problems.push('The networkProfile must have a network interface configuration with an ip configuration in a subnet.');
  else requireSubnet(ctx.emu, { id: nic.subnetId }, 'virtualMachineScaleSets', problems);
  for (const pool of nic.pools) if (!backendPoolExists(ctx.emu, pool)) problems.push(`Resource ${pool} referenced by the scale set's ip configuration was not found.`);
  return { problems, ...(typeof os.customData === 'string' ? { customData: os.customData } : {}) };
}

/** The stored body never carries customData (Azure does not return it). */
function withoutCustomData(body: Json): Json {
  const copy = JSON.parse(JSON.stringify(body)) as Json;
  const os = (profileOf(copy).osProfile ?? undefined) as Json | undefined;
  if (os) delete os.customData;
  return copy;
}

const stored = storedResourceHandlers({
  type: T_VMSS,
  longRunning: true,
  tracked: true,
  patch: 'merge',
  provisioningState: true,
  build(ctx, { body, existing }) {
    const { problems, customData } = validate(ctx, body);
    if (problems.length) throw invalidParameters(problems);
    const prev = existing ? vmssInternal(existing) : undefined;
    const newProfile = JSON.stringify(profileOf(withoutCustomData(body)));
    const oldProfile = existing ? JSON.stringify(profileOf(existing.body)) : undefined;
    const effectiveCustomData = customData ?? prev?.customData;
    const changed = !existing || newProfile !== oldProfile || effectiveCustomData !== prev?.customData;
    const internal: VmssInternal = {
      modelVersion: (prev?.modelVersion ?? 0) + (changed ? 1 : 0),
      ...(effectiveCustomData ? { customData: effectiveCustomData } : {}),
      nextInstanceId: prev?.nextInstanceId ?? 0,
      uniqueId: prev?.uniqueId ?? randomUUID(),
    };
    const clean = withoutCustomData(body);
    const props = { ...((clean.properties ?? {}) as Json) };
    delete props.provisioningState;
    return {
      body: {
        sku: { tier: 'Standard', ...(clean.sku as Json), capacity: ((clean.sku as Json).capacity as number | undefined) ?? 0 },
        ...(clean.zones ? { zones: clean.zones } : {}),
        ...(clean.identity ? { identity: clean.identity } : {}),
        properties: {
          singlePlacementGroup: true,
          orchestrationMode: 'Uniform',
          upgradePolicy: { mode: 'Manual' },
          ...props,
          uniqueId: internal.uniqueId,
          timeCreated: existing ? ((existing.body.properties as Json).timeCreated as string) : new Date().toISOString(),
        },
      },
      internal: internal as unknown as Record<string, unknown>,
    };
  },
  afterWrite(ctx, r) {
    reconcileCapacity(ctx.emu, r);
    // Automatic (and, simplified, Rolling) upgrade policies bring every instance to the new
    // model at once; Manual waits for updateInstances.
    const mode = String((((r.body.properties as Json).upgradePolicy ?? {}) as Json).mode ?? 'Manual');
    if (mode !== 'Manual') {
      const latest = vmssInternal(r).modelVersion;
      const apply = upgraded(ctx.emu, r);
      for (const vm of instancesOf(ctx.emu, r.id)) if (instanceInternal(vm).modelVersion !== latest) done(vm, apply);
    }
  },
  afterDelete(ctx, r) {
    for (const vm of instancesOf(ctx.emu, r.id)) removeInstance(ctx.emu, vm, r);
  },
});

export function instancesOf(emu: EmulatorRuntime, vmssId: string): StoredResource[] {
  return emu.state.children(vmssId, T_VM).sort((a, b) => Number(instanceInternal(a).instanceId) - Number(instanceInternal(b).instanceId));
}

/** Creates or removes instances until the count matches sku.capacity (scale-in removes the newest). */
export function reconcileCapacity(emu: EmulatorRuntime, vmss: StoredResource): void {
  const want = Number((vmss.body.sku as Json).capacity ?? 0);
  const have = instancesOf(emu, vmss.id);
  for (let i = have.length; i < want; i++) createInstance(emu, vmss);
  for (const vm of have.slice(want).reverse()) removeInstance(emu, vm);
}

function createInstance(emu: EmulatorRuntime, vmss: StoredResource): StoredResource {
  const vi = vmssInternal(vmss);
  const instanceId = String(vi.nextInstanceId++);
  const nic = nicConfig(vmss.body);
  const subnet = emu.state.get(nic.subnetId!)!;
  const id = `${vmss.id}/virtualMachines/${instanceId}`;
  const nicRes = createNic(emu, {
    subscriptionId: vmss.subscriptionId,
    resourceGroup: vmss.resourceGroup!,
    name: `${vmss.name}-${instanceId}-${nic.name}`,
    location: String(vmss.body.location),
    subnet,
    attachedTo: { virtualMachine: { id } },
    ipConfigurationExtra: { loadBalancerBackendAddressPools: nic.pools.map((p) => ({ id: p })) },
  });
  const ipc = ((nicRes.body.properties as Json).ipConfigurations as Json[])[0];
  const ip = String((ipc.properties as Json).privateIPAddress);
  for (const pool of nic.pools) joinBackendPool(emu, pool, { ipConfigurationId: String(ipc.id), ip });
  const zones = (vmss.body.zones as string[] | undefined) ?? [];
  const now = new Date().toISOString();
  const internal: InstanceInternal = {
    vmssId: vmss.id,
    instanceId,
    ip,
    nicId: nicRes.id,
    ipConfigurationId: String(ipc.id),
    pools: nic.pools,
    modelVersion: vi.modelVersion,
    ...(vi.customData ? { customData: vi.customData } : {}),
    power: 'running',
  };
  const vm: StoredResource = {
    id,
    type: T_VM,
    name: `${vmss.name}_${instanceId}`,
    subscriptionId: vmss.subscriptionId,
    resourceGroup: vmss.resourceGroup,
    etag: newEtag(),
    body: {
      instanceId,
      location: vmss.body.location,
      sku: { name: (vmss.body.sku as Json).name, tier: 'Standard' },
      ...(zones.length ? { zones: [zones[Number(instanceId) % zones.length]] } : {}),
      ...(vmss.body.tags ? { tags: vmss.body.tags } : {}),
      properties: {
        latestModelApplied: true,
        vmId: randomUUID(),
        provisioningState: 'Succeeded',
        timeCreated: now,
        hardwareProfile: { vmSize: (vmss.body.sku as Json).name },
        osProfile: { computerName: `${String(((profileOf(vmss.body).osProfile ?? {}) as Json).computerNamePrefix ?? vmss.name)}${Number(instanceId).toString(36).padStart(6, '0')}` },
        networkProfile: { networkInterfaces: [{ id: nicRes.id }] },
      },
    },
    internal: internal as unknown as Record<string, unknown>,
    createdAt: now,
    updatedAt: now,
  };
  emu.state.set(vm);
  return vm;
}

export function removeInstance(emu: EmulatorRuntime, vm: StoredResource, owner?: StoredResource): void {
  const node = instanceInternal(vm);
  const vmss = owner ?? emu.state.get(node.vmssId);
  for (const pool of node.pools ?? (vmss ? nicConfig(vmss.body).pools : [])) leaveBackendPool(emu, pool, node.ipConfigurationId);
  deleteNic(emu, node.nicId);
  emu.state.delete(vm.id);
}

function renderVm(ctx: ArmContext, vm: StoredResource, expandInstanceView: boolean): Json {
  const node = instanceInternal(vm);
  const vmss = ctx.emu.state.get(node.vmssId);
  const latest = vmss ? vmssInternal(vmss).modelVersion : node.modelVersion;
  const props: Json = { ...(vm.body.properties as Json), latestModelApplied: node.modelVersion === latest, provisioningState: isBusy(vm) ? 'Updating' : 'Succeeded' };
  if (expandInstanceView) props.instanceView = vmInstanceView(ctx.emu, vm);
  return { name: vm.name, id: vm.id, type: vm.type, etag: vm.etag, ...vm.body, properties: props };
}

function requireVmss(ctx: ArmContext): StoredResource {
  const p = ctx.req.path;
  const vmssId = p.id.split('/').slice(0, 9).join('/');
  const vmss = ctx.emu.state.get(vmssId);
  if (!vmss || vmss.type !== T_VMSS) throw resourceNotFound(T_VMSS, p.names[0], p.resourceGroup);
  return vmss;
}

function requireVm(ctx: ArmContext): StoredResource {
  requireVmss(ctx);
  const p = ctx.req.path;
  const vm = ctx.emu.state.get(p.id.split('/').slice(0, 11).join('/'));
  if (!vm) throw resourceNotFound(T_VM, p.names.slice(0, 2).join('/'), p.resourceGroup);
  return vm;
}

function requestedInstanceIds(ctx: ArmContext, vmss: StoredResource, required: boolean): StoredResource[] {
  const body = isObject(ctx.req.body) ? ctx.req.body : {};
  const ids = body.instanceIds;
  const all = instancesOf(ctx.emu, vmss.id);
  if (ids === undefined) {
    if (required) throw invalidParameters(["The 'instanceIds' property is required."]);
    return all;
  }
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw invalidParameters(["The 'instanceIds' property must be a list of strings."]);
  const missing = (ids as string[]).filter((x) => !all.some((vm) => instanceInternal(vm).instanceId === x));
  if (missing.length) throw new ArmError(400, 'InvalidParameter', `Instance ids ${missing.join(', ')} are not part of scale set ${vmss.name}.`);
  return all.filter((vm) => (ids as string[]).includes(instanceInternal(vm).instanceId));
}

/** A reimage, upgrade, restart or power change takes the node out until the operation completes. */
function markBusy(emu: EmulatorRuntime, vms: StoredResource[]): void {
  const until = Date.now() + emu.options.lroDelayMs;
  for (const vm of vms) instanceInternal(vm).busyUntil = until;
}

function done(vm: StoredResource, change: (node: InstanceInternal) => void): void {
  const node = instanceInternal(vm);
  delete node.busyUntil;
  change(node);
  vm.updatedAt = new Date().toISOString();
}

// A reimage restores the OS disk and reruns cloud-init (the instance keeps its model version):
// a software fault is gone; a persistent one (bad host) survives it. The instance ends running.
const reimaged = (node: InstanceInternal) => {
  if (node.broken && !node.broken.persistent) delete node.broken;
  node.power = 'running';
};

/** The instance takes the latest model: its customData and its NIC's backend pools. */
function upgraded(emu: EmulatorRuntime, vmss: StoredResource): (node: InstanceInternal) => void {
  const vi = vmssInternal(vmss);
  const pools = nicConfig(vmss.body).pools;
  return (node) => {
    node.modelVersion = vi.modelVersion;
    if (vi.customData) node.customData = vi.customData;
    else delete node.customData;
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

const POWER_ACTIONS: Record<string, (node: InstanceInternal) => void> = {
  start: (node) => (node.power = 'running'),
  poweroff: (node) => (node.power = 'stopped'),
  deallocate: (node) => (node.power = 'deallocated'),
  restart: (node) => (node.power = 'running'),
};

/** Azure refuses to restart a deallocated instance (it must be started). */
function refuseRestartOfDeallocated(vms: StoredResource[]): void {
  const deallocated = vms.filter((vm) => instanceInternal(vm).power === 'deallocated');
  if (deallocated.length) {
    throw new ArmError(409, 'OperationNotAllowed', `Operation 'restart' is not allowed on VM ${deallocated.map((vm) => `'${vm.name}'`).join(', ')} since the VM is deallocated. Start it first.`);
  }
}

function vmssAction(name: string, run: (ctx: ArmContext, vmss: StoredResource) => () => unknown): (ctx: ArmContext) => ReturnType<typeof longRunningAction> {
  return (ctx) => {
    const vmss = requireVmss(ctx);
    const effect = run(ctx, vmss);
    return longRunningAction(ctx, { resourceId: vmss.id, resourceType: T_VMSS, action: name, location: String(vmss.body.location), run: effect });
  };
}

/** An action on the instances a body names (`instanceIds`; absent = all). */
function onInstances(name: string, change: (vmss: StoredResource, emu: EmulatorRuntime) => (node: InstanceInternal) => void, o: { required?: boolean; check?: (vms: StoredResource[]) => void } = {}) {
  return vmssAction(name, (ctx, vmss) => {
    const vms = requestedInstanceIds(ctx, vmss, o.required === true);
    o.check?.(vms);
    markBusy(ctx.emu, vms);
    const apply = change(vmss, ctx.emu);
    return () => vms.forEach((vm) => done(vm, apply));
  });
}

/** The same action on one instance (`.../virtualMachines/{id}/{action}`). */
function onInstance(name: string, change: (node: InstanceInternal) => void, check?: (vms: StoredResource[]) => void) {
  return (ctx: ArmContext) => {
    const vm = requireVm(ctx);
    check?.([vm]);
    markBusy(ctx.emu, [vm]);
    return longRunningAction(ctx, { resourceId: vm.id, resourceType: T_VM, action: name, location: String(vm.body.location), run: () => done(vm, change) });
  };
}

function setOrchestrationServiceState(ctx: ArmContext) {
  const vmss = requireVmss(ctx);
  const body = isObject(ctx.req.body) ? ctx.req.body : {};
  const problems: string[] = [];
  if (body.serviceName !== 'AutomaticRepairs') problems.push(`The 'serviceName' property must be 'AutomaticRepairs' (got ${JSON.stringify(body.serviceName)}).`);
  if (body.action !== 'Suspend' && body.action !== 'Resume') problems.push(`The 'action' property must be 'Suspend' or 'Resume' (got ${JSON.stringify(body.action)}).`);
  if (problems.length) throw invalidParameters(problems);
  if (!automaticRepairsEnabled(vmss)) throw new ArmError(409, 'OperationNotAllowed', `Orchestration service AutomaticRepairs is not enabled on scale set ${vmss.name} (automaticRepairsPolicy.enabled is not true).`);
  return longRunningAction(ctx, {
    resourceId: vmss.id,
    resourceType: T_VMSS,
    action: 'setOrchestrationServiceState',
    location: String(vmss.body.location),
    run: () => {
      vmssInternal(vmss).repairsSuspended = body.action === 'Suspend';
    },
  });
}

function expandsInstanceView(ctx: ArmContext): boolean {
  return String(ctx.req.url.searchParams.get('$expand') ?? '').toLowerCase() === 'instanceview';
}

export const computeTypes: ResourceTypeHandler[] = [
  {
    ...stored,
    actions: {
      delete: vmssAction('delete', (ctx, vmss) => {
        const vms = requestedInstanceIds(ctx, vmss, true);
        return () => {
          for (const vm of vms) removeInstance(ctx.emu, vm);
          (vmss.body.sku as Json).capacity = instancesOf(ctx.emu, vmss.id).length;
          vmss.etag = newEtag();
        };
      }),
      reimage: onInstances('reimage', () => reimaged),
      manualupgrade: onInstances('manualupgrade', (vmss, emu) => upgraded(emu, vmss), { required: true }),
      restart: onInstances('restart', () => POWER_ACTIONS.restart, { check: refuseRestartOfDeallocated }),
      start: onInstances('start', () => POWER_ACTIONS.start),
      poweroff: onInstances('poweroff', () => POWER_ACTIONS.poweroff),
      deallocate: onInstances('deallocate', () => POWER_ACTIONS.deallocate),
      setOrchestrationServiceState,
    },
  },
  {
    type: `${T_VMSS}/instanceView`,
    list(ctx) {
      const vmss = requireVmss(ctx);
      return { status: 200, body: scaleSetInstanceView(ctx.emu, vmss, instancesOf(ctx.emu, vmss.id)) };
    },
  },
  {
    type: T_VM,
    list(ctx) {
      const vmss = requireVmss(ctx);
      return paginate(ctx, instancesOf(ctx.emu, vmss.id).map((vm) => renderVm(ctx, vm, expandsInstanceView(ctx))));
    },
    get(ctx) {
      return { status: 200, body: renderVm(ctx, requireVm(ctx), expandsInstanceView(ctx)) };
    },
    delete(ctx) {
      const vmss = requireVmss(ctx);
      const vm = ctx.emu.state.get(ctx.req.path.id);
      if (!vm) return { status: 204 };
      return longRunningAction(ctx, {
        resourceId: vm.id,
        resourceType: T_VM,
        action: 'delete',
        location: String(vmss.body.location),
        run: () => {
          removeInstance(ctx.emu, vm);
          (vmss.body.sku as Json).capacity = instancesOf(ctx.emu, vmss.id).length;
          vmss.etag = newEtag();
        },
      });
    },
    actions: {
      reimage: onInstance('reimage', reimaged),
      restart: onInstance('restart', POWER_ACTIONS.restart, refuseRestartOfDeallocated),
      start: onInstance('start', POWER_ACTIONS.start),
      poweroff: onInstance('poweroff', POWER_ACTIONS.poweroff),
      deallocate: onInstance('deallocate', POWER_ACTIONS.deallocate),
    },
  },
  {
    type: `${T_VM}/instanceView`,
    list(ctx) {
      return { status: 200, body: vmInstanceView(ctx.emu, requireVm(ctx)) };
    },
  },
];
