import { AZURE_PROBE_SOURCE, type DataPlaneView } from '../../dataplane';
import type { ForwardSpec } from '../../core/forward-spec';

/**
 * The data-plane view a forwarder node of this forward runs: the spec's ports and targets, the
 * Private Link Service NAT subnet plus the LB probe source as the only allowed sources, health on
 * the first port. SSH to nodes is allowed only from `sshSources` (none by default).
 */
export function dataPlaneViewOf(name: string, spec: ForwardSpec, natSubnetPrefix: string, sshSources: string[] = []): DataPlaneView {
  return {
    forward: name,
    ports: spec.ports.map((p) => ({ port: p.port, targetPort: p.targetPort })),
    targets: [...spec.targets],
    allowedSources: [natSubnetPrefix, AZURE_PROBE_SOURCE],
    ...(sshSources.length ? { sshSources } : {}),
    healthPort: spec.ports[0].port,
    agent: { ...spec.agent },
  };
}
