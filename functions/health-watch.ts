import { healthSettings, hubPlacement, type Env } from '../core/app-settings';
import { decideForwardSweep, needsInstanceViews, type ForwardSweepInput, type InstanceFacts } from '../core/health-sweep';
import { readMetricBatches, type MetricRead, type MetricTarget } from '../azure/metrics/batch';
import { readInstances } from '../azure/scale-set/instances';
import { actionLog, clients, forwardRegistry } from '../orchestrations/activities/context';

/**
 * One health sweep over every forward, for the healthSweep timer (functions/health-sweep.ts):
 * observe -> decide -> act, the decisions in core/health-sweep.ts.
 *  observe: the registry's forwards with a load balancer; DipAvailability split by
 *    BackendIPAddress for their load balancers and PLSNatPortsUsage split by
 *    PrivateLinkServiceIPAddress for their private link services, each through the metrics batch
 *    API (<= 50 ids per call, per subscription and region: azure/metrics/batch.ts); then, per
 *    forward, the scale set's instance views (one ARM list) only when core needsInstanceViews says
 *    a node is suspect or unknown. Over healthy forwards a sweep's only Azure calls are the two
 *    metrics batches.
 *  decide: core/health-sweep.ts decideForwardSweep.
 *  act: a raised NAT IP count recorded (the timer signals the reconcile, which applies it), the
 *    action-log entries appended, the health section written when it changed. The node to
 *    recycle, the NAT raises and the re-observations are returned: the timer starts or signals
 *    the singletons.
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
  /** Forwards whose reconcile should re-observe now (core/health-sweep.ts `reobserve`). */
  reobserve: string[];
}

export async function healthSweepPass(nowDate: Date, env: Env = process.env): Promise<SweepSummary> {
  const settings = healthSettings(env);
  const now = nowDate.toISOString();
  const registry = forwardRegistry();
  const records = (await registry.list()).filter((r) => !r.deleting && r.status.resources.loadBalancerId);
  const summary: SweepSummary = { forwards: records.length, metricsCalls: 0, armReads: 0, skipped: [], recycles: [], outages: [], natRaised: [], reobserve: [] };
  const placements = new Map(records.map((r) => [r.name, hubPlacement(env, r.spec.placement ?? {})]));
  const window = { start: new Date(nowDate.getTime() - settings.windowSeconds * 1000), end: nowDate };
  const targetsOf = (id: (r: (typeof records)[number]) => string | undefined): MetricTarget[] =>
    records.flatMap((r) => {
      const p = placements.get(r.name)!;
      const resourceId = id(r);
      return p.ok && resourceId ? [{ resourceId, region: p.placement.location }] : [];
    });
  const read = async (targets: MetricTarget[], q: { metric: string; namespace: string; splitBy: string }) => (targets.length ? readMetricBatches(env, settings, targets, { ...q, ...window }) : { reads: new Map<string, MetricRead>(), calls: 0 });
  const dip = await read(targetsOf((r) => r.status.resources.loadBalancerId), { metric: 'DipAvailability', namespace: 'Microsoft.Network/loadBalancers', splitBy: 'BackendIPAddress' });
  const nat = await read(targetsOf((r) => r.status.resources.privateLinkServiceId), { metric: 'PLSNatPortsUsage', namespace: 'Microsoft.Network/privateLinkServices', splitBy: 'PrivateLinkServiceIPAddress' });
  summary.metricsCalls = dip.calls + nat.calls;

  for (const r of records) {
    const p = placements.get(r.name)!;
    const lb = dip.reads.get(r.status.resources.loadBalancerId!.toLowerCase());
    const plsId = r.status.resources.privateLinkServiceId;
    const natRead = plsId ? nat.reads.get(plsId.toLowerCase()) : undefined;
    const input: ForwardSweepInput = {
      name: r.name,
      generation: r.generation,
      phase: r.status.phase,
      now,
      settings,
      desiredCount: r.spec.nodes.count,
      ...(r.health ? { health: r.health } : {}),
      reconcileNodes: r.status.nodes,
      ...(r.recycle ? { recycle: r.recycle } : {}),
      ...(r.recycleResumedAt ? { recycleResumedAt: r.recycleResumedAt } : {}),
      lease: r.scaleSetLease ?? {},
      metrics: !p.ok ? { ok: false, skipped: `app settings missing: ${p.missing.join(', ')}` } : (lb ?? { ok: false, skipped: 'metrics unavailable' }),
      ...(natRead ? { nat: natRead } : {}),
      ...(plsId ? { privateLinkServiceId: plsId } : {}),
      ...(r.natIps ? { natIps: r.natIps } : {}),
    };
    let instances: InstanceFacts[] | undefined;
    if (p.ok && lb?.ok && needsInstanceViews({ ...input, byDimension: lb.byDimension })) {
      instances = await readInstances(clients(), r.name, p.placement);
      summary.armReads += 1 + instances.length;
    }
    const d = decideForwardSweep({ ...input, ...(instances ? { instances } : {}) });
    if (d.skipped) summary.skipped.push({ name: r.name, reason: d.skipped });
    if (d.outage) summary.outages.push(r.name);
    if (d.recycle) summary.recycles.push({ name: r.name, ...d.recycle });
    if (d.reobserve) summary.reobserve.push(r.name);
    if (d.natRaise) {
      await registry.raiseNatIps(r.name, d.natRaise.count, now);
      summary.natRaised.push(r.name);
    }
    if (d.actions.length) await actionLog().append(r.name, d.actions.map((a) => ({ time: now, actor: 'sweep', ...a })));
    if (d.write) await registry.setHealthStatus(r.name, d.section);
  }
  return summary;
}
