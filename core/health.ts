import type { HealthSettings } from './app-settings';

/**
 * The health watch's decisions, pure: from the metric points of each node (DipAvailability split
 * by BackendIPAddress), what the instance views say (only read for suspect forwards), the recycle
 * history and the forward's situation, decide per node and per forward — with hysteresis counted
 * in distinct metric time points, never in sweeps (a sweep faster than the grain re-reads the same
 * point, and re-reading it changes nothing).
 *
 * Rules (README "Health"):
 *  - a point is bad when its average is below BAD_BELOW (the node failed most probes of that grain);
 *    a node is broken when its last `unhealthySamples` points (after its last recycle) are all bad,
 *    while another node of the forward is healthy;
 *  - a single-node forward has nothing to compare with: it is recycled only on node-level evidence
 *    (power state not running, VM agent not ready = hung), never on probe failure alone;
 *  - every node failing together is a target outage: nothing is recycled, TargetsReachable False
 *    (TargetOutage) until probes recover;
 *  - never: inside the grace period (graceSeconds after the node was first seen, last recycled or
 *    rolled, plus metricDelaySeconds: the points of the grace period itself are published that much
 *    later, and a booting node's bad points must not count once they arrive), while a recycle runs, while the reconcile rolls nodes, more
 *    than one node out of service at a time (min in service = count - 1), a healthy node, a
 *    suspended node; a node recycled `recycleLimitPerHour` times in the last hour is suspended
 *    (RecycleSuspended) until the spec changes;
 *  - no metric data is never "broken": the node is `unknown`;
 *  - a point is read only once Azure has published it in full: `metricDelaySeconds` after its
 *    timestamp (the grain plus Azure's late aggregation; PLF_HEALTH_METRIC_DELAY_SECONDS). The
 *    trailing minute is partial and the ones before it may still be empty (AZURE-RULES.md MON-1,
 *    MON-2), so later points are not read at all — a node with only such points is `unknown`;
 *  - a point without a value (a gap) is neither good nor bad: it is skipped. A gap between two bad
 *    points does not reset the streak (the node was not seen healthy in between; a reset would let
 *    a node that is broken but intermittently unreported escape forever), and it does not count as a
 *    bad point either (hysteresis counts points that show the node failing).
 */
export const BAD_BELOW = 50;

export interface MetricPoint {
  time: string;
  value?: number;
}

export type NodeHealth = 'healthy' | 'unhealthy' | 'unknown';

export interface NodeVerdict {
  health: NodeHealth;
  /** Trailing consecutive bad points (distinct timestamps). */
  badStreak: number;
  lastSample?: string;
}

/**
 * The latest point timestamp that is published in full at `now` (ISO): points stamped later are
 * not read. `delaySeconds`: seconds from a point's timestamp until Azure has published it.
 */
export function publishedBefore(now: string, delaySeconds: number): string {
  return new Date(Date.parse(now) - delaySeconds * 1000).toISOString();
}

/** Points with a value at or after `since` and stamped at or before `until`, in time order, one per timestamp. */
function usable(points: readonly MetricPoint[], since?: string, until?: string): MetricPoint[] {
  const seen = new Set<string>();
  const after = since ? Date.parse(since) : -Infinity;
  const before = until ? Date.parse(until) : Infinity;
  return [...points]
    .filter((p) => typeof p.value === 'number' && Number.isFinite(p.value) && Date.parse(p.time) >= after && Date.parse(p.time) <= before)
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
    .filter((p) => (seen.has(p.time) ? false : (seen.add(p.time), true)));
}

/**
 * A node's health from its points: the last published point with a value decides
 * healthy/unhealthy; none is unknown. `since`: points before are not the node's (ISO); `until`:
 * points stamped later are not published yet (publishedBefore()).
 */
export function nodeVerdict(points: readonly MetricPoint[], since?: string, until?: string): NodeVerdict {
  const pts = usable(points, since, until);
  if (!pts.length) return { health: 'unknown', badStreak: 0 };
  let badStreak = 0;
  for (let i = pts.length - 1; i >= 0 && pts[i].value! < BAD_BELOW; i--) badStreak++;
  return { health: badStreak > 0 ? 'unhealthy' : 'healthy', badStreak, lastSample: pts[pts.length - 1].time };
}

/** Node-level evidence from the instance view (does not go through the targets). */
export interface NodeEvidence {
  powerState?: string;
  agentReady?: boolean;
  provisioningState?: string;
}

export function isHung(e: NodeEvidence | undefined): boolean {
  if (!e) return false;
  return (e.powerState !== undefined && e.powerState !== 'running') || e.agentReady === false;
}

export interface NodeInput {
  instanceId: string;
  ip?: string;
  points: readonly MetricPoint[];
  evidence?: NodeEvidence;
  /** When the health watch first saw the node (create or replace). */
  firstSeenAt?: string;
  /** The last recycle action on it (reimage). */
  lastRecycleAt?: string;
  /**
   * Metric points before this time are not the node's: it joined after a replace, and
   * DipAvailability is split by BackendIPAddress, so an IP the replaced node had carries that
   * node's points.
   */
  pointsSince?: string;
}

