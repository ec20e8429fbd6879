import { armCode, ConditionTypes, Reasons } from './conditions';
import { reconciledPhase, setCondition, type ConditionInput, type ForwardStatus, type Phase } from './status';

/**
 * What the reconcile loop's status writes become (pure): the phase and the conditions `Ready` and
 * `Synced`, for one generation.
 *
 *  - a converged pass: Ready True `Reconciled` and Synced True `InSync` (core/status.ts
 *    reconciledCondition; finish-reconcile writes both);
 *  - a pass that failed for a generation that never got to serve (status.observedGeneration is
 *    another one: a first create, or a new spec): phase Failed, Ready False with the ARM code as
 *    reason, Synced False with the same code;
 *  - a pass that failed for the generation the forward already serves (status.observedGeneration
 *    equals it: a drift check found something to repair and ARM refused or failed the write): the
 *    forward still carries traffic as that generation was provisioned, so the phase stays what the
 *    last converged pass recorded (Ready, or Degraded while a node is not healthy), Ready stays
 *    True, and Synced False names the ARM error (reason its code, message its text); status.error
 *    carries it too. The next converged pass sets Synced True again.
 *  - a delete that failed stays Failed (the forward is being removed; it serves nothing new).
 */

export interface PassFailure {
  /** The generation the pass worked on. */
  generation: number;
  code: string;
  message: string;
}

export function syncedCondition(generation: number): ConditionInput {
  return { type: ConditionTypes.Synced, status: 'True', reason: Reasons.Synced.InSync, message: `Azure matches generation ${generation}`, observedGeneration: generation };
}

/** Whether generation `generation` was provisioned and so serves: the status's observed generation is it. */
export function serves(status: Pick<ForwardStatus, 'observedGeneration'>, generation: number): boolean {
  return generation > 0 && status.observedGeneration === generation;
}

/** The status after a reconcile pass for `f.generation` failed with ARM's code and message. */
export function afterPassFailure(status: ForwardStatus, f: PassFailure, now: string): ForwardStatus {
  const synced: ConditionInput = {
    type: ConditionTypes.Synced,
    status: 'False',
    reason: armCode(f.code),
    message: serves(status, f.generation) ? `drift repair of generation ${f.generation} failed (${f.code}): ${f.message}; the forward serves as last provisioned` : `generation ${f.generation} was not provisioned (${f.code}): ${f.message}`,
    observedGeneration: f.generation,
  };
  const error = { code: f.code, message: f.message };
  if (serves(status, f.generation)) {
    const phase: Phase = status.phase === 'Ready' || status.phase === 'Degraded' ? status.phase : reconciledPhase(status.nodes);
    return { ...status, phase, conditions: setCondition(status.conditions, synced, now), error };
  }
  const ready: ConditionInput = { type: ConditionTypes.Ready, status: 'False', reason: armCode(f.code), message: f.message, observedGeneration: f.generation };
  return { ...status, phase: 'Failed', conditions: setCondition(setCondition(status.conditions, ready, now), synced, now), error };
}

/** One write of the reconcile loop (orchestrations/activities/write-status.ts): a phase and one condition, with an error or none. */
export interface StatusWrite {
  phase: Phase;
  condition: ConditionInput;
  error?: { code: string; message: string };
}

/**
 * Applies one write of the reconcile loop to the stored status. A pass failure (phase Failed with
 * Ready False, not a delete) goes through afterPassFailure, so a generation that serves keeps its
 * phase; every other write sets its phase and condition as given.
 */
export function applyStatusWrite(status: ForwardStatus, w: StatusWrite, now: string): ForwardStatus {
  const c = w.condition;
  if (w.phase === 'Failed' && c.type === ConditionTypes.Ready && c.status === 'False' && c.reason !== Reasons.Ready.DeleteFailed) {
    return afterPassFailure(status, { generation: c.observedGeneration, code: w.error?.code ?? c.reason, message: w.error?.message ?? c.message }, now);
  }
  const next: ForwardStatus = { ...status, phase: w.phase, conditions: setCondition(status.conditions, c, now) };
  if (w.error) next.error = w.error;
  else delete next.error;
  return next;
}
