import type { OrchestrationContext, Task, TimerTask } from 'durable-functions';
import type { Condition, Phase } from '../../core/status';
import { DurableNames } from '../names';
import type { StepResult } from './step-result';

/**
 * The orchestrator-side kit every orchestration uses (deterministic: only the orchestration
 * clock, durable timers, activities and external events — the linter forbids the rest here):
 * a step runner that honours classified results and Retry-After, poll-until, wait for an event
 * or a timeout, and a condition writer.
 */
export type Gen<T> = Generator<Task, T, unknown>;

export interface StepOptions {
  /** Base delay between polls and of the retry backoff, ms. */
  pollMs: number;
  /** Attempts of a `retry` outcome before it becomes terminal (default 8). */
  maxRetries?: number;
  /** Upper bound of the exponential backoff, ms (default 5 minutes). */
  maxBackoffMs?: number;
}

const DEFAULT_MAX_RETRIES = 8;
const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;

/** A durable timer `ms` after the orchestration's current time. */
export function wait(ctx: OrchestrationContext, ms: number): TimerTask {
  return ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + ms));
}

/**
 * What to do after the `attempt`-th `retry` outcome of a step: wait `waitMs` (max(backoff,
 * Retry-After), backoff = pollMs * 2^(attempt-1) capped at maxBackoffMs) and try again, or stop
 * terminal naming the attempts. A result with `retryForMs` (missing rights that may still be
 * propagating, azure/errors.ts) is retried while less than that has passed since the first failure
 * (`sinceFirstMs`, orchestration clock), whatever the attempts; any other `retry` up to maxRetries
 * attempts. Pure.
 */
export function afterRetry(opts: StepOptions, result: { code: string; message: string; retryAfterMs?: number; retryForMs?: number }, attempt: number, sinceFirstMs: number): { waitMs: number } | { terminal: { code: string; message: string } } {
  if (result.retryForMs !== undefined) {
    if (sinceFirstMs >= result.retryForMs) return { terminal: { code: result.code, message: `still failing after ${Math.round(sinceFirstMs / 1000)} s (${attempt} attempts; role assignments take up to ${Math.round(result.retryForMs / 60_000)} minutes to take effect): ${result.message}` } };
  } else if (attempt >= (opts.maxRetries ?? DEFAULT_MAX_RETRIES)) {
    return { terminal: { code: result.code, message: `still failing after ${attempt} attempts: ${result.message}` } };
  }
  const backoff = Math.min(opts.pollMs * 2 ** (attempt - 1), opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
  const waitMs = Math.max(backoff, result.retryAfterMs ?? 0);
  // The last wait of a window ends at the window, not a full backoff after it.
  return { waitMs: result.retryForMs !== undefined ? Math.max(1, Math.min(waitMs, result.retryForMs - sinceFirstMs)) : waitMs };
}

/**
 * Runs an activity; a `retry` outcome waits on a durable timer and tries again as `afterRetry`
 * says (a number of attempts, or a time window for missing rights), then becomes `terminal`
 * naming the attempts. `ok`, `pending` and `terminal` come back as they are.
 */
export function* runStep<T extends object>(ctx: OrchestrationContext, opts: StepOptions, activity: string, payload: unknown): Gen<StepResult<T>> {
  let firstFailure: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const result = (yield ctx.df.callActivity(activity, payload)) as StepResult<T>;
    if (result.outcome !== 'retry') return result;
    const now = ctx.df.currentUtcDateTime.getTime();
    firstFailure ??= now;
    const next = afterRetry(opts, result, attempt, now - firstFailure);
    if ('terminal' in next) return { outcome: 'terminal', ...next.terminal };
    yield wait(ctx, next.waitMs);
  }
}

export interface PollOptions<T extends object> {
  /** The step that observes (usually one `runStep`). */
  observe: () => Gen<StepResult<T>>;
  /**
   * `done` ends the poll with ok, `failed` ends it terminal (`retry` if `retryable`: what was
   * awaited failed in a way that trying the write again may cure), `wait` polls again after pollMs.
   */
  verdict: (observed: T) => 'done' | 'wait' | { failed: { code: string; message: string }; retryable?: boolean };
  maxPolls: number;
  /** What is awaited, for the timeout message. */
  what: string;
}

/** Observes until the verdict says done (or failed), a durable timer of pollMs between polls. */
export function* pollUntil<T extends object>(ctx: OrchestrationContext, opts: StepOptions, poll: PollOptions<T>): Gen<StepResult<T>> {
  for (let n = 0; n < poll.maxPolls; n++) {
    const r = yield* poll.observe();
    if (r.outcome !== 'ok') return r;
    const v = poll.verdict(r);
    if (v === 'done') return r;
    if (v !== 'wait') return { outcome: v.retryable ? 'retry' : 'terminal', ...v.failed };
    yield wait(ctx, opts.pollMs);
  }
  return { outcome: 'terminal', code: 'Timeout', message: `${poll.what} did not finish after ${poll.maxPolls} polls` };
}

/**
 * Waits for the external event `name` or `ms`, whichever comes first; the losing timer is
 * cancelled. Events raised before the wait are delivered by the library (it buffers them).
 */
export function* eventOrTimeout(ctx: OrchestrationContext, name: string, ms: number): Gen<{ kind: 'event'; data: unknown } | { kind: 'timeout' }> {
  const timer = wait(ctx, ms);
  const event = ctx.df.waitForExternalEvent(name);
  const winner = yield ctx.df.Task.any([event, timer]);
  if (winner === event) {
    timer.cancel();
    return { kind: 'event', data: event.result };
  }
  return { kind: 'timeout' };
}

/** One condition of the reconcile section, with the phase to show and an error (or none). */
export interface ConditionWrite {
  forward: string;
  phase: Phase;
  condition: Omit<Condition, 'lastTransitionTime'>;
  error?: { code: string; message: string };
}

/** Writes the phase and one condition through the writeForwardStatus activity, at the orchestration's time. */
export function* writeCondition(ctx: OrchestrationContext, w: ConditionWrite): Gen<void> {
  yield ctx.df.callActivity(DurableNames.writeForwardStatus, {
    name: w.forward,
    phase: w.phase,
    condition: w.condition,
    ...(w.error ? { error: w.error } : {}),
    now: ctx.df.currentUtcDateTime.toISOString(),
  });
}
