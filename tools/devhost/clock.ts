/**
 * devhost's clock. `real` (the default, what `npm start` runs): the host and the app read the wall
 * clock, nothing is installed. `controllable` (`--clock controllable`, or DEVHOST_CLOCK=controllable):
 * the host runs at real time plus an offset that only grows, and `advance(ms)` jumps it forward.
 *
 * The app must see the same time without knowing about devhost (the product reads `Date.now()` and
 * `new Date()`, and must not import devhost), so a controllable clock replaces the process's global
 * `Date` with a shifted one: `Date.now()` and an argument-less `new Date()` answer real time plus
 * the offset; `new Date(x)`, `Date(...)` called as a function (a string of the shifted time),
 * `Date.parse`, `Date.UTC`, `instanceof Date` and `Date.prototype` are the real ones. Installed
 * before the app loads, removed by `uninstall()` (devhost's stop). Node's own timers keep real
 * durations: whatever waits on the clock (durable timers, timer triggers) re-checks what is due
 * on every advance (`onAdvance`).
 */
export type ClockMode = 'real' | 'controllable';

export interface DevhostClock {
  readonly mode: ClockMode;
  /** Host time, ms since the epoch. */
  now(): number;
  /** How far ahead of real time the clock is, ms (0 for a real clock). */
  offsetMs(): number;
  /** Moves the clock forward (controllable only) and runs the listeners; throws RangeError naming a bad value. */
  advance(ms: number): void;
  /** Called after every advance; returns its unsubscribe. */
  onAdvance(listener: () => void): () => void;
  /** Puts the real global Date back (controllable clocks). */
  uninstall(): void;
}

/** Why `ms` is not a valid advance of the clock, or undefined. */
export function advanceProblem(ms: unknown): string | undefined {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return `must be a finite number, got ${JSON.stringify(ms) ?? String(ms)}`;
  if (ms <= 0) return `must be positive: the clock only moves forward (got ${ms / 1000})`;
  return undefined;
}

const RealDate = Date;

/** A real clock: nothing installed, no advance. */
export function realClock(): DevhostClock {
  return {
    mode: 'real',
    now: () => RealDate.now(),
    offsetMs: () => 0,
    advance() {
      throw new RangeError('devhost runs on the real clock: start it with --clock controllable (or DEVHOST_CLOCK=controllable) to advance time');
    },
    onAdvance: () => () => undefined,
    uninstall: () => undefined,
  };
}

/** A controllable clock starting `initialOffsetMs` ahead of real time; installs the shifted global Date now. */
export function controllableClock(initialOffsetMs = 0): DevhostClock {
  if (!Number.isFinite(initialOffsetMs) || initialOffsetMs < 0) throw new RangeError(`the clock's offset must be a non-negative number of ms, got ${initialOffsetMs}`);
  let offset = initialOffsetMs;
  const listeners = new Set<() => void>();
  const now = () => RealDate.now() + offset;
  const previous = globalThis.Date;
  globalThis.Date = shiftedDate(now);
  return {
    mode: 'controllable',
    now,
    offsetMs: () => offset,
    advance(ms: number) {
      const problem = advanceProblem(ms);
      if (problem) throw new RangeError(`the advance ${problem}`);
      offset += ms;
      for (const l of [...listeners]) l();
    },
    onAdvance(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    uninstall() {
      globalThis.Date = previous;
    },
  };
}

/** The clock a command line or environment asks for (`--clock`, DEVHOST_CLOCK; offset for a restart that keeps it). */
export function clockFor(mode: ClockMode, initialOffsetMs = 0): DevhostClock {
  return mode === 'controllable' ? controllableClock(initialOffsetMs) : realClock();
}

/**
 * The real Date behind a Proxy: construct with no arguments and `now()` read `now`; everything
 * else (the prototype, parse, UTC, `instanceof`) is the real Date's, so dates made before and
 * after the install are the same kind of object.
 */
function shiftedDate(now: () => number): DateConstructor {
  return new Proxy(RealDate, {
    construct(target, args: unknown[], newTarget) {
      return Reflect.construct(target, args.length ? args : [now()], newTarget) as object;
    },
    apply() {
      // `Date()` as a function ignores its arguments and answers the current time as a string.
      return new RealDate(now()).toString();
    },
    get(target, prop, receiver) {
      if (prop === 'now') return now;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}
