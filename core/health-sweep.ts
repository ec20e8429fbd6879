import type { HealthSettings } from './app-settings';
import { ConditionTypes, Reasons, type ReasonOf } from './conditions';
import { decideForwardHealth, decideNatPorts, MAX_NAT_IPS, natUsage, nodeVerdict, publishedBefore, suspensionInForce, type MetricPoint, type NatDecision, type NodeInput, type RecycleEntry } from './health';
import { healthConditions } from './health-conditions';
import { setCondition, type Condition, type ConditionInput, type HealthSection, type NodeHealthRecord, type Phase, type RecycleSection } from './status';

/**
 * What one health sweep decides for one forward, pure (the caller, functions/health-watch.ts,
 * observes ARM and Azure Monitor, then acts on what this returns). Two questions, in order:
 *
 *  1. needsInstanceViews: are the scale set's instance views worth one ARM read? Only when a node
 *     is suspect or unknown (a bad last point, an IP no known node has, a node replaced since — the
 *     new instance may reuse its IP —, a recycle running, fewer nodes than the spec asks for), so a
 *     sweep over healthy forwards makes no ARM call but the metrics batch.
 *  2. decideForwardSweep: from the metric points (DipAvailability split by BackendIPAddress,
 *     PLSNatPortsUsage split by PrivateLinkServiceIPAddress), the instance views when read, the
 *     health and recycle sections, the scale set lease and the settings: the health section to
 *     keep (written only when it changed), the action-log entries (a target outage and its end, a
 *     suspension, a NAT IP added: each once), the node to recycle (core/health.ts
 *     decideForwardHealth: one at a time, grace, hysteresis, single-node rule, suspension), a NAT
 *     IP count to raise (decideNatPorts), and whether the reconcile should re-observe now.
 * Metrics unavailable (429, 5xx, missing, app settings missing): the forward is skipped and says
 * so — NodesHealthy Unknown `MetricsUnavailable` — and nothing is read as broken.
 */

/** A metric read of one resource (azure/metrics/batch.ts MetricRead, without the SDK). */
export type MetricsRead = { ok: true; byDimension: Record<string, MetricPoint[]> } | { ok: false; code: string; message: string };

/** One instance view, as far as the health watch reads it (azure/scale-set/instances.ts). */
export interface InstanceFacts {
  instanceId: string;
  ip?: string;
  powerState?: string;
  agentReady?: boolean;
}

export interface ForwardSweepInput {
  name: string;
  generation: number;
  /** The phase the reconcile loop recorded. */
  phase: Phase;
  now: string;
  settings: Pick<HealthSettings, 'unhealthySamples' | 'graceSeconds' | 'recycleLimitPerHour' | 'metricDelaySeconds' | 'natThresholdPercent' | 'natCooldownSeconds'>;
  /** Nodes the spec asks for. */
  desiredCount: number;
  /** The health section of the last sweep (absent before the first). */
  health?: HealthSection;
  /** The nodes the reconcile's status lists (used until the health section knows some). */
  reconcileNodes: readonly { instanceId: string; ip?: string }[];
  recycle?: RecycleSection;
  /** When an operator last resumed recycling (POST .../recycling/resume). */
  recycleResumedAt?: string;
  lease: { holder?: string; until?: string; lastRolledAt?: string };
  /** DipAvailability of the forward's load balancer; or why it is not there (settings missing, metrics unavailable). */
  metrics: MetricsRead | { ok: false; skipped: string };
  /** Instance views, when needsInstanceViews asked for them and they were read. */
  instances?: readonly InstanceFacts[];
  /** PLSNatPortsUsage of the forward's private link service (absent: it has none, or none was read). */
  nat?: MetricsRead;
  privateLinkServiceId?: string;
  natIps?: { count?: number; lastRaisedAt?: string };
}

/** An action-log entry of the sweep (the caller adds time and actor `sweep`). */
export interface SweepAction {
  action: 'recycle-suspended' | 'target-outage' | 'target-outage-cleared' | 'nat-ip-added';
  target: string;
  reason: string;
}

export interface ForwardSweepDecision {
  /** The section to keep; `write` says whether it differs from the stored one in more than the time. */
  section: HealthSection;
  write: boolean;
  actions: SweepAction[];
  /** Why the forward was skipped (no metrics): nothing else was decided. */
  skipped?: string;
  outage: boolean;
  /** The node to recycle now (the caller starts `recycle:{forward}`). */
  recycle?: { instanceId: string; reason: string };
  /** A NAT IP count to record (the caller writes it and signals the reconcile, which applies it). */
  natRaise?: { count: number };
  /**
   * NodesHealthy turned True under a phase the reconcile recorded Degraded (instance views read
   * while a node was broken): the reconcile re-observes now rather than at the next drift check.
   */
  reobserve: boolean;
}

const EMPTY: HealthSection = { conditions: [], nodes: [] };
const LEASE_ACTIVE = (until: string | undefined, now: string) => !!until && until > now;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Recycle history that counts toward the hourly limit: after the operator's last resume. */
export function countedHistory(recycle: RecycleSection | undefined, resumedAt: string | undefined): RecycleEntry[] {
  return (recycle?.history ?? []).filter((h) => !resumedAt || h.time > resumedAt).map((h) => ({ instanceId: h.instanceId, action: h.action, time: h.time, result: h.result }));
}

