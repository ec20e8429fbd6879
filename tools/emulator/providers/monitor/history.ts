import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { availabilityRows, type Bucket, type MetricQuery, type Row } from './load-balancer-metrics';
import { plsRows } from './pls-metrics';
import { withNodeIndex } from '../compute/queries';

/**
 * The metric history at the run-time grain (`PUT /_emulator/settings {metricGrainSeconds}`):
 * a sampler reads every load balancer's (and private link service's) rows about five times per grain and keeps, per resource,
 * metric and time point, the samples of each dimension combination; a point's value is their
 * average (Azure's Average aggregation over the grain). So a node broken for one grain and then
 * repaired shows one bad point between good ones, and points have distinct timestamps.
 * Only the last MAX_POINTS points are kept. Without a grain nothing is sampled.
 */
const MAX_POINTS = 720;
const BAG = 'monitor.history';

/** resource id (lower) -> metric -> point time (ms) -> row key -> samples. */
type History = Record<string, Record<string, Record<string, Record<string, { dims: Record<string, string>; sum: number; n: number }>>>>;

function history(emu: EmulatorRuntime): History {
  return emu.state.bag<History>(BAG, () => ({}));
}

export function grainMs(emu: EmulatorRuntime): number | undefined {
  const g = emu.options.metricGrainSeconds;
  return g ? g * 1000 : undefined;
}

/** Adds one sample of a resource's rows per metric at `now`. */
export function sample(emu: EmulatorRuntime, resourceId: string, rowsByMetric: Record<string, Row[]>, now = Date.now()): void {
  const grain = grainMs(emu);
  if (!grain) return;
  const point = Math.floor(now / grain) * grain;
  const perResource = (history(emu)[resourceId.toLowerCase()] ??= {});
  for (const [metric, rows] of Object.entries(rowsByMetric)) {
    const perMetric = (perResource[metric] ??= {});
    const cell = (perMetric[String(point)] ??= {});
    for (const r of rows) {
      const { value, ...dims } = r;
      const key = JSON.stringify(dims);
      const c = (cell[key] ??= { dims, sum: 0, n: 0 });
      c.sum += Number(value);
      c.n += 1;
    }
    const times = Object.keys(perMetric).map(Number).sort((a, b) => a - b);
    for (const t of times.slice(0, Math.max(0, times.length - MAX_POINTS))) delete perMetric[String(t)];
  }
}

/** The recorded points of a metric inside the query's span (each with the average of its samples). */
export function recordedBuckets(emu: EmulatorRuntime, resourceId: string, metric: string, q: MetricQuery): Bucket[] {
  const perMetric = history(emu)[resourceId.toLowerCase()]?.[metric] ?? {};
  return Object.keys(perMetric)
    .map(Number)
    .filter((t) => t >= q.start.getTime() - (grainMs(emu) ?? 0) && t < q.end.getTime())
    .sort((a, b) => a - b)
    .map((time) => ({ time, rows: Object.values(perMetric[String(time)]).map((c) => ({ ...c.dims, value: String(c.sum / c.n) }) as Row) }));
}

function loadBalancers(emu: EmulatorRuntime): StoredResource[] {
  return emu.state.list('Microsoft.Network/loadBalancers');
}

/** One sampler tick: every load balancer. */
export function sampleAll(emu: EmulatorRuntime, now = Date.now()): void {
  if (!grainMs(emu)) return;
  withNodeIndex(emu, () => {
    for (const lb of loadBalancers(emu)) sample(emu, lb.id, availabilityRows(emu, lb), now);
  });
  // Connections indexed once per tick by their service (not one scan of the state per service).
  const conns = new Map<string, StoredResource[]>();
  for (const c of emu.state.list('Microsoft.Network/privateLinkServices/privateEndpointConnections')) {
    const parent = c.id.split('/').slice(0, -2).join('/').toLowerCase();
    conns.set(parent, [...(conns.get(parent) ?? []), c]);
  }
  for (const pls of emu.state.list('Microsoft.Network/privateLinkServices')) sample(emu, pls.id, plsRows(emu, pls, conns.get(pls.id.toLowerCase()) ?? []), now);
}

/** Starts the sampler (ticks at a fifth of the grain, at least every 200 ms); returns its stop. */
export function startSampler(emu: EmulatorRuntime): () => void {
  let next = 0;
  const timer = setInterval(() => {
    const grain = grainMs(emu);
    if (!grain || Date.now() < next) return;
    next = Date.now() + Math.max(200, grain / 5) - 10;
    const started = Date.now();
    sampleAll(emu);
    // A tick that took long (thousands of resources) spaces the next ones out: the point values
    // stay averages of whatever samples a point got, and requests are not starved.
    next = Math.max(next, Date.now() + 4 * (Date.now() - started));
  }, 200);
  timer.unref();
  return () => clearInterval(timer);
}
