import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { manifestFromCustomData, type ManifestResult } from './manifest';
import { instanceInternal, nodeProbe, runningConfig, type ProbeVerdict } from './node-health';
import { T_VM, T_VMSS } from './scale-sets';

/**
 * Read-only questions about simulated nodes, for the data path and metrics: which instance holds
 * a NIC IP, what it forwards, whether it answers a probe.
 */
export interface NodeInfo {
  id: string;
  vmssId: string;
  instanceId: string;
  ip: string;
  ipConfigurationId: string;
  running: boolean;
  broken: boolean;
  manifest: ManifestResult;
}

export function nodeInfo(instance: StoredResource): NodeInfo {
  const n = instanceInternal(instance);
  return {
    id: instance.id,
    vmssId: n.vmssId,
    instanceId: n.instanceId,
    ip: n.ip,
    ipConfigurationId: n.ipConfigurationId,
    running: n.power === 'running',
    broken: !!n.broken,
    manifest: manifestFromCustomData(runningConfig(n).customData),
  };
}

export function allNodes(emu: EmulatorRuntime): StoredResource[] {
  return emu.state.list(T_VM);
}

/** The scale set instance whose NIC holds `ip` (optionally only among the given ip configuration ids). */
export function nodeByIp(emu: EmulatorRuntime, ip: string): StoredResource | undefined {
  return allNodes(emu).find((vm) => instanceInternal(vm).ip === ip);
}

/** While set (synchronously, inside `withNodeIndex`), lookups by IP configuration use one index. */
let nodeIndex: Map<string, StoredResource> | undefined;

/** Runs `fn` with every node indexed by IP configuration once (bulk metric sampling: O(n), not O(n^2)). */
export function withNodeIndex<T>(emu: EmulatorRuntime, fn: () => T): T {
  if (nodeIndex) return fn();
  nodeIndex = new Map(allNodes(emu).map((vm) => [instanceInternal(vm).ipConfigurationId.toLowerCase(), vm]));
  try {
    return fn();
  } finally {
    nodeIndex = undefined;
  }
}

export function nodeByIpConfiguration(emu: EmulatorRuntime, ipConfigurationId: string): StoredResource | undefined {
  const k = ipConfigurationId.toLowerCase();
  if (nodeIndex) return nodeIndex.get(k);
  return allNodes(emu).find((vm) => instanceInternal(vm).ipConfigurationId.toLowerCase() === k);
}

export function probeNode(emu: EmulatorRuntime, instance: StoredResource, port: number): ProbeVerdict {
  return nodeProbe(emu, instance, port);
}

export function scaleSets(emu: EmulatorRuntime): StoredResource[] {
  return emu.state.list(T_VMSS);
}
