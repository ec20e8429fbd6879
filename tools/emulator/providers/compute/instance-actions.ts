import { ArmError, invalidParameters, resourceNotFound } from '../../arm/errors';
import { newEtag } from '../../arm/etag';
import { longRunningAction } from '../../arm/actions';
import { paginate } from '../../arm/pagination';
import { isObject } from '../../arm/stored-resource';
import type { ArmContext, EmulatorRuntime, ResourceTypeHandler } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import type { Json } from '../network/common';
import { done, markBusy, POWER_ACTIONS, refuseRestartOfDeallocated, reimaged, upgraded } from './instance-changes';
import { isBusy, scaleSetInstanceView, vmInstanceView } from './instance-views';
import { automaticRepairsEnabled, T_VM, T_VMSS, vmssInternal } from './model';
import { instanceInternal, type InstanceInternal } from './node-health';
import { instancesOf, removeInstance, scaleSetHandlers } from './scale-sets';
import { refuseOnFlexible, refuseWhileDeleting } from './rules';

/**
 * The compute resource types the router serves: scale sets (model handlers plus their actions),
 * instances (list/get/delete and per-instance actions) and both instance views. Every action is
 * a long-running operation; the node is out while it runs (instance-changes.ts).
 */
function renderVm(ctx: ArmContext, vm: StoredResource, expandInstanceView: boolean): Json {
  const node = instanceInternal(vm);
  const vmss = ctx.emu.state.get(node.vmssId);
  const latest = vmss ? vmssInternal(vmss).modelVersion : node.modelVersion;
  const props: Json = { ...(vm.body.properties as Json), latestModelApplied: node.modelVersion === latest, provisioningState: isBusy(ctx.emu, vm) ? 'Updating' : 'Succeeded' };
  if (expandInstanceView) props.instanceView = vmInstanceView(ctx.emu, vm);
  return { name: vm.name, id: vm.id, type: vm.type, etag: vm.etag, ...vm.body, properties: props };
}

/** The scale set of the path; `uniformOnly` names an operation a Flexible scale set refuses (VMSS-5). */
function requireVmss(ctx: ArmContext, uniformOnly?: string): StoredResource {
  const p = ctx.req.path;
  const vmssId = p.id.split('/').slice(0, 9).join('/');
  const vmss = ctx.emu.state.get(vmssId);
  if (!vmss || vmss.type !== T_VMSS) throw resourceNotFound(T_VMSS, p.names[0], p.resourceGroup);
  if (uniformOnly) refuseOnFlexible(vmss, uniformOnly);
  return vmss;
}

/** One VMSS-VM: every VMSS-VM API is Uniform-only (VMSS-5). */
function requireVm(ctx: ArmContext, operation = 'VirtualMachineScaleSetVMs.GET'): StoredResource {
  requireVmss(ctx, operation);
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

function vmssAction(name: string, run: (ctx: ArmContext, vmss: StoredResource) => () => unknown, uniformOnly = false): (ctx: ArmContext) => ReturnType<typeof longRunningAction> {
  return (ctx) => {
    const vmss = requireVmss(ctx, uniformOnly ? `VirtualMachineScaleSets.${name}` : undefined);
    refuseWhileDeleting(vmss, name);
    const effect = run(ctx, vmss);
    return longRunningAction(ctx, { resourceId: vmss.id, resourceType: T_VMSS, action: name, location: String(vmss.body.location), run: effect });
  };
}

/** An action on the instances a body names (`instanceIds`; absent = all). */
function onInstances(name: string, change: (vmss: StoredResource, emu: EmulatorRuntime) => (node: InstanceInternal) => void, o: { required?: boolean; check?: (vms: StoredResource[]) => void; uniformOnly?: boolean } = {}) {
  return vmssAction(name, (ctx, vmss) => {
    const vms = requestedInstanceIds(ctx, vmss, o.required === true);
    o.check?.(vms);
    markBusy(ctx.emu, vms);
    const apply = change(vmss, ctx.emu);
    return () => vms.forEach((vm) => done(ctx.emu, vm, apply));
  }, o.uniformOnly === true);
}

/** The same action on one instance (`.../virtualMachines/{id}/{action}`). */
function onInstance(name: string, change: (node: InstanceInternal) => void, check?: (vms: StoredResource[]) => void) {
  return (ctx: ArmContext) => {
    const vm = requireVm(ctx, `VirtualMachineScaleSetVMs.${name}`);
    refuseWhileDeleting(requireVmss(ctx), name);
    check?.([vm]);
    markBusy(ctx.emu, [vm]);
    return longRunningAction(ctx, { resourceId: vm.id, resourceType: T_VM, action: name, location: String(vm.body.location), run: () => done(ctx.emu, vm, change) });
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
    ...scaleSetHandlers,
    actions: {
      delete: vmssAction('delete', (ctx, vmss) => {
        const vms = requestedInstanceIds(ctx, vmss, true);
        return () => {
          for (const vm of vms) removeInstance(ctx.emu, vm);
          (vmss.body.sku as Json).capacity = instancesOf(ctx.emu, vmss.id).length;
          vmss.etag = newEtag();
        };
      }),
      reimage: onInstances('reimage', () => reimaged, { uniformOnly: true }),
      manualupgrade: onInstances('manualupgrade', (vmss, emu) => upgraded(emu, vmss), { required: true, uniformOnly: true }),
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
      const vmss = requireVmss(ctx, 'VirtualMachineScaleSets.instanceView.GET');
      return { status: 200, body: scaleSetInstanceView(ctx.emu, vmss, instancesOf(ctx.emu, vmss.id)) };
    },
  },
  {
    type: T_VM,
    list(ctx) {
      const vmss = requireVmss(ctx, 'VirtualMachineScaleSetVMs.List');
      return paginate(ctx, instancesOf(ctx.emu, vmss.id).map((vm) => renderVm(ctx, vm, expandsInstanceView(ctx))));
    },
    get(ctx) {
      return { status: 200, body: renderVm(ctx, requireVm(ctx), expandsInstanceView(ctx)) };
    },
    delete(ctx) {
      const vmss = requireVmss(ctx, 'VirtualMachineScaleSetVMs.DELETE');
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
      return { status: 200, body: vmInstanceView(ctx.emu, requireVm(ctx, 'VirtualMachineScaleSetVMs.instanceView.GET')) };
    },
  },
];
