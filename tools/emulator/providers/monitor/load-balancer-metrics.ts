import { ArmError } from '../../arm/errors';
import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { nodeByIpConfiguration, probeNode } from '../compute/queries';
import { backendPoolMembers, props, refId, type Json } from '../network/common';
import { frontendIp } from '../network/load-balancers';

/**
 * Load balancer metrics computed from the simulated data path at the requested grain, the way
 * Azure Monitor stores them: one value per dimension combination, averaged over the dimensions a
 * query does not split by.
 *  - DipAvailability (health probe status, 0-100): per rule and backend instance, 100 when the
 *    instance answers the rule's probe (the forwarding manifest maps the probe port to a target that
 *    is up), else 0. Dimensions FrontendIPAddress, FrontendPort, BackendIPAddress, BackendPort,
 *    ProtocolType. Split by BackendIPAddress, a node serving two rules and failing one reads 50.
 *  - VipAvailability (data path availability): per rule, 100 when any backend passes its probe.
 *    Dimensions FrontendIPAddress, FrontendPort, ProtocolType.
 * Points come from the sampled history (history.ts): published grains only, gaps without values.
 */
export const SUPPORTED = ['DipAvailability', 'VipAvailability'] as const;

const DIMENSIONS: Record<string, string[]> = {
  DipAvailability: ['FrontendIPAddress', 'FrontendPort', 'BackendIPAddress', 'BackendPort', 'ProtocolType'],
  VipAvailability: ['FrontendIPAddress', 'FrontendPort', 'ProtocolType'],
  PLSNatPortsUsage: ['PrivateLinkServiceIPAddress'],
};

export interface MetricQuery {
  names: string[];
  start: Date;
  end: Date;
  /** Grain in minutes (PT1M = 1). */
  grainMinutes: number;
  /** Dimension filter clauses (joined by `and`): values per dimension, '*' = split by every value. */
  filter?: { dimension: string; values: string[] }[];
  /** Aggregations to return per point (default average). */
  aggregations?: Aggregation[];
}

