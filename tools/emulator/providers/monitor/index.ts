import { ArmError } from '../../arm/errors';
import { METRICS_BATCH_TYPE } from '../../arm/api-versions';
import { parseResourceId } from '../../arm/resource-path';
import type { EmulatorProvider } from '../provider';
import { clockDriven, grainMs, recordedBuckets, sample, startSampler } from './history';
import { availabilityRows, loadBalancerMetrics } from './load-balancer-metrics';
import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import type { MetricQuery } from './load-balancer-metrics';
import { parseMetricQuery } from './query';
import { withNodeIndex } from '../compute/queries';
import { natDemand, PLS_SUPPORTED, plsRows, privateLinkServiceMetrics } from './pls-metrics';
import { invalidParameters } from '../../arm/errors';

/**
 * Azure Monitor metrics for load balancers: the single-resource API
 * (`GET {resourceId}/providers/Microsoft.Insights/metrics`) and the batch API
 * (`POST /subscriptions/{sub}/metrics:getBatch`, at most 50 resource ids of one subscription,
 * region and type, as Azure enforces). Values come from the simulated data path.
 */
const LB_TYPE = 'microsoft.network/loadbalancers';
const PLS_TYPE = 'microsoft.network/privatelinkservices';
const MAX_BATCH = 50;
const samplers = new Map<EmulatorRuntime, () => void>();

/** Samples now (the current, unpublished grain; not while a test drives the clock), then serves the published points of the history. */
function metricsOf(emu: EmulatorRuntime, lb: StoredResource, q: MetricQuery) {
  const sampleNow = !clockDriven(emu);
  if (lb.type.toLowerCase() === PLS_TYPE) {
    if (sampleNow) sample(emu, lb.id, plsRows(emu, lb));
    return privateLinkServiceMetrics(lb, q, (name: string) => recordedBuckets(emu, lb.id, name, q));
  }
  if (sampleNow) sample(emu, lb.id, availabilityRows(emu, lb));
  return loadBalancerMetrics(lb, q, (name: string) => recordedBuckets(emu, lb.id, name, q));
}

/** The interval a response states: the history's grain (PT1M by default, the run-time grain when set). */
function intervalOf(emu: EmulatorRuntime): string {
  const s = grainMs(emu) / 1000;
  return s % 60 === 0 ? `PT${s / 60}M` : `PT${s}S`;
}