export interface RecycleEntry {
  instanceId: string;
  action: string;
  time: string;
  result: string;
}

export interface ForwardHealthInput {
  now: string;
  settings: Pick<HealthSettings, 'unhealthySamples' | 'graceSeconds' | 'recycleLimitPerHour' | 'metricDelaySeconds'>;
  /** Nodes the spec asks for (min in service = count - 1). */
  desiredCount: number;
  nodes: readonly NodeInput[];
  /** The forward's reconcile loop holds the scale set (rolling nodes, or a pass writing it). */
  reconcileHoldsScaleSet: boolean;
  /** A recycle of this forward runs. */
  recycleRunning: boolean;
  /** Last roll of nodes by the reconcile (grace applies to every node after it). */
  lastRolledAt?: string;
  history: readonly RecycleEntry[];
  /** A suspension still in force (cleared by a spec change before this is called). */
  suspended?: { instanceId: string };
}

export interface NodeDecision extends NodeVerdict {
  instanceId: string;
  ip?: string;
  broken: boolean;
  hung: boolean;
}

export type Hold =
  | 'none'
  | 'target-outage'
  | 'single-node-no-evidence'
  | 'grace-period'
  | 'recycle-running'
  | 'reconcile-rolling'
  | 'min-in-service'
  | 'suspended'
  | 'no-healthy-peer';

export interface ForwardHealthDecision {
  nodes: NodeDecision[];
  /** Every node with data fails together (2+ nodes). */
  outage: boolean;
  /** The node to recycle now (one at most). */
  recycle?: { instanceId: string; reason: string };
  /** Why a broken node is not recycled now (per node). */
  holds: { instanceId: string; hold: Hold; message: string }[];
  /** A node to suspend now (recycled too often in the last hour). */
  suspend?: { instanceId: string; count: number };
}

/**
 * The suspension still in force: the one the health sweep recorded (`suspended`), unless the spec
 * changed since (a new generation) or an operator resumed recycling after it began (`resumedAt`,
 * POST .../recycling/resume). The sweep and the resume route both ask this, so they agree on
 * whether there is anything to resume.
 */
export function suspensionInForce<S extends { instanceId: string; generation: number; since: string }>(suspended: S | undefined, generation: number, resumedAt?: string): S | undefined {
  if (!suspended || suspended.generation !== generation) return undefined;
  return resumedAt && resumedAt > suspended.since ? undefined : suspended;
}

const secondsBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 1000;

export function recyclesInLastHour(history: readonly RecycleEntry[], instanceId: string, now: string): number {
  return history.filter((h) => h.instanceId === instanceId && ['reimage', 'replace'].includes(h.action) && secondsBetween(h.time, now) < 3600).length;
}

export function decideForwardHealth(input: ForwardHealthInput): ForwardHealthDecision {
  const k = Math.max(1, input.settings.unhealthySamples);
  const until = publishedBefore(input.now, input.settings.metricDelaySeconds);
  const nodes: NodeDecision[] = input.nodes.map((n) => {
    const v = nodeVerdict(n.points, [n.lastRecycleAt, n.pointsSince].filter((x): x is string => !!x).sort().pop(), until);
    const hung = isHung(n.evidence);
    return { instanceId: n.instanceId, ...(n.ip ? { ip: n.ip } : {}), ...v, hung, broken: hung || v.badStreak >= k };
  });
  const withData = nodes.filter((n) => n.health !== 'unknown');
  const healthy = nodes.filter((n) => n.health === 'healthy' && !n.hung);
  const outage = withData.length >= 2 && withData.length === nodes.length && withData.every((n) => n.health === 'unhealthy') && !nodes.some((n) => n.hung);
  const holds: ForwardHealthDecision['holds'] = [];
  const decision: ForwardHealthDecision = { nodes, outage, holds };
  const broken = nodes.filter((n) => n.broken);
  if (!broken.length) return decision;
  const hold = (n: NodeDecision, h: Hold, message: string) => holds.push({ instanceId: n.instanceId, hold: h, message });
  if (outage) {
    for (const n of broken) hold(n, 'target-outage', 'every node fails its probe at once: a target outage, not a node fault');
    return decision;
  }
  // In service = not being recycled; min in service = count - 1, so one node out at a time.
  const minInService = Math.max(0, input.desiredCount - 1);
  for (const n of broken) {
    const src = input.nodes.find((x) => x.instanceId === n.instanceId)!;
    const graceFrom = [src.firstSeenAt, src.lastRecycleAt, input.lastRolledAt].filter((x): x is string => !!x).sort().pop();
    const count = recyclesInLastHour(input.history, n.instanceId, input.now);
    if (input.suspended?.instanceId === n.instanceId) hold(n, 'suspended', 'recycling is suspended for this node until the spec changes');
    else if (count >= input.settings.recycleLimitPerHour) {
      hold(n, 'suspended', `recycled ${count} times in the last hour`);
      decision.suspend ??= { instanceId: n.instanceId, count };
    } else if (nodes.length === 1 && !n.hung) hold(n, 'single-node-no-evidence', 'a single node failing its probe cannot be told from a target outage; recycled only when the instance view shows it hung or stopped');
    else if (nodes.length > 1 && !n.hung && !healthy.some((h) => h.instanceId !== n.instanceId)) hold(n, 'no-healthy-peer', 'no other node of the forward is healthy');
    else if (graceFrom && secondsBetween(graceFrom, input.now) < input.settings.graceSeconds + input.settings.metricDelaySeconds) hold(n, 'grace-period', `inside the grace period (${input.settings.graceSeconds}s since ${graceFrom}, plus ${input.settings.metricDelaySeconds}s until the metric points of that time are published)`);
    else if (input.recycleRunning) hold(n, 'recycle-running', 'another recycle of this forward runs');
    else if (input.reconcileHoldsScaleSet) hold(n, 'reconcile-rolling', "the forward's reconcile holds the scale set (rolling nodes)");
    else if (nodes.length - 1 < minInService) hold(n, 'min-in-service', `recycling would leave fewer than ${minInService} node(s) in service`);
    else if (!decision.recycle) decision.recycle = { instanceId: n.instanceId, reason: n.hung ? 'the instance view shows the node hung or not running' : `probe failed in ${n.badStreak} consecutive metric samples while other nodes are healthy` };
  }
  return decision;
}