export const AGGREGATIONS = ['average', 'minimum', 'maximum', 'total', 'count'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export type Row = Record<string, string> & { value: string };

interface RuleView {
  frontendIp: string;
  frontendPort: string;
  backendPort: string;
  protocol: string;
  probePort: number;
  poolId?: string;
}

function rulesOf(lb: StoredResource): RuleView[] {
  const probes = (props(lb).probes as Json[]) ?? [];
  return ((props(lb).loadBalancingRules as Json[]) ?? []).map((rule) => {
    const p = (rule.properties ?? {}) as Json;
    const feName = refId(p.frontendIPConfiguration)?.split('/').pop() ?? '';
    const probeId = refId(p.probe)?.toLowerCase();
    const probe = probes.find((x) => `${lb.id}/probes/${String(x.name)}`.toLowerCase() === probeId);
    return {
      frontendIp: frontendIp(lb, feName) ?? '',
      frontendPort: String(p.frontendPort),
      backendPort: String(p.backendPort ?? p.frontendPort),
      protocol: String(p.protocol ?? 'Tcp'),
      probePort: Number(((probe?.properties ?? {}) as Json).port ?? p.backendPort),
      poolId: refId(p.backendAddressPool) ?? refId((p.backendAddressPools as Json[] | undefined)?.[0]),
    };
  });
}

/** Every backend instance of every rule with its probe verdict (the DipAvailability rows). */
export function dipRows(emu: EmulatorRuntime, lb: StoredResource): Row[] {
  const rows: Row[] = [];
  for (const r of rulesOf(lb)) {
    for (const member of r.poolId ? backendPoolMembers(emu, r.poolId) : []) {
      const node = nodeByIpConfiguration(emu, member.ipConfigurationId);
      const up = !!node && probeNode(emu, node, r.probePort).ok;
      rows.push({ FrontendIPAddress: r.frontendIp, FrontendPort: r.frontendPort, BackendIPAddress: member.ip, BackendPort: r.backendPort, ProtocolType: r.protocol, value: up ? '100' : '0' });
    }
  }
  return rows;
}

function vipRows(dips: Row[], lb: StoredResource): Row[] {
  return rulesOf(lb).map((r) => {
    const mine = dips.filter((d) => d.FrontendIPAddress === r.frontendIp && d.FrontendPort === r.frontendPort && d.ProtocolType === r.protocol);
    return { FrontendIPAddress: r.frontendIp, FrontendPort: r.frontendPort, ProtocolType: r.protocol, value: mine.some((d) => d.value === '100') ? '100' : '0' };
  });
}

/** The requested aggregations over the samples of one point (none: a point without values). */
function aggregate(q: MetricQuery, values: number[]): Json {
  if (!values.length) return {};
  const agg: Record<Aggregation, number> = {
    average: values.reduce((a, b) => a + b, 0) / values.length,
    minimum: Math.min(...values),
    maximum: Math.max(...values),
    total: values.reduce((a, b) => a + b, 0),
    count: values.length,
  };
  return Object.fromEntries((q.aggregations ?? ['average']).map((a) => [a, agg[a]]));
}

/** Rows of one time point (from the sampled history); no rows = a point without values. */
export interface Bucket {
  time: number;
  rows: Row[];
}

const stamp = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

/** Filters rows by the query's clauses and aggregates them per point and combination of the split dimensions. */
export function timeseries(name: string, q: MetricQuery, buckets: Bucket[]): Json[] {
  const clauses = (q.filter ?? []).map((c) => ({ ...c, dimension: DIMENSIONS[name].find((d) => d.toLowerCase() === c.dimension.toLowerCase())! }));
  const keep = (r: Row) => clauses.every((c) => c.values.includes('*') || c.values.some((v) => v.toLowerCase() === r[c.dimension].toLowerCase()));
  const keyOf = (r: Row) => JSON.stringify(clauses.map((c) => r[c.dimension]));
  const keys = new Set<string>();
  for (const b of buckets) for (const r of b.rows) if (keep(r)) keys.add(keyOf(r));
  const data = (key: string | undefined) => buckets.map((b) => ({ timeStamp: stamp(b.time), ...aggregate(q, b.rows.filter((r) => keep(r) && (key === undefined || keyOf(r) === key)).map((r) => Number(r.value))) }));
  if (!clauses.length) return [{ metadatavalues: [], data: data(undefined) }];
  return [...keys]
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .map((key) => ({
      metadatavalues: (JSON.parse(key) as string[]).map((value, i) => ({ name: { value: clauses[i].dimension.toLowerCase(), localizedValue: clauses[i].dimension.toLowerCase() }, value })),
      data: data(key),
    }));
}

/** 400 naming every dimension a metric does not have (Azure refuses such filters). */
export function checkDimensions(q: MetricQuery): void {
  const problems: string[] = [];
  for (const name of q.names) {
    for (const c of q.filter ?? []) {
      if (!DIMENSIONS[name]?.some((d) => d.toLowerCase() === c.dimension.toLowerCase())) problems.push(`Metric ${name} has no dimension ${c.dimension} (it has ${DIMENSIONS[name]?.join(', ')}).`);
    }
  }
  if (problems.length) throw new ArmError(400, 'BadRequest', problems.join(' '));
}

/** `buckets`: the published points of a metric from the sampled history. */
export function loadBalancerMetrics(lb: StoredResource, q: MetricQuery, buckets: (name: string) => Bucket[]): Json[] {
  return q.names.map((name) => {
    return {
      id: `${lb.id}/providers/Microsoft.Insights/metrics/${name}`,
      type: 'Microsoft.Insights/metrics',
      name: { value: name, localizedValue: name === 'DipAvailability' ? 'Health Probe Status' : 'Data Path Availability' },
      displayDescription: name === 'DipAvailability' ? 'Average Load Balancer health probe status per time duration' : 'Average Load Balancer data path availability per time duration',
      unit: 'Count',
      timeseries: timeseries(name, q, buckets(name)),
      errorCode: 'Success',
    };
  });
}

/** VipAvailability rows from DipAvailability rows (for the history sampler). */
export function availabilityRows(emu: EmulatorRuntime, lb: StoredResource): Record<string, Row[]> {
  const dips = dipRows(emu, lb);
  return { DipAvailability: dips, VipAvailability: vipRows(dips, lb) };
}
