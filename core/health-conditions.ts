import type { ForwardHealthDecision } from './health';
import { setCondition, type Condition, type HealthSection } from './status';

/**
 * The health watch's conditions from one decision (pure): `NodesHealthy`, `TargetsReachable`,
 * `RecycleSuspended`, each set on `prev` with `now` as the transition time when it changed.
 * A node whose health is only `unknown` (no published metric point yet: Azure publishes a minute's
 * point minutes after it closes, AZURE-RULES MON-1) is not a failure: with no node broken,
 * `NodesHealthy` and `TargetsReachable` are Unknown `NoMetricsYet` (a reason that only says "not
 * yet", core/status.ts NOT_YET_REASONS), so a new forward does not read Degraded. A node judged
 * `unhealthy` (or a recycle decided) makes `NodesHealthy` False, naming every node not healthy.
 */
export function healthConditions(prev: readonly Condition[], d: ForwardHealthDecision, suspended: HealthSection['suspended'], single: boolean, now: string): Condition[] {
  let c = [...prev];
  const unhealthy = d.nodes.filter((n) => n.health !== 'healthy');
  const broken = d.nodes.filter((n) => n.health === 'unhealthy' || n.broken || n.hung);
  const hold = d.holds.find((h) => h.hold !== 'none');
  c = setCondition(
    c,
    !d.nodes.length
      ? { type: 'NodesHealthy', status: 'Unknown', reason: 'NoNodes', message: 'no node known yet' }
      : !broken.length && !d.recycle && unhealthy.length
        ? { type: 'NodesHealthy', status: 'Unknown', reason: 'NoMetricsYet', message: `${unhealthy.length} of ${d.nodes.length} node(s) without a published health metric point yet: ${unhealthy.map((n) => n.instanceId).join(', ')}` }
      : unhealthy.length
        ? { type: 'NodesHealthy', status: 'False', reason: d.recycle ? 'Recycling' : hold ? hold.hold.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase()) : 'UnhealthyNodes', message: `${unhealthy.length} of ${d.nodes.length} node(s) not healthy: ${unhealthy.map((n) => `${n.instanceId} (${n.health}${n.hung ? ', hung' : ''})`).join(', ')}${d.recycle ? `; recycling ${d.recycle.instanceId}: ${d.recycle.reason}` : hold ? `; not recycled: ${hold.message}` : ''}` }
        : { type: 'NodesHealthy', status: 'True', reason: 'AllHealthy', message: `${d.nodes.length} node(s) healthy` },
    now,
  );
  c = setCondition(
    c,
    d.outage
      ? { type: 'TargetsReachable', status: 'False', reason: 'TargetOutage', message: 'every node fails its health probe at once: the targets are unreachable from all nodes; nothing is recycled' }
      : single && broken.length
        ? { type: 'TargetsReachable', status: 'Unknown', reason: 'SingleNode', message: 'one node fails its probe: a target outage and a node fault look the same' }
        : d.nodes.length && !d.nodes.some((n) => n.health === 'healthy')
          ? { type: 'TargetsReachable', status: 'Unknown', reason: 'NoMetricsYet', message: 'no node has a published health metric point yet' }
          : { type: 'TargetsReachable', status: 'True', reason: 'ProbesPass', message: 'at least one node reaches a target' },
    now,
  );
  c = setCondition(
    c,
    suspended
      ? { type: 'RecycleSuspended', status: 'True', reason: 'TooManyRecycles', message: `recycling of node ${suspended.instanceId} is suspended (recycled too often in an hour) until the spec changes` }
      : { type: 'RecycleSuspended', status: 'False', reason: 'NotSuspended', message: 'recycling is active' },
    now,
  );
  return c;
}