/**
 * NAT ports of the forward's private link service (PLSNatPortsUsage, percent, per NAT IP): above
 * the threshold the forward gets one more NAT IP — kept beside the spec, never lowered, at most
 * once per cooldown (so the last addition can take effect), at most MAX_NAT_IPS (Azure's limit);
 * at the limit, a condition instead of a write. No data: nothing is decided.
 */
export const MAX_NAT_IPS = 8;

export interface NatInput {
  /** The highest usage over the NAT IPs in the last point with data (undefined: no data). */
  usagePercent?: number;
  /**
   * NAT IPs with a value in that point. Fewer than `count`: the last NAT IP added is not in the
   * published usage yet (Azure publishes minutes late), so the usage is the old one: wait.
   */
  observedIps?: number;
  /** NAT IPs the service has now (or the count asked for, whichever is higher). */
  count: number;
  lastRaisedAt?: string;
  now: string;
  thresholdPercent: number;
  cooldownSeconds: number;
}

export type NatDecision =
  | { action: 'none' | 'unknown' }
  | { action: 'raise'; count: number }
  | { action: 'cooldown'; until: string }
  | { action: 'pending'; observedIps: number }
  | { action: 'at-max' };

export function decideNatPorts(i: NatInput): NatDecision {
  if (i.usagePercent === undefined) return { action: 'unknown' };
  if (i.usagePercent <= i.thresholdPercent) return { action: 'none' };
  if (i.observedIps !== undefined && i.observedIps < Math.min(i.count, MAX_NAT_IPS)) return { action: 'pending', observedIps: i.observedIps };
  if (i.count >= MAX_NAT_IPS) return { action: 'at-max' };
  if (i.lastRaisedAt && secondsBetween(i.lastRaisedAt, i.now) < i.cooldownSeconds) return { action: 'cooldown', until: new Date(Date.parse(i.lastRaisedAt) + i.cooldownSeconds * 1000).toISOString() };
  return { action: 'raise', count: i.count + 1 };
}

/**
 * The usage of the last published point with data: the highest over the NAT IPs with a value at
 * that timestamp, and how many of them count as observed — not one that has its first value in
 * that very point while others had values before (it was added during that grain, whose averages
 * mix the old and new NAT IP count). `until`: points stamped later are not published yet.
 */
export function natUsage(byIp: Record<string, readonly MetricPoint[]>, until?: string): { usagePercent: number; observedIps: number } | undefined {
  const series = Object.values(byIp).map((pts) => usable(pts, undefined, until));
  const last = series.map((pts) => pts.at(-1)?.time).filter((t): t is string => !!t).sort((a, b) => Date.parse(a) - Date.parse(b)).pop();
  if (!last) return undefined;
  const at = Date.parse(last);
  const firstValued = series.map((pts) => pts.find((p) => p.value !== undefined)?.time);
  const earliest = Math.min(...firstValued.filter((t): t is string => !!t).map((t) => Date.parse(t)));
  let observedIps = 0;
  const values: number[] = [];
  series.forEach((pts, i) => {
    const v = pts.find((p) => Date.parse(p.time) === at)?.value;
    if (v === undefined) return;
    values.push(v);
    // A NAT IP whose first value is this very point appeared during its grain while the others
    // already carried traffic: their averages mix the old and the new count of NAT IPs, so the
    // point does not yet show the new IP's effect (counted from the next grain on).
    const appearedNow = Date.parse(firstValued[i]!) === at && at > earliest;
    if (!appearedNow) observedIps++;
  });
  return { usagePercent: Math.max(...values), observedIps };
}
