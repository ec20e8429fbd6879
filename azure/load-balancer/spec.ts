import type { LoadBalancer } from '@azure/arm-network';
import type { HubPlacement } from '../../core/app-settings';
import type { ForwardSpec } from '../../core/forward-spec';
import { forwardNames, forwardTags, probeName, ruleName } from '../../core/names';
import { desiredOrNoChange } from '../resource-service';

/**
 * The forward's internal Standard load balancer: a frontend in the hub subnet, a NIC-based
 * backend pool (a PLS cannot front an IP-based pool), a TCP probe and a rule per port
 * (no floating IP, TCP reset on, idle timeout 4 minutes like Private Link, outbound SNAT off).
 * `desiredLoadBalancer` returns the body to PUT, or 'no-change' when every field we own already
 * matches — fields we do not own (etags, provisioning state, Azure defaults) are not compared.
 */
export const PROBE_INTERVAL_SECONDS = 5;
export const IDLE_TIMEOUT_MINUTES = 4;

export function loadBalancerId(forward: string, p: HubPlacement): string {
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/Microsoft.Network/loadBalancers/${forwardNames(forward).loadBalancer}`;
}

export function buildLoadBalancer(forward: string, spec: ForwardSpec, p: HubPlacement, existing?: LoadBalancer): LoadBalancer {
  const n = forwardNames(forward);
  const id = loadBalancerId(forward, p);
  const feId = `${id}/frontendIPConfigurations/${n.frontend}`;
  const poolId = `${id}/backendAddressPools/${n.backendPool}`;
  // Keep the frontend address a previous write got: consumers' endpoints point at the PLS, but
  // the hub may use the frontend IP directly.
  const currentIp = existing?.frontendIPConfigurations?.find((f) => f.name === n.frontend)?.privateIPAddress;
  return {
    location: p.location,
    sku: { name: 'Standard', tier: 'Regional' },
    tags: forwardTags(forward),
    frontendIPConfigurations: [
      {
        name: n.frontend,
        subnet: { id: p.subnetId },
        ...(currentIp ? { privateIPAddress: currentIp, privateIPAllocationMethod: 'Static' } : { privateIPAllocationMethod: 'Dynamic' }),
      },
    ],
    backendAddressPools: [{ name: n.backendPool }],
    probes: spec.ports.map((m) => ({ name: probeName(m.port), protocol: 'Tcp', port: m.port, intervalInSeconds: PROBE_INTERVAL_SECONDS, numberOfProbes: 2, probeThreshold: 2 })),
    loadBalancingRules: spec.ports.map((m) => ({
      name: ruleName(m.port),
      protocol: 'Tcp',
      frontendPort: m.port,
      backendPort: m.port,
      frontendIPConfiguration: { id: feId },
      backendAddressPool: { id: poolId },
      probe: { id: `${id}/probes/${probeName(m.port)}` },
      enableFloatingIP: false,
      enableTcpReset: true,
      idleTimeoutInMinutes: IDLE_TIMEOUT_MINUTES,
      disableOutboundSnat: true,
      loadDistribution: 'Default',
    })),
  };
}

/** The fields we own, normalised, for comparison. */
function owned(lb: LoadBalancer): unknown {
  const lower = (s?: string) => s?.toLowerCase();
  return {
    sku: lb.sku?.name,
    tags: lb.tags ?? {},
    frontends: (lb.frontendIPConfigurations ?? []).map((f) => ({ name: f.name, subnet: lower(f.subnet?.id) })),
    pools: (lb.backendAddressPools ?? []).map((b) => b.name).sort(),
    probes: (lb.probes ?? [])
      .map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, interval: p.intervalInSeconds }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
    rules: (lb.loadBalancingRules ?? [])
      .map((r) => ({
        name: r.name,
        protocol: r.protocol,
        fp: r.frontendPort,
        bp: r.backendPort,
        fe: lower(r.frontendIPConfiguration?.id),
        pool: lower(r.backendAddressPool?.id),
        probe: lower(r.probe?.id),
        reset: r.enableTcpReset === true,
        idle: r.idleTimeoutInMinutes,
        snatOff: r.disableOutboundSnat === true,
        floating: r.enableFloatingIP === true,
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
  };
}

export function desiredLoadBalancer(forward: string, spec: ForwardSpec, p: HubPlacement, existing?: LoadBalancer): LoadBalancer | 'no-change' {
  // Fields alone do not decide: a Failed one is written again, one being deleted never (whenOwnedFieldsMatch).
  return desiredOrNoChange(buildLoadBalancer(forward, spec, p, existing), existing, owned);
}
