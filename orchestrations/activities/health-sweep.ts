import { healthSettings, hubPlacement, type Env } from '../../core/app-settings';
import { decideForwardHealth, decideNatPorts, MAX_NAT_IPS, natUsage, nodeVerdict, publishedBefore, suspensionInForce, type MetricPoint, type NodeInput, type RecycleEntry } from '../../core/health';
import { setCondition, type Condition, type HealthSection, type NodeHealthRecord } from '../../core/status';
import { healthConditions } from '../../core/health-conditions';
import { readMetricBatches, type MetricTarget } from '../../azure/metrics/batch';
import { readInstances, type InstanceView } from '../../azure/scale-set/instances';
import type { ForwardRecord } from '../../store/forward-registry';
import type { Action } from '../../store/action-log';
import { actionLog, clients, forwardRegistry } from './context';

/**
 * One health sweep over every forward (called by the healthSweep timer):
 *  1. DipAvailability split by BackendIPAddress for every forward's load balancer, through the
 *     metrics batch API (<= 50 ids per call, per subscription and region) — the only Azure call of
 *     a sweep over healthy forwards;
 *  2. per forward: backend IPs map to nodes from what the health section (or the reconcile's
 *     status) already knows; the scale set's instance views are read only when a node is suspect
 *     (a bad last point) or unknown (an IP no node is known for, a node without data);
 *  3. core/health.ts decides, on published points only (stamped at least
 *     PLF_HEALTH_METRIC_DELAY_SECONDS before now: Azure publishes late; points without values are
 *     gaps, unknown); the section (conditions NodesHealthy, TargetsReachable,
 *     RecycleSuspended, per-node health) is written only when it changes; a target outage and a
 *     suspension go to the action log once; the node to recycle is returned (the timer starts
 *     `recycle:{forward}` for it).
 * Metrics unavailable (429, 5xx, missing) for a forward: that forward is skipped and says so
 * (NodesHealthy Unknown, MetricsUnavailable); nothing is read as broken.
 */
export interface SweepSummary {
  forwards: number;
  metricsCalls: number;
  armReads: number;
  skipped: { name: string; reason: string }[];
  recycles: { name: string; instanceId: string; reason: string }[];
  outages: string[];
  /** Forwards whose NAT IP count was raised (their reconcile applies it). */
  natRaised: string[];
  /**
   * Forwards whose reconcile recorded Degraded (a node not healthy by its instance view) and whose
   * nodes this sweep found healthy again (NodesHealthy turned True, e.g. after a recycle): their
   * reconcile re-observes now rather than at the next drift check.
   */
  reobserve: string[];
}

const LEASE_ACTIVE = (until: string | undefined, now: string) => !!until && until > now;

