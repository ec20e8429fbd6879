import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { manifestFromCustomData } from './manifest';

/**
 * Whether a simulated forwarder node answers a TCP probe on `port`: it must be running, not
 * broken and not being reimaged, and its manifest must map the port to at least one target that
 * is up and listening on the target port — exactly what the real node's DNAT does when the LB
 * probe (or the Application Health extension's local probe) connects.
 */
export interface ProbeVerdict {
  ok: boolean;
  reason: string;
  /** Targets that would take a connection on this port. */
  reachableTargets: string[];
}

export interface InstanceInternal {
  vmssId: string;
  instanceId: string;
  ip: string;
  nicId: string;
  ipConfigurationId: string;
  /** LB backend pools the instance's NIC sits in (from the model it was created or upgraded with). */
  pools?: string[];
  modelVersion: number;
  /** The instance's model: customData / userData of the model version it was created or last upgraded with. */
  customData?: string;
  userData?: string;
  /**
   * What the node RUNS: the config it last booted with (create, reimage; a replace is a create).
   * cloud-init applies customData once per instance, at provisioning, and again only when the OS
   * disk is reimaged; `manualupgrade` changes the instance model (latestModelApplied) but not this
   * (Learn, "Custom data and cloud-init on Azure VMs": existing instances get updated custom data
   * only once updated to the latest model AND reimaged). VMSS-2.
   */
  booted?: { customData?: string; userData?: string };
  power: 'running' | 'stopped' | 'deallocated';
  /** `hung`: the VM agent stops answering too (instance view: Not Ready), as a hung VM shows. */
  broken?: { persistent: boolean; since: string; mode?: 'broken' | 'hung' };
  busyUntil?: number;
}

export function instanceInternal(instance: StoredResource): InstanceInternal {
  return instance.internal as unknown as InstanceInternal;
}

/** The config the node runs (a node saved before `booted` existed runs its model's customData). */
export function runningConfig(node: InstanceInternal): { customData?: string; userData?: string } {
  return node.booted ?? (node.customData ? { customData: node.customData } : {});
}

/** The config the node boots with now (create, reimage): its instance model's. */
export function bootConfig(node: Pick<InstanceInternal, 'customData' | 'userData'>): { customData?: string; userData?: string } {
  return { ...(node.customData ? { customData: node.customData } : {}), ...(node.userData ? { userData: node.userData } : {}) };
}

export function nodeProbe(emu: EmulatorRuntime, instance: StoredResource, port: number): ProbeVerdict {
  const node = instanceInternal(instance);
  const none = (reason: string): ProbeVerdict => ({ ok: false, reason, reachableTargets: [] });
  if (node.power !== 'running') return none(`instance ${node.instanceId} is not running (${node.power})`);
  if (node.broken) return none(`instance ${node.instanceId} is broken (since ${node.broken.since})`);
  if (node.busyUntil && node.busyUntil > emu.clock.now()) return none(`instance ${node.instanceId} is being reimaged or updated`);
  const m = manifestFromCustomData(runningConfig(node).customData);
  if (!m.ok) return none(`instance ${node.instanceId} forwards nothing: ${m.reason}`);
  const mapping = m.manifest.ports.find((p) => p.port === port);
  if (!mapping) return none(`instance ${node.instanceId}'s manifest does not forward port ${port}`);
  const reachable = m.manifest.targets.filter((ip) => {
    const t = emu.state.targets.get(ip);
    return t?.up === true && t.openPorts.includes(mapping.targetPort);
  });
  if (!reachable.length) {
    const why = m.manifest.targets
      .map((ip) => {
        const t = emu.state.targets.get(ip);
        return !t ? `${ip} unknown` : !t.up ? `${ip} down` : `${ip} not listening on ${mapping.targetPort}`;
      })
      .join(', ');
    return none(`no target of instance ${node.instanceId} accepts port ${mapping.targetPort} (${why})`);
  }
  return { ok: true, reason: `port ${port} -> ${reachable.join(', ')}:${mapping.targetPort}`, reachableTargets: reachable };
}
