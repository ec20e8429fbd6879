import { ConditionTypes, Reasons, type ReasonOf } from './conditions';
import type { ForwardHealthDecision, Hold } from './health';
import { setCondition, type Condition, type HealthSection } from './status';

/** The NodesHealthy reason of a broken node held back from a recycle (core/health.ts Hold). */
export const HOLD_REASON: Record<Exclude<Hold, 'none'>, ReasonOf<'NodesHealthy'>> = {
  'target-outage': Reasons.NodesHealthy.TargetOutage,
  'single-node-no-evidence': Reasons.NodesHealthy.SingleNodeNoEvidence,
  'grace-period': Reasons.NodesHealthy.GracePeriod,
  'recycle-running': Reasons.NodesHealthy.RecycleRunning,
  'reconcile-rolling': Reasons.NodesHealthy.ReconcileRolling,
  'min-in-service': Reasons.NodesHealthy.MinInService,
  suspended: Reasons.NodesHealthy.Suspended,
  'no-healthy-peer': Reasons.NodesHealthy.NoHealthyPeer,
};

/**
 * The health watch's conditions from one decision (pure): `NodesHealthy`, `TargetsReachable`,
 * `RecycleSuspended`, each set on `prev` with `now` as the transition time when it changed.
 * A node whose health is only `unknown` (no published metric point yet: Azure publishes a minute's
 * point minutes after it closes, AZURE-RULES MON-1) is not a failure: with no node broken,
 * `NodesHealthy` and `TargetsReachable` are Unknown `NoMetricsYet` (a reason that only says "not
 * yet", core/status.ts NOT_YET_REASONS), so a new forward does not read Degraded. A node judged
 * `unhealthy` (or a recycle decided) makes `NodesHealthy` False, naming every node not healthy.
 * Every condition carries `generation`, the spec generation the sweep saw.
 */
export function healthConditions(prev: readonly Condition[], d: ForwardHealthDecision, suspended: HealthSection['suspended'], single: boolean, now: string, generation: number): Condition[] {
  let c = [...prev];
  const N = Reasons.NodesHealthy;
  const T = Reasons.TargetsReachable;
  const g = { observedGeneration: generation };
  const unhealthy = d.nodes.filter((n) => n.health !== 'healthy');
  const broken = d.nodes.filter((n) => n.health === 'unhealthy' || n.broken || n.hung);
  const hold = d.holds.find((h) => h.hold !== 'none');
  c = setCondition(
    c,
    !d.nodes.length
      ? { type: ConditionTypes.NodesHealthy, status: 'Unknown', reason: N.NoNodes, message: 'no node known yet', ...g }
      : !broken.length && !d.recycle && unhealthy.length
        ? { type: ConditionTypes.NodesHealthy, status: 'Unknown', reason: N.NoMetricsYet, ...g, message: `${unhealthy.length} of ${d.nodes.length} node(s) without a published health metric point yet: ${unhealthy.map((n) => n.instanceId).join(', ')}` }
      : unhealthy.length
        ? { type: ConditionTypes.NodesHealthy, status: 'False', reason: d.recycle ? N.Recycling : hold && hold.hold !== 'none' ? HOLD_REASON[hold.hold] : N.UnhealthyNodes, ...g, message: `${unhealthy.length} of ${d.nodes.length} node(s) not healthy: ${unhealthy.map((n) => `${n.instanceId} (${n.health}${n.hung ? ', hung' : ''})`).join(', ')}${d.recycle ? `; recycling ${d.recycle.instanceId}: ${d.recycle.reason}` : hold ? `; not recycled: ${hold.message}` : ''}` }
        : { type: ConditionTypes.NodesHealthy, status: 'True', reason: N.AllHealthy, message: `${d.nodes.length} node(s) healthy`, ...g },
    now,
  );
  c = setCondition(
    c,
    d.outage
      ? { type: ConditionTypes.TargetsReachable, status: 'False', reason: T.TargetOutage, ...g, message: 'every node fails its health probe at once: the targets are unreachable from all nodes; nothing is recycled' }
      : single && broken.length
        ? { type: ConditionTypes.TargetsReachable, status: 'Unknown', reason: T.SingleNode, ...g, message: 'one node fails its probe: a target outage and a node fault look the same' }
        : d.nodes.length && !d.nodes.some((n) => n.health === 'healthy')
          ? { type: ConditionTypes.TargetsReachable, status: 'Unknown', reason: T.NoMetricsYet, ...g, message: 'no node has a published health metric point yet' }
          : { type: ConditionTypes.TargetsReachable, status: 'True', reason: T.ProbesPass, ...g, message: 'at least one node reaches a target' },
    now,
  );
  c = setCondition(
    c,
    suspended
      ? { type: ConditionTypes.RecycleSuspended, status: 'True', reason: Reasons.RecycleSuspended.TooManyRecycles, ...g, message: `recycling of node ${suspended.instanceId} is suspended (recycled too often in an hour) until the spec changes` }
      : { type: ConditionTypes.RecycleSuspended, status: 'False', reason: Reasons.RecycleSuspended.NotSuspended, message: 'recycling is active', ...g },
    now,
  );
  return c;
}
