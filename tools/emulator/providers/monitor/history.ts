import type { EmulatorRuntime } from '../../arm/types';
import type { StoredResource } from '../../state/store';
import { availabilityRows, type Bucket, type MetricQuery, type Row } from './load-balancer-metrics';
import { plsRows } from './pls-metrics';
import { withNodeIndex } from '../compute/queries';

/**
 * The metric history, as Azure Monitor keeps it (AZURE-RULES.md MON-1, MON-2):
 *  - a sampler reads every load balancer's (and private link service's) rows about five times per
 *    grain and keeps, per resource, metric and grain, the samples of each dimension combination; a
 *    point's value is their average (the Average aggregation over the grain);
 *  - a point is stamped at its grain's start and is PUBLISHED only once the grain has closed plus a
 *    publication delay (Azure aggregates late: points appear minutes after their minute); until
 *    then, and for grains nothing was sampled in (before the emulator started, an LB without
 *    backends), the point is served without values (`timeStamp` only), never filled in.
 * Grain: `metricGrainSeconds` (default 60 = Azure's PT1M). Delay: `metricPublicationDelaySeconds`
 * (default two grains), never less than MIN_DELAY_FRACTION of a grain: zero would serve a grain's
 * point as final while its last samples still arrive (kinder than Azure, whose delay is minutes).
 * Only the last MAX_POINTS points are kept; a grain change starts a new history.
 */
export const DEFAULT_GRAIN_SECONDS = 60;
export const DEFAULT_DELAY_GRAINS = 2;
/** The shortest publication delay, in grains: one sampler tick. */
export const MIN_DELAY_FRACTION = 0.2;
const MAX_POINTS = 720;
/** At most this many points per series in one answer (the latest ones). */
const MAX_SERVED_POINTS = 1440;
const BAG = 'monitor.history';

/** resource id (lower) -> metric -> point time (ms) -> row key -> samples. */
type Points = Record<string, Record<string, Record<string, Record<string, { dims: Record<string, string>; sum: number; n: number }>>>>;
interface History {
  grain: number;
  points: Points;
}

function history(emu: EmulatorRuntime): History {
  const h = emu.state.bag<History>(BAG, () => ({ grain: grainMs(emu), points: {} }));
  if (h.grain !== grainMs(emu) || !h.points) {
    h.grain = grainMs(emu);
    h.points = {};
  }
  return h;
}

/** The grain in ms (run-time setting, else Azure's one minute). */
export function grainMs(emu: EmulatorRuntime): number {
  return (emu.options.metricGrainSeconds ?? DEFAULT_GRAIN_SECONDS) * 1000;
}

/** How long after its grain closes a point is published (ms). */
export function publicationDelayMs(emu: EmulatorRuntime): number {
  const grain = grainMs(emu);
  const set = emu.options.metricPublicationDelaySeconds;
  return Math.max(set === undefined ? DEFAULT_DELAY_GRAINS * grain : set * 1000, MIN_DELAY_FRACTION * grain);
}

/** Adds one sample of a resource's rows per metric at `now`. */
export function sample(emu: EmulatorRuntime, resourceId: string, rowsByMetric: Record<string, Row[]>, now = emu.clock.now()): void {
  const grain = grainMs(emu);
  const point = Math.floor(now / grain) * grain;
  const perResource = (history(emu).points[resourceId.toLowerCase()] ??= {});
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

/**
 * Every grain of the query's span, stamped at its start: the average of its samples when it is
 * published and was sampled, else no rows (a point without values).
 */
export function recordedBuckets(emu: EmulatorRuntime, resourceId: string, metric: string, q: MetricQuery, now = emu.clock.now()): Bucket[] {
  const grain = grainMs(emu);
  const publishedBefore = now - publicationDelayMs(emu);
  const perMetric = history(emu).points[resourceId.toLowerCase()]?.[metric] ?? {};
  const first = Math.floor(q.start.getTime() / grain) * grain;
  const out: Bucket[] = [];
  for (let t = first; t < q.end.getTime(); t += grain) {
    const cell = t + grain <= publishedBefore ? perMetric[String(t)] : undefined;
    out.push({ time: t, rows: cell ? Object.values(cell).map((c) => ({ ...c.dims, value: String(c.sum / c.n) }) as Row) : [] });
  }
  return out.slice(-MAX_SERVED_POINTS);
}

function loadBalancers(emu: EmulatorRuntime): StoredResource[] {
  return emu.state.list('Microsoft.Network/loadBalancers');
}

/** One sampler tick: every load balancer and private link service. */
export function sampleAll(emu: EmulatorRuntime, now = emu.clock.now()): void {
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

/**
 * Whether a test drives the clock (it has been advanced at least once): from then on the history
 * records what advances record (`sampleSpan`) and nothing in between — neither real-time ticks nor
 * queries sample — so the state a test sets between two advances is exactly what the grain the
 * next advance closes shows (a node broken for one advance is one bad point, not half of two).
 * A grain that closes by real time between two advances has no samples (a gap, as a point Azure
 * has no data for).
 */
export function clockDriven(emu: EmulatorRuntime): boolean {
  return emu.clock.offsetMs() > 0;
}

/**
 * What the sampler would have recorded over a span the clock jumped (clock.ts `advance`): one
 * sample of the current state for each grain that closed in it, stamped just before its close
 * (the state held all along: nothing changes while the clock jumps). The grain the clock lands in
 * is left to the ticks that follow, as any grain in progress. At most MAX_POINTS grains (older
 * ones would be dropped anyway).
 */
export function sampleSpan(emu: EmulatorRuntime, fromMs: number, toMs: number): number {
  const grain = grainMs(emu);
  const firstClose = Math.floor(fromMs / grain) * grain + grain;
  const lastClose = Math.floor(toMs / grain) * grain;
  let n = 0;
  for (let close = Math.max(firstClose, lastClose - (MAX_POINTS - 1) * grain); close <= lastClose; close += grain, n++) sampleAll(emu, close - 1);
  return n;
}

/**
 * Starts the sampler (ticks at a fifth of the grain of real time, at least every 200 ms, each
 * sampling at the clock's time) and samples every grain an advance of the clock crosses; returns its stop.
 */
export function startSampler(emu: EmulatorRuntime): () => void {
  const unsubscribe = emu.clock.onAdvance(({ fromMs, toMs }) => sampleSpan(emu, fromMs, toMs));
  let next = 0;
  let grain = grainMs(emu);
  const timer = setInterval(() => {
    // A new grain (settings) is sampled at once, not after a tick of the old one.
    if ((Date.now() < next && grain === grainMs(emu)) || clockDriven(emu)) return;
    grain = grainMs(emu);
    next = Date.now() + Math.max(200, grain * MIN_DELAY_FRACTION) - 10;
    const started = Date.now();
    sampleAll(emu);
    // A tick that took long (thousands of resources) spaces the next ones out: the point values
    // stay averages of whatever samples a point got, and requests are not starved.
    next = Math.max(next, Date.now() + 4 * (Date.now() - started));
  }, 200);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
