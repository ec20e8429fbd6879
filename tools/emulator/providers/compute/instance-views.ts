import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import type { Json } from '../network/common';
import { automaticRepairsEnabled, healthExtension, vmssInternal } from './model';
import { instanceInternal, nodeProbe } from './node-health';

/**
 * Instance views, shaped like the published examples: per instance (power and provisioning
 * state, agent, disks, the health extension and `vmHealth`) and per scale set (summaries by
 * status code, orchestration services).
 */
export function status(code: string, displayStatus: string, level = 'Info', time?: string): Json {
  return { code, level, displayStatus, ...(time ? { time } : {}) };
}

/** Whether an instance is mid-reimage/update at emulated time (clock.ts). */
export function isBusy(emu: EmulatorRuntime, vm: StoredResource): boolean {
  const until = instanceInternal(vm).busyUntil;
  return !!until && until > emu.clock.now();
}

const POWER: Record<string, [string, string]> = {
  running: ['PowerState/running', 'VM running'],
  stopped: ['PowerState/stopped', 'VM stopped'],
  deallocated: ['PowerState/deallocated', 'VM deallocated'],
};

/** HealthState/healthy or /unhealthy per the Application Health extension, or undefined without one. */
export function vmHealthCode(emu: EmulatorRuntime, vm: StoredResource): string | undefined {
  const vmss = emu.state.get(instanceInternal(vm).vmssId);
  const health = vmss ? healthExtension(vmss) : undefined;
  if (!health) return undefined;
  return nodeProbe(emu, vm, health.port).ok ? 'HealthState/healthy' : 'HealthState/unhealthy';
}

export function vmInstanceView(emu: EmulatorRuntime, vm: StoredResource): Json {
  const node = instanceInternal(vm);
  const vmss = emu.state.get(node.vmssId);
  const health = vmss ? healthExtension(vmss) : undefined;
  const [powerCode, powerText] = POWER[node.power] ?? POWER.running;
  const view: Json = {
    platformUpdateDomain: Number(node.instanceId) % 5,
    platformFaultDomain: Number(node.instanceId) % 2,
    computerName: ((vm.body.properties as Json).osProfile as Json).computerName,
    osName: 'ubuntu',
    osVersion: '24.04',
    vmAgent: {
      vmAgentVersion: '2.12.0.2',
      statuses: [node.power === 'running' && node.broken?.mode !== 'hung' ? status('ProvisioningState/succeeded', 'Ready', 'Info', vm.updatedAt) : status('ProvisioningState/Unavailable', 'Not Ready', 'Warning')],
      extensionHandlers: health ? [{ type: health.type, typeHandlerVersion: health.typeHandlerVersion, status: status('ProvisioningState/succeeded', 'Ready') }] : [],
    },
    disks: [{ name: `${vm.name}_OsDisk`, statuses: [status('ProvisioningState/succeeded', 'Provisioning succeeded', 'Info', vm.createdAt)] }],
    statuses: [isBusy(emu, vm) ? status('ProvisioningState/updating', 'Updating') : status('ProvisioningState/succeeded', 'Provisioning succeeded', 'Info', vm.updatedAt), status(powerCode, powerText)],
  };
  if (health) {
    const healthy = vmHealthCode(emu, vm) === 'HealthState/healthy';
    view.vmHealth = { status: healthy ? status('HealthState/healthy', 'The VM is healthy') : status('HealthState/unhealthy', 'The VM is unhealthy', 'Warning') };
    view.extensions = [{ name: health.name, type: health.type, typeHandlerVersion: health.typeHandlerVersion, statuses: [status('ProvisioningState/succeeded', 'Provisioning succeeded')] }];
  }
  return view;
}

function summary(codes: string[]): Json[] {
  const counts = new Map<string, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([code, count]) => ({ code, count }));
}

export function scaleSetInstanceView(emu: EmulatorRuntime, vmss: StoredResource, vms: StoredResource[]): Json {
  const health = healthExtension(vmss);
  const repairs = automaticRepairsEnabled(vmss);
  return {
    virtualMachine: {
      statusesSummary: summary([
        ...vms.map((vm) => (isBusy(emu, vm) ? 'ProvisioningState/updating' : 'ProvisioningState/succeeded')),
        ...vms.map((vm) => (POWER[instanceInternal(vm).power] ?? POWER.running)[0]),
      ]),
    },
    ...(health ? { extensions: [{ name: health.name, statusesSummary: summary(vms.map((vm) => vmHealthCode(emu, vm)!)) }] } : {}),
    statuses: [status('ProvisioningState/succeeded', 'Provisioning succeeded')],
    orchestrationServices: repairs
      ? [{ serviceName: 'AutomaticRepairs', serviceState: vmssInternal(vmss).repairsSuspended ? 'Suspended' : 'Running' }]
      : [],
  };
}
