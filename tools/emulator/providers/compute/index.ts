import { ArmError } from '../../arm/errors';
import type { EmulatorRuntime } from '../../arm/types';
import type { EmulatorProvider } from '../provider';
import { instanceInternal } from './node-health';
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

export const provider: EmulatorProvider = {
  name: 'compute',
  seedPriority: 30,
  resourceTypes: computeTypes,
  nodeControl: {
    breakNode(emu, target, options) {
      const node = findNode(emu, target);
      instanceInternal(node).broken = { persistent: options?.persistent === true, since: new Date().toISOString(), mode: options?.mode ?? 'broken' };
      return { status: 200, body: { id: node.id, ip: instanceInternal(node).ip, broken: instanceInternal(node).broken } };
    },
    repairNode(emu, target) {
      const node = findNode(emu, target);
      delete instanceInternal(node).broken;
      return { status: 200, body: { id: node.id, ip: instanceInternal(node).ip, broken: null } };
    },
  },
};
