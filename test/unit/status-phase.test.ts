import { armCode } from '../../core/conditions';
import { needsAttention, reconciledCondition, reconciledPhase, shownPhase, type Condition, type NodeStatus } from '../../core/status';

/** The phase and the conditions a person is pointed at, from all sections. */
const c = (type: Condition['type'], status: Condition['status']): Condition => ({ type, status, reason: armCode('r'), message: 'm', lastTransitionTime: 't', observedGeneration: 1 });

describe('shown phase', () => {
  it.each([
    ['provisioned, every node healthy: Ready', 'Ready', [c('NodesHealthy', 'True')], 'Ready'],
    ['provisioned, a node unhealthy (health watch): Degraded', 'Ready', [c('NodesHealthy', 'False')], 'Degraded'],
    ['provisioned, a target outage: Degraded', 'Ready', [c('TargetsReachable', 'False')], 'Degraded'],
    ['still provisioning with a failing node: Provisioning stays', 'Provisioning', [c('NodesHealthy', 'False')], 'Provisioning'],
    ['failed stays failed', 'Failed', [c('NodesHealthy', 'False')], 'Failed'],
  ] as const)('%s', (_situation, phase, conditions, shown) => {
    expect(shownPhase(phase, conditions)).toBe(shown);
  });
  it.each([
    ['a DELETE accepted before the teardown started: Deleting, not Ready', 'Ready'],
    ['a DELETE of a forward still provisioning: Deleting', 'Provisioning'],
    ['a DELETE of a failed forward: Deleting', 'Failed'],
  ] as const)('%s', (_situation, phase) => expect(shownPhase(phase, [c('NodesHealthy', 'True')], true)).toBe('Deleting'));
});

describe('a converged reconcile pass', () => {
  const node = (instanceId: string, health: NodeStatus['health']): NodeStatus => ({ instanceId, health });
  it.each([
    ['every node healthy: Ready, nothing to explain', [node('0', 'healthy'), node('1', 'healthy')], 'Ready', 'generation 3 is provisioned'],
    ['a node just created, not yet healthy: Degraded, and the message says which', [node('0', 'healthy'), node('2', 'unknown')], 'Degraded', 'generation 3 is provisioned; 1 of 2 node(s) not healthy by their instance view (2: unknown)'],
    ['every node unhealthy: Degraded naming all', [node('0', 'unhealthy'), node('1', 'unhealthy')], 'Degraded', 'generation 3 is provisioned; 2 of 2 node(s) not healthy by their instance view (0: unhealthy, 1: unhealthy)'],
  ] as const)('%s', (_situation, nodes, phase, message) => {
    expect(reconciledPhase(nodes)).toBe(phase);
    expect(reconciledCondition(3, nodes)).toEqual({ type: 'Ready', status: 'True', reason: 'Reconciled', message, observedGeneration: 3 });
  });
});

describe('needs attention', () => {
  it.each([
    ['a False condition', c('Ready', 'False'), true],
    ['an Unknown condition', c('Reachable', 'Unknown'), true],
    ['Reachable Unknown NoRuns (no probe ran yet): not yet, not a problem', { ...c('Reachable', 'Unknown'), reason: 'NoRuns' }, false],
    ['Reachable Unknown Failing (below the threshold): a problem', { ...c('Reachable', 'Unknown'), reason: 'Failing' }, true],
    ['a True condition', c('Ready', 'True'), false],
    ['RecycleSuspended False (recycling active)', c('RecycleSuspended', 'False'), false],
    ['RecycleSuspended True', c('RecycleSuspended', 'True'), true],
  ])('%s', (_situation, cond, expected) => {
    expect(needsAttention(cond)).toBe(expected);
  });
});
