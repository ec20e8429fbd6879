import { createHash } from 'node:crypto';
import { ArmError } from '../../arm/errors';
import { isObject } from '../../arm/stored-resource';
import type { EmulatorRuntime } from '../../arm/types';
import type { EmulatorProvider } from '../provider';
import { instanceInternal, runningConfig } from './node-health';
import { modelUserData, vmssInternal } from './model';
import { REGION_ZONES_BAG } from './scale-sets';
import { DEFAULT_REGION_ZONES } from './rules';
import { allNodes } from './queries';
import { computeTypes } from './instance-actions';

/**
 * Compute: virtual machine scale sets, their instances and instance views, with simulated node
 * health (the forwarding manifest in customData + target state), and node break/repair for the
 * control API (`POST /_emulator/nodes/break {target, persistent?}`: a persistent fault survives
 * a reimage, as a bad host would; only replacing the instance cures it; `mode: "hung"` also
 * makes the VM agent Not Ready in the instance view).
 */
function findNode(emu: EmulatorRuntime, target: string) {
  const t = target.toLowerCase();
  const node = allNodes(emu).find((vm) => vm.id.toLowerCase() === t || instanceInternal(vm).ip === target || vm.name.toLowerCase() === t);
  if (!node) throw new ArmError(404, 'NodeNotFound', `No scale set instance with id, name or IP "${target}".`);
  return node;
}

/**
 * `GET /_emulator/nodes`: every node with its VMSS-VM id, NIC IP, whether it has the latest model,
 * and the lower-case SHA-256 hex of the config it RUNS (VMSS-2): of the customData base64 text as
 * sent, or of the userData when the scale set's model uses userData; null when it runs none.
 */
function listNodes(emu: EmulatorRuntime) {
  return allNodes(emu).map((vm) => {
    const node = instanceInternal(vm);
    const vmss = emu.state.get(node.vmssId);
    const running = runningConfig(node);
    const config = vmss && modelUserData(vmss) ? running.userData : running.customData;
    return {
      id: vm.id,
      ip: node.ip,
      latestModelApplied: vmss ? node.modelVersion === vmssInternal(vmss).modelVersion : true,
      appliedConfigSha256: config ? createHash('sha256').update(config).digest('hex') : null,
    };
  });
}

/** The topology's `compute.regionZones` ({region: zones}), else the documented defaults. */
function regionZonesOf(topology: { [section: string]: unknown }): Record<string, string[]> {
  const c = topology.compute;
  const rz = isObject(c) && isObject(c.regionZones) ? c.regionZones : undefined;
  if (!rz) return DEFAULT_REGION_ZONES;
  return Object.fromEntries(Object.entries(rz).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.map(String) : []]));
}

export const provider: EmulatorProvider = {
  name: 'compute',
  seedPriority: 30,
  resourceTypes: computeTypes,
  seed(emu, topology) {
    const zones = emu.state.bag<Record<string, string[]>>(REGION_ZONES_BAG, () => ({}));
    for (const k of Object.keys(zones)) delete zones[k];
    Object.assign(zones, regionZonesOf(topology));
  },
  control: [{ method: 'GET', pattern: /^\/nodes$/, handle: (ctx) => ({ status: 200, body: { value: listNodes(ctx.emu) } }) }],
  nodeControl: {
    breakNode(emu, target, options) {
      const node = findNode(emu, target);
      instanceInternal(node).broken = { persistent: options?.persistent === true, since: emu.clock.iso(), mode: options?.mode ?? 'broken' };
      return { status: 200, body: { id: node.id, ip: instanceInternal(node).ip, broken: instanceInternal(node).broken } };
    },
    repairNode(emu, target) {
      const node = findNode(emu, target);
      delete instanceInternal(node).broken;
      return { status: 200, body: { id: node.id, ip: instanceInternal(node).ip, broken: null } };
    },
  },
};
