import type { OrchestrationContext } from 'durable-functions';
import type { LeaseInput, scaleSetLease } from '../activities/recycle';
import { DurableNames } from '../names';
import { wait, type Gen } from './steps';

/**
 * The scale set lease from the orchestrator side: one owner of a forward's scale set instances at
 * a time (the reconcile's ensure + roll phase, or a recycle). The `scaleSetLease` activity keeps
 * it in the registry (column `scaleSetLease`, a conditional merge on the entity etag:
 * store/forward-registry.ts `acquireScaleSet` / `releaseScaleSet`); a lease whose `until` passed
 * is free again (the TTL covers a holder that died without releasing).
 */
export type LeaseHolder = LeaseInput['holder'];

export interface LeaseRequest {
  /** The forward whose scale set is taken. */
  forward: string;
  holder: LeaseHolder;
  /** How long the lease holds without a release, seconds. */
  ttlSeconds: number;
  /**
   * While another holder has it: try again after `pollMs` (durable timer), at most `maxPolls`
   * attempts, each refusal followed by the wait. Without it, one attempt.
   */
  wait?: { pollMs: number; maxPolls: number };
}

/** `acquired`, or refused naming the holder that has it (after every poll, when waiting). */
export type LeaseAnswer = { acquired: true } | { acquired: false; holder?: string };

/** Takes the scale set lease for `holder` (at the orchestration's time). */
export function* acquireScaleSetLease(ctx: OrchestrationContext, req: LeaseRequest): Gen<LeaseAnswer> {
  for (let attempt = 1; ; attempt++) {
    const payload: LeaseInput = { name: req.forward, holder: req.holder, op: 'acquire', now: ctx.df.currentUtcDateTime.toISOString(), ttlSeconds: req.ttlSeconds };
    const r = (yield ctx.df.callActivity(DurableNames.scaleSetLease, payload)) as Awaited<ReturnType<typeof scaleSetLease>>;
    if (r.acquired) return { acquired: true };
    const refused: LeaseAnswer = { acquired: false, ...(r.holder ? { holder: r.holder } : {}) };
    if (!req.wait) return refused;
    yield wait(ctx, req.wait.pollMs);
    if (attempt >= req.wait.maxPolls) return refused;
  }
}

/**
 * Releases `holder`'s lease. `touched`: the holder acted on instances, which stamps
 * `lastRolledAt` (the health watch's grace period starts now).
 */
export function* releaseScaleSetLease(ctx: OrchestrationContext, req: { forward: string; holder: LeaseHolder; touched?: boolean }): Gen<void> {
  const payload: LeaseInput = { name: req.forward, holder: req.holder, op: 'release', now: ctx.df.currentUtcDateTime.toISOString(), ...(req.touched !== undefined ? { touched: req.touched } : {}) };
  yield ctx.df.callActivity(DurableNames.scaleSetLease, payload);
}
