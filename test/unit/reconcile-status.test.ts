import { afterPassFailure, applyStatusWrite, syncedCondition, type StatusWrite } from '../../core/reconcile-status';
import { armCode } from '../../core/conditions';
import { emptyStatus, reconciledCondition, setCondition, type ForwardStatus, type NodeStatus, type Phase } from '../../core/status';

/** The reconcile loop's phase and Ready / Synced conditions after its writes (core/reconcile-status.ts), by situation. */
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:10:00.000Z';
const healthy: NodeStatus[] = [{ instanceId: '0', health: 'healthy' }];
const sick: NodeStatus[] = [{ instanceId: '0', health: 'healthy' }, { instanceId: '1', health: 'unhealthy' }];

/** A forward whose generation `served` was provisioned (observedGeneration), with phase `phase`. */
function serving(served: number, phase: Phase, nodes = healthy): ForwardStatus {
  const conditions = setCondition(setCondition([], reconciledCondition(served, nodes), T0), syncedCondition(served), T0);
  return { ...emptyStatus(), phase, observedGeneration: served, conditions, nodes };
}
const failure = (generation: number): StatusWrite => ({
  phase: 'Failed',
  condition: { type: 'Ready', status: 'False', reason: armCode('InvalidParameter'), message: 'the frontend subnet is full', observedGeneration: generation },
  error: { code: 'InvalidParameter', message: 'the frontend subnet is full' },
});
const cond = (s: ForwardStatus, type: string) => s.conditions.find((c) => c.type === type);

describe('a reconcile pass that failed', () => {
  it.each<[string, ForwardStatus, StatusWrite, { phase: Phase; ready: [string, string, number]; synced: [string, string, number] }]>([
    ['drift repair failed on a Ready forward: stays Ready, Ready True kept, Synced False naming the ARM error', serving(2, 'Ready'), failure(2), { phase: 'Ready', ready: ['True', 'Reconciled', 2], synced: ['False', 'InvalidParameter', 2] }],
    ['drift repair failed on a Degraded forward: stays Degraded', serving(2, 'Degraded', sick), failure(2), { phase: 'Degraded', ready: ['True', 'Reconciled', 2], synced: ['False', 'InvalidParameter', 2] }],
    ['the first generation never got to serve: Failed, Ready False with the ARM code', { ...emptyStatus(), phase: 'Provisioning' }, failure(1), { phase: 'Failed', ready: ['False', 'InvalidParameter', 1], synced: ['False', 'InvalidParameter', 1] }],
    ['a new spec (generation 3) failed while generation 2 serves: Failed is for the generation that never served', serving(2, 'Ready'), failure(3), { phase: 'Failed', ready: ['False', 'InvalidParameter', 3], synced: ['False', 'InvalidParameter', 3] }],
    ['a served generation whose stored phase is not Ready/Degraded (status of an older version): the phase its nodes give', { ...serving(2, 'Failed', sick) }, failure(2), { phase: 'Degraded', ready: ['True', 'Reconciled', 2], synced: ['False', 'InvalidParameter', 2] }],
  ])('%s', (_situation, before, write, expected) => {
    const after = applyStatusWrite(before, write, T1);
    expect(after.phase).toBe(expected.phase);
    const ready = cond(after, 'Ready')!;
    const synced = cond(after, 'Synced')!;
    expect([ready.status, ready.reason, ready.observedGeneration]).toEqual(expected.ready);
    expect([synced.status, synced.reason, synced.observedGeneration]).toEqual(expected.synced);
    expect(synced.message).toContain('the frontend subnet is full');
    expect(after.error).toEqual({ code: 'InvalidParameter', message: 'the frontend subnet is full' });
    expect(after.observedGeneration).toBe(before.observedGeneration);
  });

  it('a delete that failed stays Failed (DeleteFailed is not a drift repair)', () => {
    const after = applyStatusWrite(serving(2, 'Ready'), { phase: 'Failed', condition: { type: 'Ready', status: 'False', reason: 'DeleteFailed', message: 'x', observedGeneration: 2 }, error: { code: 'Conflict', message: 'x' } }, T1);
    expect([after.phase, cond(after, 'Ready')?.reason, cond(after, 'Synced')?.status]).toEqual(['Failed', 'DeleteFailed', 'True']);
  });

  it('any other write sets its phase and condition and clears the error (Reconciling a new generation)', () => {
    const failed = afterPassFailure(serving(2, 'Ready'), { generation: 2, code: 'InternalServerError', message: 'boom' }, T1);
    const after = applyStatusWrite(failed, { phase: 'Updating', condition: { type: 'Ready', status: 'False', reason: 'Reconciling', message: 'reconciling generation 3', observedGeneration: 3 } }, T1);
    expect([after.phase, cond(after, 'Ready')?.reason, after.error]).toEqual(['Updating', 'Reconciling', undefined]);
  });

  it('Synced keeps its transition time while it stays False, and the converged pass sets it True again', () => {
    const once = afterPassFailure(serving(2, 'Ready'), { generation: 2, code: 'InternalServerError', message: 'boom' }, T0);
    const twice = afterPassFailure(once, { generation: 2, code: 'InternalServerError', message: 'boom again' }, T1);
    expect(cond(twice, 'Synced')?.lastTransitionTime).toBe(T0);
    const repaired = setCondition(twice.conditions, syncedCondition(2), T1);
    expect(repaired.find((c) => c.type === 'Synced')).toMatchObject({ status: 'True', reason: 'InSync', observedGeneration: 2, lastTransitionTime: T1 });
  });
});