/** Recycle history that counts toward the hourly limit: after the operator's last resume. */
function recycleHistory(r: ForwardRecord): RecycleEntry[] {
  return (r.recycle?.history ?? []).filter((h) => !r.recycleResumedAt || h.time > r.recycleResumedAt).map((h) => ({ instanceId: h.instanceId, action: h.action, time: h.time, result: h.result }));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function healthSweepPass(nowDate: Date, env: Env = process.env): Promise<SweepSummary> {
  const settings = healthSettings(env);
  const now = nowDate.toISOString();
  const registry = forwardRegistry();
  const records = (await registry.list()).filter((r) => !r.deleting && r.status.resources.loadBalancerId);
  const summary: SweepSummary = { forwards: records.length, metricsCalls: 0, armReads: 0, skipped: [], recycles: [], outages: [], natRaised: [], reobserve: [] };
  const placements = new Map(records.map((r) => [r.name, hubPlacement(env, r.spec.placement ?? {})]));
  const targets: MetricTarget[] = records.flatMap((r) => {
    const p = placements.get(r.name)!;
    return p.ok ? [{ resourceId: r.status.resources.loadBalancerId!, region: p.placement.location }] : [];
  });
  const { reads, calls } = targets.length
    ? await readMetricBatches(env, settings, targets, { metric: 'DipAvailability', namespace: 'Microsoft.Network/loadBalancers', splitBy: 'BackendIPAddress', start: new Date(nowDate.getTime() - settings.windowSeconds * 1000), end: nowDate })
    : { reads: new Map(), calls: 0 };
  summary.metricsCalls = calls;
  const plsTargets: MetricTarget[] = records.flatMap((r) => {
    const p = placements.get(r.name)!;
    return p.ok && r.status.resources.privateLinkServiceId ? [{ resourceId: r.status.resources.privateLinkServiceId, region: p.placement.location }] : [];
  });
  const nat = plsTargets.length
    ? await readMetricBatches(env, settings, plsTargets, { metric: 'PLSNatPortsUsage', namespace: 'Microsoft.Network/privateLinkServices', splitBy: 'PrivateLinkServiceIPAddress', start: new Date(nowDate.getTime() - settings.windowSeconds * 1000), end: nowDate })
    : { reads: new Map(), calls: 0 };
  summary.metricsCalls += nat.calls;

  // Points stamped later are not published in full yet (the trailing minute is partial).
  const until = publishedBefore(now, settings.metricDelaySeconds);
  for (const r of records) {
    const prev: HealthSection = r.health ?? { conditions: [], nodes: [] };
    const p = placements.get(r.name)!;
    const read = reads.get(r.status.resources.loadBalancerId!.toLowerCase());
    if (!p.ok || !read || !read.ok) {
      const reason = !p.ok ? `app settings missing: ${p.missing.join(', ')}` : read && !read.ok ? `metrics unavailable (${read.code}): ${read.message}` : 'metrics unavailable';
      summary.skipped.push({ name: r.name, reason });
      const conditions = setCondition(prev.conditions, { type: 'NodesHealthy', status: 'Unknown', reason: 'MetricsUnavailable', message: `this sweep skipped the forward: ${reason}` }, now);
      await registry.setHealthStatus(r.name, { ...prev, conditions, skipped: { at: now, reason }, lastSweepAt: now });
      continue;
    }
    const known: { instanceId: string; ip?: string }[] = prev.nodes.length ? prev.nodes : r.status.nodes;
    const knownIps = new Set(known.map((n) => n.ip).filter(Boolean));
    // Not healthy by its last published point (none: unknown, also suspect).
    const bad = (pts: MetricPoint[] | undefined) => nodeVerdict(pts ?? [], undefined, until).health !== 'healthy';
    const replaced = new Set((r.recycle?.history ?? []).filter((h) => h.action === 'replace').map((h) => h.instanceId));
    // Suspect or unknown: a bad last point, an IP no known node has, a node replaced since (its IP
    // may be reused by the new instance), a recycle running, fewer nodes than the spec asks for.
    const suspect =
      known.length !== r.spec.nodes.count ||
      known.some((n) => !n.ip || bad(read.byDimension[n.ip]) || replaced.has(n.instanceId)) ||
      Object.keys(read.byDimension).some((ip) => ip && !knownIps.has(ip)) ||
      !!r.recycle?.running;
    let instances: InstanceView[] | undefined;
    if (suspect) {
      instances = await readInstances(clients(), r.name, p.placement);
      summary.armReads += 1 + instances.length;
    }
    const nodesNow: { instanceId: string; ip?: string }[] = instances ?? known;
    const history = recycleHistory(r);
    const lastReplaceAt = (r.recycle?.history ?? []).filter((h) => h.action === 'replace').map((h) => h.time).sort().pop();
    const nodes: NodeInput[] = nodesNow.map((n) => {
      const seen = prev.nodes.find((x) => x.instanceId === n.instanceId);
      const firstSeenAt = seen?.firstSeenAt ?? now;
      const lastRecycle = history.filter((h) => h.instanceId === n.instanceId && h.action === 'reimage').map((h) => h.time).sort().pop();
      const ev = instances?.find((x) => x.instanceId === n.instanceId);
      return {
        instanceId: n.instanceId,
        ...(n.ip ? { ip: n.ip } : {}),
        points: n.ip ? (read.byDimension[n.ip] ?? []) : [],
        ...(ev ? { evidence: { ...(ev.powerState ? { powerState: ev.powerState } : {}), ...(ev.agentReady !== undefined ? { agentReady: ev.agentReady } : {}) } } : {}),
        firstSeenAt,
        ...(lastRecycle ? { lastRecycleAt: lastRecycle } : {}),
        // A node first seen after a replace may have the replaced node's IP, and with it that
        // node's bad points (metrics are split by IP): it is judged on points from then on.
        ...(lastReplaceAt && firstSeenAt > lastReplaceAt ? { pointsSince: firstSeenAt } : {}),
      };
    });
    const lease = r.scaleSetLease ?? {};
    // A suspension ends with a spec change or an operator's resume.
    const suspended = suspensionInForce(prev.suspended, r.generation, r.recycleResumedAt);
    const d = decideForwardHealth({
      now,
      settings,
      desiredCount: r.spec.nodes.count,
      nodes,
      reconcileHoldsScaleSet: lease.holder === 'reconcile' && LEASE_ACTIVE(lease.until, now),
      // The lease, not the section's `running`, says a recycle runs: a recycle that died leaves
      // `running` behind, but its lease runs out.
      recycleRunning: lease.holder === 'recycle' && LEASE_ACTIVE(lease.until, now),
      ...(lease.lastRolledAt ? { lastRolledAt: lease.lastRolledAt } : {}),
      history,
      ...(suspended ? { suspended: { instanceId: suspended.instanceId } } : {}),
    });
    const actions: Action[] = [];
    let nextSuspended = suspended;
    if (d.suspend && !suspended) {
      nextSuspended = { instanceId: d.suspend.instanceId, generation: r.generation, since: now };
      actions.push({ time: now, actor: 'sweep', action: 'recycle-suspended', target: d.suspend.instanceId, reason: `recycled ${d.suspend.count} times in the last hour (limit ${settings.recycleLimitPerHour}); no more recycles until the spec changes` });
    }
    const wasOutage = prev.conditions.some((c) => c.type === 'TargetsReachable' && c.reason === 'TargetOutage' && c.status === 'False');
    if (d.outage && !wasOutage) actions.push({ time: now, actor: 'sweep', action: 'target-outage', target: r.name, reason: 'every node fails its health probe at once: a target outage; no node is recycled' });
    if (!d.outage && wasOutage && d.nodes.some((n) => n.health === 'healthy')) actions.push({ time: now, actor: 'sweep', action: 'target-outage-cleared', target: r.name, reason: 'probes pass again' });
    if (d.outage) summary.outages.push(r.name);
    if (d.recycle) summary.recycles.push({ name: r.name, ...d.recycle });
    const nodeRecords: NodeHealthRecord[] = d.nodes.map((n) => ({
      instanceId: n.instanceId,
      ...(n.ip ? { ip: n.ip } : {}),
      health: n.hung ? 'unhealthy' : n.health,
      ...(n.lastSample ? { lastSample: n.lastSample } : {}),
      firstSeenAt: nodes.find((x) => x.instanceId === n.instanceId)!.firstSeenAt!,
    }));
    let conditions = healthConditions(prev.conditions, d, nextSuspended, nodes.length === 1, now);
    const natRead = r.status.resources.privateLinkServiceId ? nat.reads.get(r.status.resources.privateLinkServiceId.toLowerCase()) : undefined;
    if (natRead) {
      const observed = natRead.ok ? natUsage(natRead.byDimension, until) : undefined;
      const usage = observed?.usagePercent;
      const count = Math.max(r.natIps?.count ?? 1, natRead.ok ? Object.keys(natRead.byDimension).length : 1);
      const n = decideNatPorts({ ...(observed ? observed : {}), count, ...(r.natIps?.lastRaisedAt ? { lastRaisedAt: r.natIps.lastRaisedAt } : {}), now, thresholdPercent: settings.natThresholdPercent, cooldownSeconds: settings.natCooldownSeconds });
      const pct = usage === undefined ? 'unknown' : `${Math.round(usage)}%`;
      if (n.action === 'raise') {
        await registry.raiseNatIps(r.name, n.count, now);
        summary.natRaised.push(r.name);
        actions.push({ time: now, actor: 'sweep', action: 'nat-ip-added', target: r.status.resources.privateLinkServiceId!, reason: `NAT port usage ${pct} above ${settings.natThresholdPercent}%: NAT IPs ${count} -> ${n.count}` });
      }
      conditions = setCondition(
        conditions,
        n.action === 'unknown'
          ? { type: 'NatPortsAvailable', status: 'Unknown', reason: 'MetricsUnavailable', message: natRead.ok ? 'no NAT port usage data yet' : `NAT port usage unavailable (${natRead.code})` }
          : n.action === 'none'
            ? { type: 'NatPortsAvailable', status: 'True', reason: 'BelowThreshold', message: `NAT port usage ${pct} of ${count} NAT IP(s), threshold ${settings.natThresholdPercent}%` }
            : n.action === 'raise'
              ? { type: 'NatPortsAvailable', status: 'False', reason: 'NatIpAdded', message: `NAT port usage ${pct}: NAT IPs raised to ${n.count}` }
              : n.action === 'cooldown'
                ? { type: 'NatPortsAvailable', status: 'False', reason: 'Cooldown', message: `NAT port usage ${pct} with ${count} NAT IP(s); the last NAT IP was added recently (next possible at ${n.until})` }
                : n.action === 'pending'
                  ? { type: 'NatPortsAvailable', status: 'False', reason: 'NatIpPending', message: `NAT port usage ${pct} measured on ${n.observedIps} of ${count} NAT IP(s): the last one added is not in the published metrics yet` }
                  : { type: 'NatPortsAvailable', status: 'False', reason: 'MaxNatIps', message: `NAT port usage ${pct} with ${MAX_NAT_IPS} NAT IPs, Azure's maximum: no NAT IP can be added` },
        now,
      );
    }
    const section: HealthSection = {
      conditions,
      nodes: nodeRecords,
      ...(nextSuspended ? { suspended: nextSuspended } : {}),
      lastSweepAt: now,
    };
    if (actions.length) await actionLog().append(r.name, actions);
    const healthyNow = (cs: readonly Condition[]) => cs.some((c) => c.type === 'NodesHealthy' && c.status === 'True');
    if (r.status.phase === 'Degraded' && healthyNow(conditions) && !healthyNow(prev.conditions)) summary.reobserve.push(r.name);
    // (the NAT IP count is applied by the forward's reconcile: the timer signals it)
    const { lastSweepAt: _a, ...cmpNew } = section;
    const { lastSweepAt: _b, skipped: _c, ...cmpOld } = prev;
    if (!same(cmpNew, cmpOld)) await registry.setHealthStatus(r.name, section);
  }
  return summary;
}