/** Whether this sweep should read the forward's instance views (see the module comment). */
export function needsInstanceViews(i: Pick<ForwardSweepInput, 'now' | 'settings' | 'desiredCount' | 'health' | 'reconcileNodes' | 'recycle'> & { byDimension: Record<string, MetricPoint[]> }): boolean {
  const prev = i.health ?? EMPTY;
  const known: readonly { instanceId: string; ip?: string }[] = prev.nodes.length ? prev.nodes : i.reconcileNodes;
  const knownIps = new Set(known.map((n) => n.ip).filter(Boolean));
  const until = publishedBefore(i.now, i.settings.metricDelaySeconds);
  // Not healthy by its last published point (none: unknown, also suspect).
  const bad = (pts: MetricPoint[] | undefined) => nodeVerdict(pts ?? [], undefined, until).health !== 'healthy';
  const replaced = new Set((i.recycle?.history ?? []).filter((h) => h.action === 'replace').map((h) => h.instanceId));
  return (
    known.length !== i.desiredCount ||
    known.some((n) => !n.ip || bad(i.byDimension[n.ip]) || replaced.has(n.instanceId)) ||
    Object.keys(i.byDimension).some((ip) => ip && !knownIps.has(ip)) ||
    !!i.recycle?.running
  );
}

export function decideForwardSweep(i: ForwardSweepInput): ForwardSweepDecision {
  const prev = i.health ?? EMPTY;
  const now = i.now;
  const g = { observedGeneration: i.generation };
  if (!i.metrics.ok) {
    const reason = 'skipped' in i.metrics ? i.metrics.skipped : `metrics unavailable (${i.metrics.code}): ${i.metrics.message}`;
    const conditions = setCondition(prev.conditions, { type: ConditionTypes.NodesHealthy, status: 'Unknown', reason: Reasons.NodesHealthy.MetricsUnavailable, message: `this sweep skipped the forward: ${reason}`, ...g }, now);
    return { section: { ...prev, conditions, skipped: { at: now, reason }, lastSweepAt: now }, write: true, actions: [], skipped: reason, outage: false, reobserve: false };
  }
  const byDim = i.metrics.byDimension;
  const known: readonly { instanceId: string; ip?: string }[] = prev.nodes.length ? prev.nodes : i.reconcileNodes;
  const nodesNow: readonly { instanceId: string; ip?: string }[] = i.instances ?? known;
  const history = countedHistory(i.recycle, i.recycleResumedAt);
  const lastReplaceAt = (i.recycle?.history ?? []).filter((h) => h.action === 'replace').map((h) => h.time).sort().pop();
  const nodes: NodeInput[] = nodesNow.map((n) => {
    const seen = prev.nodes.find((x) => x.instanceId === n.instanceId);
    const firstSeenAt = seen?.firstSeenAt ?? now;
    const lastRecycle = history.filter((h) => h.instanceId === n.instanceId && h.action === 'reimage').map((h) => h.time).sort().pop();
    const ev = i.instances?.find((x) => x.instanceId === n.instanceId);
    return {
      instanceId: n.instanceId,
      ...(n.ip ? { ip: n.ip } : {}),
      points: n.ip ? (byDim[n.ip] ?? []) : [],
      ...(ev ? { evidence: { ...(ev.powerState ? { powerState: ev.powerState } : {}), ...(ev.agentReady !== undefined ? { agentReady: ev.agentReady } : {}) } } : {}),
      firstSeenAt,
      ...(lastRecycle ? { lastRecycleAt: lastRecycle } : {}),
      // A node first seen after a replace may have the replaced node's IP, and with it that
      // node's bad points (metrics are split by IP): it is judged on points from then on.
      ...(lastReplaceAt && firstSeenAt > lastReplaceAt ? { pointsSince: firstSeenAt } : {}),
    };
  });
  // A suspension ends with a spec change or an operator's resume.
  const suspended = suspensionInForce(prev.suspended, i.generation, i.recycleResumedAt);
  const d = decideForwardHealth({
    now,
    settings: i.settings,
    desiredCount: i.desiredCount,
    nodes,
    reconcileHoldsScaleSet: i.lease.holder === 'reconcile' && LEASE_ACTIVE(i.lease.until, now),
    // The lease, not the section's `running`, says a recycle runs: a recycle that died leaves
    // `running` behind, but its lease runs out.
    recycleRunning: i.lease.holder === 'recycle' && LEASE_ACTIVE(i.lease.until, now),
    ...(i.lease.lastRolledAt ? { lastRolledAt: i.lease.lastRolledAt } : {}),
    history,
    ...(suspended ? { suspended: { instanceId: suspended.instanceId } } : {}),
  });
  const actions: SweepAction[] = [];
  let nextSuspended = suspended;
  if (d.suspend && !suspended) {
    nextSuspended = { instanceId: d.suspend.instanceId, generation: i.generation, since: now };
    actions.push({ action: 'recycle-suspended', target: d.suspend.instanceId, reason: `recycled ${d.suspend.count} times in the last hour (limit ${i.settings.recycleLimitPerHour}); no more recycles until the spec changes` });
  }
  const wasOutage = prev.conditions.some((c) => c.type === ConditionTypes.TargetsReachable && c.reason === Reasons.TargetsReachable.TargetOutage && c.status === 'False');
  if (d.outage && !wasOutage) actions.push({ action: 'target-outage', target: i.name, reason: 'every node fails its health probe at once: a target outage; no node is recycled' });
  if (!d.outage && wasOutage && d.nodes.some((n) => n.health === 'healthy')) actions.push({ action: 'target-outage-cleared', target: i.name, reason: 'probes pass again' });
  const nodeRecords: NodeHealthRecord[] = d.nodes.map((n) => ({
    instanceId: n.instanceId,
    ...(n.ip ? { ip: n.ip } : {}),
    health: n.hung ? 'unhealthy' : n.health,
    ...(n.lastSample ? { lastSample: n.lastSample } : {}),
    firstSeenAt: nodes.find((x) => x.instanceId === n.instanceId)!.firstSeenAt!,
  }));
  let conditions = healthConditions(prev.conditions, d, nextSuspended, nodes.length === 1, now, i.generation);
  let natRaise: ForwardSweepDecision['natRaise'];
  if (i.nat) {
    const nat = natDecision(i, i.nat);
    conditions = setCondition(conditions, nat.condition, now);
    if (nat.decision.action === 'raise') {
      natRaise = { count: nat.decision.count };
      actions.push({ action: 'nat-ip-added', target: i.privateLinkServiceId ?? i.name, reason: `NAT port usage ${nat.pct} above ${i.settings.natThresholdPercent}%: NAT IPs ${nat.count} -> ${nat.decision.count}` });
    }
  }
  const section: HealthSection = { conditions, nodes: nodeRecords, ...(nextSuspended ? { suspended: nextSuspended } : {}), lastSweepAt: now };
  const healthyNow = (cs: readonly Condition[]) => cs.some((c) => c.type === ConditionTypes.NodesHealthy && c.status === 'True');
  const { lastSweepAt: _a, ...cmpNew } = section;
  const { lastSweepAt: _b, skipped: _c, ...cmpOld } = prev;
  return {
    section,
    write: !same(cmpNew, cmpOld),
    actions,
    outage: d.outage,
    ...(d.recycle ? { recycle: d.recycle } : {}),
    ...(natRaise ? { natRaise } : {}),
    reobserve: i.phase === 'Degraded' && healthyNow(conditions) && !healthyNow(prev.conditions),
  };
}

