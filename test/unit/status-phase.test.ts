import { needsAttention, shownPhase, type Condition } from '../../core/status';

/** The phase and the conditions a person is pointed at, from all sections. */
const c = (type: string, status: Condition['status']): Condition => ({ type, status, reason: 'r', message: 'm', lastTransitionTime: 't' });

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
});

describe('needs attention', () => {
  it.each([
    ['a False condition', c('Ready', 'False'), true],
    ['an Unknown condition', c('Reachable', 'Unknown'), true],
    ['a True condition', c('Ready', 'True'), false],
    ['RecycleSuspended False (recycling active)', c('RecycleSuspended', 'False'), false],
    ['RecycleSuspended True', c('RecycleSuspended', 'True'), true],
  ])('%s', (_situation, cond, expected) => {
    expect(needsAttention(cond)).toBe(expected);
  });
});
