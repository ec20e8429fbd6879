import { ArmError } from '../../arm/errors';
import type { MetricQuery } from './load-balancer-metrics';
import { AGGREGATIONS, checkDimensions, SUPPORTED, type Aggregation } from './load-balancer-metrics';

/** At most this many metric names per batch call (AZURE-RULES.md MON-4). */
export const MAX_BATCH_METRICS = 20;
/**
 * The time grains Azure Monitor keeps platform metrics at (Learn "Supported metrics", Time Grains
 * column: PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, P1D; MON-6). Another interval is 400.
 */
export const INTERVALS: Record<string, number> = { PT1M: 1, PT5M: 5, PT15M: 15, PT30M: 30, PT1H: 60, PT6H: 360, PT12H: 720, P1D: 1440 };

/** Parses the metrics query parameters both APIs share; 400 BadRequest naming every problem. */
export function parseMetricQuery(params: URLSearchParams, style: 'single' | 'batch', supported: readonly string[] = SUPPORTED, resourceType = 'loadBalancers', now: number): MetricQuery {
  const problems: string[] = [];
  const names = (params.get('metricnames') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) problems.push('metricnames is required.');
  if (style === 'batch' && names.length > MAX_BATCH_METRICS) problems.push(`At most ${MAX_BATCH_METRICS} metric names per batch request; got ${names.length}.`);
  const unknown = names.filter((n) => !supported.includes(n));
  if (unknown.length) problems.push(`Failed to find metric configuration for provider: Microsoft.Network, resource type: ${resourceType}, metric: ${unknown.join(', ')}. Valid metrics: ${supported.join(', ')}.`);
  let start: Date;
  let end: Date;
  if (style === 'single') {
    const span = params.get('timespan');
    [start, end] = span ? span.split('/').map((s) => new Date(s)) as [Date, Date] : [new Date(now - 3600_000), new Date(now)];
  } else {
    end = params.get('endtime') ? new Date(params.get('endtime')!) : new Date(now);
    start = params.get('starttime') ? new Date(params.get('starttime')!) : new Date(end.getTime() - 3600_000);
  }
  if (Number.isNaN(start!.getTime()) || Number.isNaN(end!.getTime()) || start! >= end!) problems.push('The time range is invalid: start must be before end (ISO 8601).');
  const interval = (params.get('interval') ?? 'PT1M').toUpperCase();
  if (!(interval in INTERVALS)) problems.push(`Invalid time grain ${interval}: supported are ${Object.keys(INTERVALS).join(', ')}.`);
  const grainMinutes = INTERVALS[interval] ?? 1;
  const rawFilter = params.get('$filter') ?? params.get('filter');
  let filter: MetricQuery['filter'];
  if (rawFilter) {
    // "A eq 'x' [or A eq 'y'] [and B eq '*' ...]": each and-clause is one dimension.
    const clauses = rawFilter.split(/\s+and\s+/i).map((part) => {
      const eqs = part.replace(/^\s*\(|\)\s*$/g, '').split(/\s+or\s+/i).map((c) => /^\s*(\w+)\s+eq\s+'([^']*)'\s*$/i.exec(c));
      if (eqs.some((c) => !c) || new Set(eqs.map((c) => c![1].toLowerCase())).size !== 1) return undefined;
      return { dimension: eqs[0]![1], values: eqs.map((c) => c![2]) };
    });
    if (clauses.some((c) => !c)) problems.push(`The filter "${rawFilter}" is not supported by the emulator (use "Dimension eq 'value' [or Dimension eq 'other'] [and Other eq '*']").`);
    else filter = clauses as NonNullable<MetricQuery['filter']>;
  }
  const aggregations = (params.get('aggregation') ?? 'average').split(',').map((a) => a.trim().toLowerCase()).filter(Boolean);
  const badAggregations = aggregations.filter((a) => !(AGGREGATIONS as readonly string[]).includes(a));
  if (badAggregations.length) problems.push(`aggregation ${badAggregations.join(', ')} is not valid (${AGGREGATIONS.join(', ')}).`);
  if (problems.length) throw new ArmError(400, 'BadRequest', problems.join(' '));
  const q: MetricQuery = { names, start: start!, end: end!, grainMinutes, aggregations: aggregations as Aggregation[], ...(filter ? { filter } : {}) };
  checkDimensions(q);
  return q;
}
