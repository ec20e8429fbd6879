import { healthConditions } from '../../core/health-conditions';
import type { ForwardHealthDecision, NodeDecision } from '../../core/health';

/**
 * The health watch's conditions by situation: a node without a published metric point yet is not
 * a failure (Azure publishes late, MON-1), a broken one is.
 */
const NOW = '2026-12-07T12:00:00.000Z';
const node = (instanceId: string, health: NodeDecision['health'], extra: Partial<NodeDecision> = {}): NodeDecision =>
  ({ instanceId, health, broken: health === 'unhealthy', hung: false, ...extra }) as NodeDecision;
const decision = (nodes: NodeDecision[], extra: Partial<ForwardHealthDecision> = {}): ForwardHealthDecision =>
  ({ nodes, outage: false, holds: [], ...extra }) as ForwardHealthDecision;
const pick = (d: ForwardHealthDecision, single = d.nodes.length === 1) => {
  const c = healthConditions([], d, undefined, single, NOW, 1);
  const of = (type: string) => c.find((x) => x.type === type);
  return { nodes: [of('NodesHealthy')?.status, of('NodesHealthy')?.reason], targets: [of('TargetsReachable')?.status, of('TargetsReachable')?.reason] };
};

describe('health conditions', () => {
  it.each([
    ['a new forward whose nodes have no published point yet: Unknown, not yet (not Degraded)', decision([node('0', 'unknown'), node('1', 'unknown')]), ['Unknown', 'NoMetricsYet'], ['Unknown', 'NoMetricsYet']],
    ['one node healthy, one without data yet: Unknown for that node, targets reached', decision([node('0', 'healthy'), node('1', 'unknown')]), ['Unknown', 'NoMetricsYet'], ['True', 'ProbesPass']],
    ['every node healthy', decision([node('0', 'healthy'), node('1', 'healthy')]), ['True', 'AllHealthy'], ['True', 'ProbesPass']],
    ['a broken node beside a healthy one', decision([node('0', 'healthy'), node('1', 'unhealthy')]), ['False', 'UnhealthyNodes'], ['True', 'ProbesPass']],
    ['a broken node beside one without data: False, the broken one counts', decision([node('0', 'unknown'), node('1', 'unhealthy')]), ['False', 'UnhealthyNodes'], ['Unknown', 'NoMetricsYet']],
    ['a hung node without metric data: False (instance view evidence)', decision([node('0', 'unknown', { hung: true }), node('1', 'healthy')]), ['False', 'UnhealthyNodes'], ['True', 'ProbesPass']],
    ['a single broken node: targets Unknown SingleNode', decision([node('0', 'unhealthy')]), ['False', 'UnhealthyNodes'], ['Unknown', 'SingleNode']],
    ['no node known: Unknown NoNodes', decision([]), ['Unknown', 'NoNodes'], ['True', 'ProbesPass']],
    ['every node failing together: a target outage', decision([node('0', 'unhealthy'), node('1', 'unhealthy')], { outage: true }), ['False', 'UnhealthyNodes'], ['False', 'TargetOutage']],
  ] as [string, ForwardHealthDecision, string[], string[]][])('%s', (_situation, d, nodes, targets) => {
    expect(pick(d)).toEqual({ nodes, targets });
  });
});
