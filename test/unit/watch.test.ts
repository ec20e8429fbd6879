import { describeChanges } from '../../scripts/watch';

/** `npm run watch`: what it prints between two reads of a forward. */
const f = (phase: string, conditions: { type: string; status: string; reason: string; message: string }[], gen = 1, observed = 1) => ({ name: 'web', generation: gen, deleting: false, status: { phase, observedGeneration: observed, conditions } });
const ready = { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'generation 1 is provisioned' };

describe('watch output', () => {
  it.each([
    ['the first read shows the phase and every condition', undefined, f('Ready', [ready]), ['phase Ready (generation 1/1; 0/0 nodes healthy, 0 approved / 0 pending)', '✓ Ready Reconciled: generation 1 is provisioned']],
    ['nothing changed: nothing printed', f('Ready', [ready]), f('Ready', [ready]), []],
    ['a condition flips: only it is printed', f('Ready', [ready]), f('Ready', [{ ...ready, status: 'False', reason: 'Reconciling', message: 'reconciling generation 2' }]), ['✗ Ready Reconciling: reconciling generation 2']],
    ['a new generation: the phase line again', f('Ready', [ready]), f('Updating', [ready], 2, 1), ['phase Updating (generation 1/2; 0/0 nodes healthy, 0 approved / 0 pending)']],
  ])('%s', (_situation, prev, next, lines) => {
    expect(describeChanges(prev, next)).toEqual(lines);
  });
});