/** The NAT ports decision and its condition (NatPortsAvailable) from the PLS's usage read. */
function natDecision(i: ForwardSweepInput, read: MetricsRead): { decision: NatDecision; condition: ConditionInput; count: number; pct: string } {
  const until = publishedBefore(i.now, i.settings.metricDelaySeconds);
  const observed = read.ok ? natUsage(read.byDimension, until) : undefined;
  const usage = observed?.usagePercent;
  const count = Math.max(i.natIps?.count ?? 1, read.ok ? Object.keys(read.byDimension).length : 1);
  const n = decideNatPorts({ ...(observed ? observed : {}), count, ...(i.natIps?.lastRaisedAt ? { lastRaisedAt: i.natIps.lastRaisedAt } : {}), now: i.now, thresholdPercent: i.settings.natThresholdPercent, cooldownSeconds: i.settings.natCooldownSeconds });
  const pct = usage === undefined ? 'unknown' : `${Math.round(usage)}%`;
  const R = Reasons.NatPortsAvailable;
  const c = (status: Condition['status'], reason: ReasonOf<'NatPortsAvailable'>, message: string): ConditionInput => ({ type: ConditionTypes.NatPortsAvailable, status, reason, message, observedGeneration: i.generation });
  const threshold = i.settings.natThresholdPercent;
  const condition =
    n.action === 'unknown'
      ? c('Unknown', R.MetricsUnavailable, read.ok ? 'no NAT port usage data yet' : `NAT port usage unavailable (${read.code})`)
      : n.action === 'none'
        ? c('True', R.BelowThreshold, `NAT port usage ${pct} of ${count} NAT IP(s), threshold ${threshold}%`)
        : n.action === 'raise'
          ? c('False', R.NatIpAdded, `NAT port usage ${pct}: NAT IPs raised to ${n.count}`)
          : n.action === 'cooldown'
            ? c('False', R.Cooldown, `NAT port usage ${pct} with ${count} NAT IP(s); the last NAT IP was added recently (next possible at ${n.until})`)
            : n.action === 'pending'
              ? c('False', R.NatIpPending, `NAT port usage ${pct} measured on ${n.observedIps} of ${count} NAT IP(s): the last one added is not in the published metrics yet`)
              : c('False', R.MaxNatIps, `NAT port usage ${pct} with ${MAX_NAT_IPS} NAT IPs, Azure's maximum: no NAT IP can be added`);
  return { decision: n, condition, count, pct };
}
