import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import type { Json } from '../network/common';
import { connectionsOf } from '../network/private-link-services';
import { timeseries, type Bucket, type MetricQuery, type Row } from './load-balancer-metrics';

/**
 * Private link service metrics: `PLSNatPortsUsage` (percent, Average, split by
 * PrivateLinkServiceIPAddress). Each NAT IP gives the service a fixed pool of ports; the demand is
 * derived from the connections it simulates (PORTS_PERCENT_PER_CONNECTION per Approved connection,
 * in units of one NAT IP's pool) or set by the control API
 * (`PUT /_emulator/metrics/pls-nat-ports {privateLinkServiceId, percent}`, percent of ONE NAT IP's
 * pool; `null` = derived again) and spread evenly over the NAT IPs: adding a NAT IP lowers every
 * IP's usage, as in Azure.
 */
export const PLS_SUPPORTED = ['PLSNatPortsUsage'] as const;
export const PORTS_PERCENT_PER_CONNECTION = 2;
const BAG = 'monitor.plsNatDemand';

export function natDemand(emu: EmulatorRuntime): Record<string, number> {
  return emu.state.bag<Record<string, number>>(BAG, () => ({}));
}

/** `conns`: the service's connections when the caller indexed them (bulk sampling). */
export function plsRows(emu: EmulatorRuntime, pls: StoredResource, conns?: StoredResource[]): Record<string, Row[]> {
  const ips = ((pls.internal.natIps ?? []) as { ip: string }[]).map((n) => n.ip);
  const approved = (conns ?? connectionsOf(emu, pls.id)).filter((c) => ((c.body.properties as Json | undefined)?.privateLinkServiceConnectionState as Json | undefined)?.status === 'Approved').length;
  const demand = natDemand(emu)[pls.id.toLowerCase()] ?? approved * PORTS_PERCENT_PER_CONNECTION;
  const per = ips.length ? Math.min(100, demand / ips.length) : 0;
  return { PLSNatPortsUsage: ips.map((ip) => ({ PrivateLinkServiceIPAddress: ip, value: String(per) }) as Row) };
}

/** `buckets`: the published points of a metric from the sampled history. */
export function privateLinkServiceMetrics(pls: StoredResource, q: MetricQuery, buckets: (name: string) => Bucket[]): Json[] {
  return q.names.map((name) => ({
    id: `${pls.id}/providers/Microsoft.Insights/metrics/${name}`,
    type: 'Microsoft.Insights/metrics',
    name: { value: name, localizedValue: 'NAT Ports Usage' },
    displayDescription: 'Private Link Service NAT ports usage (percent of the ports of each NAT IP)',
    unit: 'Percent',
    timeseries: timeseries(name, q, buckets(name)),
    errorCode: 'Success',
  }));
}
