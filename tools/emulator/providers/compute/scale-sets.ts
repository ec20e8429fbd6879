import { randomUUID } from 'node:crypto';
import { newEtag } from '../../arm/etag';
import { isObject, storedResourceHandlers } from '../../arm/stored-resource';
import type { ArmContext, EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { backendPoolExists, joinBackendPool, leaveBackendPool, requireSubnet, type Json } from '../network/common';
import { createNic, deleteNic } from '../network/network-interfaces';
import { done, upgraded } from './instance-changes';
import { modelUserData, nicConfig, profileOf, T_VM, T_VMSS, vmssInternal, type VmssInternal } from './model';
import { bootConfig, instanceInternal, type InstanceInternal } from './node-health';
import { authenticationProblems, DEFAULT_REGION_ZONES, invalidTargeted, refuseOrchestrationModeChange, refuseWhileDeleting, refuseZoneRemoval, zoneProblems, type TargetedProblem } from './rules';

/**
 * Virtual machine scale sets (Uniform orchestration): the model and the instances it creates.
 * The model is stored as sent (PUT full replace, PATCH merge) without `osProfile.customData`,
 * which Azure never returns; the emulator keeps it internally because it is the node's
 * configuration (the forwarding manifest). Every change of `virtualMachineProfile` (customData
 * included) is a new model version: each instance keeps running the version it was created or
 * last upgraded with (`latestModelApplied: false`) until `manualupgrade` (updateInstances) brings
 * it to the latest. Capacity creates and removes instances; each instance gets a NIC in the
 * configured subnet and joins the configured LB backend pools. Actions: instance-actions.ts.
 */
export { healthExtension, T_VM, T_VMSS } from './model';

function validate(ctx: ArmContext, body: Json, location: string): { problems: TargetedProblem[]; customData?: string } {
  const problems: TargetedProblem[] = [];
  const push = (message: string) => problems.push({ message });
  const sku = body.sku as Json | undefined;
  if (!isObject(sku) || typeof sku.name !== 'string') push("The 'sku.name' property is required.");
  if (isObject(sku) && sku.capacity !== undefined && (!Number.isInteger(sku.capacity) || (sku.capacity as number) < 0 || (sku.capacity as number) > 1000)) {
    push("The 'sku.capacity' property must be an integer between 0 and 1000.");
  }
  const profile = profileOf(body);
  const os = (profile.osProfile ?? {}) as Json;
  if (os.customData !== undefined && (typeof os.customData !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(os.customData))) push("The 'osProfile.customData' property must be a base64 string.");
  if (typeof os.customData === 'string' && os.customData.length > 87380) push("The 'osProfile.customData' property exceeds 64 KiB once decoded.");
  const nic = nicConfig(body);
  if (!nic.subnetId) push('The networkProfile must have a network interface configuration with an ip configuration in a subnet.');
  else {
    const subnetProblems: string[] = [];
    requireSubnet(ctx.emu, { id: nic.subnetId }, 'virtualMachineScaleSets', subnetProblems);
    subnetProblems.forEach(push);
  }
  for (const pool of nic.pools) if (!backendPoolExists(ctx.emu, pool)) push(`Resource ${pool} referenced by the scale set's ip configuration was not found.`);
  problems.push(...authenticationProblems(body));
  problems.push(...zoneProblems(regionZones(ctx.emu), location, body.zones));
  return { problems, ...(typeof os.customData === 'string' ? { customData: os.customData } : {}) };
}

/** The stored body never carries customData (Azure does not return it). */
function withoutCustomData(body: Json): Json {
  const copy = JSON.parse(JSON.stringify(body)) as Json;
  const os = (profileOf(copy).osProfile ?? undefined) as Json | undefined;
  if (os) delete os.customData;
  return copy;
}

/** Zones per region: the topology's `compute.regionZones`, else DEFAULT_REGION_ZONES (seeded by the provider). */
export const REGION_ZONES_BAG = 'compute.regionZones';
export function regionZones(emu: EmulatorRuntime): Record<string, string[]> {
  return emu.state.bag(REGION_ZONES_BAG, () => ({ ...DEFAULT_REGION_ZONES }));
}

const storedHandlers = storedResourceHandlers({
  type: T_VMSS,
  longRunning: true,
  tracked: true,
  patch: 'merge',
  provisioningState: true,
  build(ctx, { body, existing }) {
    if (existing) {
      refuseOrchestrationModeChange(existing, body);
      refuseZoneRemoval(existing, body.zones);
    }
    const { problems, customData } = validate(ctx, body, String(body.location ?? existing?.body.location ?? ''));
    if (problems.length) throw invalidTargeted(problems);
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
          timeCreated: existing ? ((existing.body.properties as Json).timeCreated as string) : ctx.emu.clock.iso(),
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
      for (const vm of instancesOf(ctx.emu, r.id)) if (instanceInternal(vm).modelVersion !== latest) done(ctx.emu, vm, apply);
    }
  },
  afterDelete(ctx, r) {
    for (const vm of instancesOf(ctx.emu, r.id)) removeInstance(ctx.emu, vm, r);
  },
});

/** The stored handlers, with VMSS-3: no PUT or PATCH while the scale set is being deleted. */
export const scaleSetHandlers = {
  ...storedHandlers,
  put(ctx: ArmContext) {
    refuseWhileDeleting(ctx.emu.state.get(ctx.req.path.id), 'PUT');
    return storedHandlers.put!(ctx);
  },
  patch(ctx: ArmContext) {
    refuseWhileDeleting(ctx.emu.state.get(ctx.req.path.id), 'PATCH');
    return storedHandlers.patch!(ctx);
  },
};

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
  const now = emu.clock.iso();
  const userData = modelUserData(vmss);
  const model = { ...(vi.customData ? { customData: vi.customData } : {}), ...(userData ? { userData } : {}) };
  const internal: InstanceInternal = {
    vmssId: vmss.id,
    instanceId,
    ip,
    nicId: nicRes.id,
    ipConfigurationId: String(ipc.id),
    pools: nic.pools,
    modelVersion: vi.modelVersion,
    ...model,
    // A new instance boots with the model it is created from (VMSS-2).
    booted: bootConfig(model),
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