export const provider: EmulatorProvider = {
  name: 'monitor',
  seed(emu) {
    if (!samplers.has(emu)) samplers.set(emu, startSampler(emu));
  },
  stop() {
    for (const stop of samplers.values()) stop();
    samplers.clear();
  },
  control: [
    {
      method: 'PUT',
      pattern: /^\/metrics\/pls-nat-ports$/,
      handle(ctx) {
        const b = (ctx.body ?? {}) as { privateLinkServiceId?: unknown; percent?: unknown };
        const problems: string[] = [];
        if (typeof b.privateLinkServiceId !== 'string' || !ctx.emu.state.get(b.privateLinkServiceId)) problems.push('privateLinkServiceId must name an existing private link service.');
        if (b.percent !== null && !(typeof b.percent === 'number' && b.percent >= 0 && b.percent <= 800)) problems.push('percent must be a number 0-800 (demand in percent of one NAT IP\'s ports), or null to derive it from the connections again.');
        if (problems.length) throw invalidParameters(problems);
        const key = (b.privateLinkServiceId as string).toLowerCase();
        if (b.percent === null) delete natDemand(ctx.emu)[key];
        else natDemand(ctx.emu)[key] = b.percent as number;
        return { status: 200, body: { privateLinkServiceId: b.privateLinkServiceId, percent: natDemand(ctx.emu)[key] ?? null } };
      },
    },
  ],
  resourceTypes: [
    {
      type: 'Microsoft.Insights/metrics',
      list(ctx) {
        const scope = ctx.req.path.scope?.id;
        const lb = scope ? ctx.emu.state.get(scope) : undefined;
        if (!lb) throw new ArmError(404, 'ResourceNotFound', `The resource ${scope ?? '(none)'} was not found.`);
        const isPls = lb.type.toLowerCase() === PLS_TYPE;
        if (lb.type.toLowerCase() !== LB_TYPE && !isPls) throw new ArmError(400, 'BadRequest', `Metrics for ${lb.type} are not simulated by the emulator (load balancers and private link services only).`);
        const q = isPls ? parseMetricQuery(ctx.req.url.searchParams, 'single', PLS_SUPPORTED, 'privateLinkServices', ctx.emu.clock.now()) : parseMetricQuery(ctx.req.url.searchParams, 'single', undefined, undefined, ctx.emu.clock.now());
        return {
          status: 200,
          body: {
            cost: 0,
            timespan: `${q.start.toISOString()}/${q.end.toISOString()}`,
            interval: intervalOf(ctx.emu),
            value: metricsOf(ctx.emu, lb, q),
            namespace: isPls ? 'Microsoft.Network/privateLinkServices' : 'Microsoft.Network/loadBalancers',
            resourceregion: String(lb.body.location),
          },
        };
      },
    },
  ],
  routes: [
    {
      method: 'POST',
      pattern: /^\/subscriptions\/([^/]+)\/metrics:getBatch$/i,
      // Fault rules and the request log name the batch API `Microsoft.Insights/metrics`.
      resourceType: 'Microsoft.Insights/metrics',
      // Its api-versions are the batch spec's, not ARM metrics' (arm/api-versions.ts).
      apiVersionType: METRICS_BATCH_TYPE,
      handle(ctx) {
        const sub = ctx.match[1].toLowerCase();
        const ids = (ctx.body as { resourceids?: unknown } | undefined)?.resourceids;
        const problems: string[] = [];
        if (!Array.isArray(ids) || ids.length === 0 || ids.some((x) => typeof x !== 'string')) problems.push('The body must be {"resourceids": [...]} with at least one resource id.');
        else if (ids.length > MAX_BATCH) problems.push(`At most ${MAX_BATCH} resource ids per batch request; got ${ids.length}.`);
        const namespace = (ctx.url.searchParams.get('metricnamespace') ?? '').toLowerCase();
        if (namespace !== LB_TYPE && namespace !== PLS_TYPE) problems.push(`metricnamespace ${namespace || '(missing)'} is not simulated (Microsoft.Network/loadBalancers and Microsoft.Network/privateLinkServices only).`);
        const resources = Array.isArray(ids) ? (ids as string[]).map((id) => ({ id, parsed: parseResourceId(id), stored: ctx.emu.state.get(id) })) : [];
        for (const r of resources) {
          if (!r.parsed || r.parsed.subscriptionId.toLowerCase() !== sub) problems.push(`${r.id} is not in subscription ${ctx.match[1]}: all resources of a batch must be.`);
          else if (!r.id.toLowerCase().includes(`/providers/${namespace}/`)) problems.push(`${r.id} is not of type ${namespace}: all resources of a batch must be of the metric namespace's type.`);
        }
        const regions = new Set(resources.filter((r) => r.stored).map((r) => String(r.stored!.body.location).toLowerCase()));
        if (regions.size > 1) problems.push(`All resources of a batch must be in one region; got ${[...regions].join(', ')}.`);
        if (problems.length) throw new ArmError(400, 'BadRequest', problems.join(' '));
        const q = namespace === PLS_TYPE ? parseMetricQuery(ctx.url.searchParams, 'batch', PLS_SUPPORTED, 'privateLinkServices', ctx.emu.clock.now()) : parseMetricQuery(ctx.url.searchParams, 'batch', undefined, undefined, ctx.emu.clock.now());
        return withNodeIndex(ctx.emu, () => ({
          status: 200,
          body: {
            values: resources.map((r) => ({
              starttime: q.start.toISOString(),
              endtime: q.end.toISOString(),
              interval: intervalOf(ctx.emu),
              namespace: namespace === PLS_TYPE ? 'Microsoft.Network/privateLinkServices' : 'Microsoft.Network/loadBalancers',
              resourceregion: String(r.stored?.body.location ?? ''),
              resourceid: r.id,
              value: r.stored ? metricsOf(ctx.emu, r.stored, q) : [],
              ...(r.stored ? {} : { error: { code: 'ResourceNotFound', message: `The resource ${r.id} was not found.` } }),
            })),
          },
        }));
      },
    },
  ],
};
