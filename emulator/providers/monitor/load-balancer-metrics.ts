import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { nodeByIpConfiguration, probeNode } from '../compute/queries';
import { backendPoolMembers, props, refId, type Json } from '../network/common';

/**
 * Load balancer metrics computed from the simulated data path at 1-minute grain:
 *  - DipAvailability (health probe status, 0-100) per backend IP: 100 when the backend instance
 *    answers the LB probe of the rules that carry it (the forwarding manifest maps the probe port
 *    to a target that is up), else 0 — split by BackendIPAddress when the filter asks for it;
 *  - VipAvailability (data path availability) per frontend: 100 when at least one backend of a
 *    rule on that frontend passes its probe.
 * The simulation has no history: every point of the requested span carries the current value.
 */
export const SUPPORTED = ['DipAvailability', 'VipAvailability'] as const;

interface Backend {
  ip: string;
  up: boolean;
}

function probePortsOfPool(lb: StoredResource, poolId: string): number[] {
  const probes = (props(lb).probes as Json[]) ?? [];
  const ports = new Set<number>();
  for (const rule of (props(lb).loadBalancingRules as Json[]) ?? []) {
    const p = (rule.properties ?? {}) as Json;
    const pool = refId(p.backendAddressPool) ?? refId((p.backendAddressPools as Json[] | undefined)?.[0]);
    if (pool?.toLowerCase() !== poolId.toLowerCase()) continue;
    const probeId = refId(p.probe);
    const probe = probes.find((x) => probeId && `${lb.id}/probes/${String(x.name)}`.toLowerCase() === probeId.toLowerCase());
    ports.add(Number(((probe?.properties ?? {}) as Json).port ?? p.backendPort));
  }
  return [...ports];
}

export function backendsOf(emu: EmulatorRuntime, lb: StoredResource): Backend[] {
  const out: Backend[] = [];
  for (const pool of (props(lb).backendAddressPools as Json[]) ?? []) {
    const poolId = `${lb.id}/backendAddressPools/${String(pool.name)}`;
    const ports = probePortsOfPool(lb, poolId);
    for (const member of backendPoolMembers(emu, poolId)) {
      const node = nodeByIpConfiguration(emu, member.ipConfigurationId);
      const up = !!node && ports.length > 0 && ports.every((port) => probeNode(emu, node, port).ok);
      if (!out.some((b) => b.ip === member.ip)) out.push({ ip: member.ip, up });
    }
  }
  return out.sort((a, b) => a.ip.localeCompare(b.ip, undefined, { numeric: true }));
}

export interface MetricQuery {
  names: string[];
  start: Date;
  end: Date;
  /** Grain in minutes (PT1M = 1). */
  grainMinutes: number;
  /** Dimension filter: BackendIPAddress / FrontendIPAddress values, '*' = split by every value. */
  filter?: { dimension: string; values: string[] };
}

function points(q: MetricQuery, value: number): Json[] {
  const out: Json[] = [];
  const step = q.grainMinutes * 60_000;
  const first = Math.floor(q.start.getTime() / step) * step;
  for (let t = first; t < q.end.getTime() && out.length < 1440; t += step) out.push({ timeStamp: new Date(t).toISOString().replace('.000Z', 'Z'), average: value });
  return out;
}

function series(q: MetricQuery, values: { dim?: { name: string; value: string }; value: number }[]): Json[] {
  return values.map((v) => ({
    metadatavalues: v.dim ? [{ name: { value: v.dim.name.toLowerCase(), localizedValue: v.dim.name.toLowerCase() }, value: v.dim.value }] : [],
    data: points(q, v.value),
  }));
}

export function loadBalancerMetrics(emu: EmulatorRuntime, lb: StoredResource, q: MetricQuery): Json[] {
  const backends = backendsOf(emu, lb);
  const avg = (xs: Backend[]) => (xs.length ? (100 * xs.filter((b) => b.up).length) / xs.length : 0);
  return q.names.map((name) => {
    let ts: Json[];
    if (name === 'DipAvailability') {
      const split = q.filter?.dimension.toLowerCase() === 'backendipaddress';
      const chosen = split && !q.filter!.values.includes('*') ? backends.filter((b) => q.filter!.values.includes(b.ip)) : backends;
      ts = split ? series(q, chosen.map((b) => ({ dim: { name: 'BackendIPAddress', value: b.ip }, value: b.up ? 100 : 0 }))) : series(q, [{ value: avg(chosen) }]);
    } else {
      const frontends = ((props(lb).frontendIPConfigurations as Json[]) ?? []).map((f) => String(((f.properties ?? {}) as Json).privateIPAddress ?? ''));
      const value = backends.some((b) => b.up) ? 100 : 0;
      const split = q.filter?.dimension.toLowerCase() === 'frontendipaddress';
      ts = split ? series(q, frontends.map((ip) => ({ dim: { name: 'FrontendIPAddress', value: ip }, value }))) : series(q, [{ value }]);
    }
    return {
      id: `${lb.id}/providers/Microsoft.Insights/metrics/${name}`,
      type: 'Microsoft.Insights/metrics',
      name: { value: name, localizedValue: name === 'DipAvailability' ? 'Health Probe Status' : 'Data Path Availability' },
      displayDescription: name === 'DipAvailability' ? 'Average Load Balancer health probe status per time duration' : 'Average Load Balancer data path availability per time duration',
      unit: 'Count',
      timeseries: ts,
      errorCode: 'Success',
    };
  });
}
