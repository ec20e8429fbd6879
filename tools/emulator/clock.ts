/**
 * The emulator's one clock: every time-dependent part (the metric history sampler, publication
 * delays, LRO due times, instance busy windows, container group runs, ARM throttle refill, the
 * timestamps it writes) reads it instead of `Date.now()` / `new Date()`.
 *
 * It runs in real time plus an offset (ms) that only grows: with no `advance` it IS real time, so
 * `npm run emulator` and every run that never advances behave as before. `advance(ms)` moves it
 * forward at once and tells every listener (`onAdvance`) the span it jumped, so each part can do
 * what that span of time would have done (sample every grain crossed, complete due operations).
 * Never backwards: Azure's clock does not go back, and a history stamped out of order would be a
 * model of nothing.
 */
export type AdvanceListener = (span: { fromMs: number; toMs: number }) => void;

export class EmulatorClock {
  private offset = 0;
  private readonly listeners = new Set<AdvanceListener>();

  /** `realNow`: the wall clock (tests of the clock itself pass a fixed one). */
  constructor(private readonly realNow: () => number = () => Date.now()) {}

  /** Emulated time, ms since the epoch. */
  now(): number {
    return this.realNow() + this.offset;
  }

  /** Emulated time as a Date. */
  date(): Date {
    return new Date(this.now());
  }

  /** Emulated time as ISO 8601 (the timestamps the emulator writes). */
  iso(): string {
    return this.date().toISOString();
  }

  /** How far ahead of real time the clock is, ms. */
  offsetMs(): number {
    return this.offset;
  }

  /**
   * Moves the clock forward by `ms` and runs every listener with the span jumped, in the order
   * they subscribed. Throws RangeError (naming the value) unless `ms` is a positive finite number.
   */
  advance(ms: number): { fromMs: number; toMs: number } {
    const problem = advanceProblem(ms);
    if (problem) throw new RangeError(problem);
    const fromMs = this.now();
    this.offset += ms;
    const span = { fromMs, toMs: fromMs + ms };
    for (const l of [...this.listeners]) l(span);
    return span;
  }

  /** Calls `listener` after every advance; returns its unsubscribe. */
  onAdvance(listener: AdvanceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Why `ms` is not a valid advance (positive, finite), or undefined. */
export function advanceProblem(ms: unknown): string | undefined {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return `the advance must be a finite number of milliseconds, got ${JSON.stringify(ms) ?? String(ms)}`;
  if (ms <= 0) return `the clock only moves forward: the advance must be positive, got ${ms}`;
  return undefined;
}
