import { requestCountPolicy } from '../request-count';
import * as fs from 'node:fs';
import { MetricsClient } from '@azure/monitor-query-metrics';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { armTarget, metricsEndpointFor, type Env, type HealthSettings } from '../../core/app-settings';
import type { MetricPoint } from '../../core/health';
import { classify } from '../errors';
import { EmulatorCredential } from '../client-factory';
import { parseResourceId } from '../resource-id';

/**
 * Azure Monitor metrics through the batch API (`MetricsClient.queryResources`,
 * `POST https://{region}.metrics.monitor.azure.com/subscriptions/{sub}/metrics:getBatch`): ids are
 * grouped by subscription and region and sent at most 50 per call, as Azure requires. The
 * endpoint is derived from the region unless PLF_METRICS_ENDPOINT overrides it (locally: the
 * emulator, trusted through PLF_ARM_CA_FILE). No SDK retries: the next sweep is the retry, and a
 * failed call marks its resources unavailable (never "broken").
 */
export const MAX_IDS_PER_CALL = 50;

export interface MetricTarget {
  /** The resource whose metric is read (a load balancer, a private link service). */
  resourceId: string;
  region: string;
}

/**
 * Per resource: points per dimension value, or why they could not be read. A point Azure has no
 * value for (a gap, or a grain not yet published) comes back without `value`, never as 0.
 */
export type MetricRead =
  | { ok: true; byDimension: Record<string, MetricPoint[]> }
  | { ok: false; code: string; message: string };

export interface BatchQuery {
  metric: string;
  namespace: string;
  /** The dimension to split by (`Dim eq '*'`). */
  splitBy: string;
  start: Date;
  end: Date;
  /** Azure's grain (PT1M); the emulator may answer at a finer one. */
  interval?: string;
}

const clients = new Map<string, MetricsClient>();

function credential(env: Env): TokenCredential {
  return armTarget(env).kind === 'emulator' || env.PLF_METRICS_ENDPOINT ? new EmulatorCredential() : new DefaultAzureCredential(env.AZURE_CLIENT_ID ? { managedIdentityClientId: env.AZURE_CLIENT_ID } : {});
}

function metricsClient(env: Env, endpoint: string): MetricsClient {
  const hit = clients.get(endpoint);
  if (hit) return hit;
  const caFile = armTarget(env).caFile;
  const client = new MetricsClient(endpoint, credential(env), { additionalPolicies: [{ policy: requestCountPolicy, position: 'perRetry' }], retryOptions: { maxRetries: 0 }, ...(caFile && env.PLF_METRICS_ENDPOINT ? { tlsOptions: { ca: fs.readFileSync(caFile, 'utf8') } } : {}) });
  clients.set(endpoint, client);
  return client;
}

/** Groups ids by subscription and region, then chunks of at most 50 (the calls one read makes). */
export function planBatches(targets: readonly MetricTarget[]): { subscriptionId: string; region: string; ids: string[] }[] {
  const groups = new Map<string, { subscriptionId: string; region: string; ids: string[] }>();
  for (const t of targets) {
    const sub = parseResourceId(t.resourceId)?.subscriptionId?.toLowerCase() ?? '';
    const key = `${sub}|${t.region.toLowerCase()}`;
    const g = groups.get(key) ?? { subscriptionId: sub, region: t.region.toLowerCase(), ids: [] };
    g.ids.push(t.resourceId);
    groups.set(key, g);
  }
  const out: { subscriptionId: string; region: string; ids: string[] }[] = [];
  for (const g of groups.values()) for (let i = 0; i < g.ids.length; i += MAX_IDS_PER_CALL) out.push({ ...g, ids: g.ids.slice(i, i + MAX_IDS_PER_CALL) });
  return out;
}

/** Reads one metric for every target, in as few batch calls as Azure allows; answers per resource id (lower case) and the number of calls. */
export async function readMetricBatches(env: Env, settings: Pick<HealthSettings, 'metricsEndpoint'>, targets: readonly MetricTarget[], q: BatchQuery): Promise<{ reads: Map<string, MetricRead>; calls: number }> {
  const reads = new Map<string, MetricRead>();
  const batches = planBatches(targets);
  await Promise.all(
    batches.map(async (b) => {
      try {
        const results = await metricsClient(env, metricsEndpointFor(settings, b.region)).queryResources(b.ids, [q.metric], q.namespace, {
          startTime: q.start,
          endTime: q.end,
          interval: q.interval ?? 'PT1M',
          filter: `${q.splitBy} eq '*'`,
          aggregation: 'average',
          top: 1000,
        });
        for (const id of b.ids) reads.set(id.toLowerCase(), { ok: false, code: 'MetricMissing', message: 'the batch answered nothing for this resource' });
        for (const r of results) {
          const id = String(r.resourceId ?? '').toLowerCase();
          const byDimension: Record<string, MetricPoint[]> = {};
          for (const m of r.metrics ?? []) {
            for (const ts of m.timeseries ?? []) {
              const nameOf = (n: unknown) => String(typeof n === 'object' && n ? (n as { value?: string }).value : n).toLowerCase();
              const dim = String(ts.metadatavalues?.find((v) => nameOf(v.name) === q.splitBy.toLowerCase())?.value ?? ts.metadatavalues?.[0]?.value ?? '');
              byDimension[dim] = (ts.data ?? []).map((p) => ({ time: new Date(p.timeStamp).toISOString(), ...(typeof p.average === 'number' ? { value: p.average } : {}) }));
            }
          }
          reads.set(id, { ok: true, byDimension });
        }
      } catch (err) {
        const c = classify(err);
        for (const id of b.ids) reads.set(id.toLowerCase(), { ok: false, code: c.code, message: c.message });
      }
    }),
  );
  return { reads, calls: batches.length };
}
