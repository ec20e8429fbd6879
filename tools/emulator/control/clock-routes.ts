import { invalidParameters } from '../arm/errors';
import { isObject } from '../arm/stored-resource';
import type { ArmResponse, EmulatorRuntime, RawContext } from '../arm/types';
import { advanceProblem } from '../clock';

/**
 * The clock's control routes (README "Clock"):
 *   GET  /_emulator/clock                    {now, nowMs, offsetSeconds}
 *   POST /_emulator/clock/advance {seconds}  moves the clock forward: every grain crossed is
 *        sampled, every LRO that fell due completes, busy instances and container runs move on;
 *        answers the clock after the jump. 400 (InvalidParameter, naming the problem) unless the
 *        body is exactly {"seconds": positive finite number}: the clock never goes backwards.
 */
type Route = { method: string; pattern: RegExp; handle: (ctx: RawContext, m: RegExpMatchArray) => ArmResponse };

export interface ClockBody {
  /** Emulated time, ISO 8601. */
  now: string;
  /** Emulated time, ms since the epoch. */
  nowMs: number;
  /** How far the clock is ahead of real time, seconds. */
  offsetSeconds: number;
}

export function clockBody(emu: EmulatorRuntime): ClockBody {
  const nowMs = emu.clock.now();
  return { now: new Date(nowMs).toISOString(), nowMs, offsetSeconds: emu.clock.offsetMs() / 1000 };
}

/** Every problem of an advance body, empty when it is valid. */
export function advanceBodyProblems(body: unknown): string[] {
  if (!isObject(body)) return ['Body must be a JSON object {"seconds": n}.'];
  const problems = Object.keys(body).filter((k) => k !== 'seconds').map((k) => `'${k}' is not a clock setting (only 'seconds').`);
  const seconds = body.seconds;
  if (seconds === undefined) problems.push("'seconds' is required: how far to move the clock forward.");
  else if (typeof seconds !== 'number' || !Number.isFinite(seconds)) problems.push(`'seconds' must be a finite number, got ${JSON.stringify(seconds)}.`);
  else if (seconds <= 0) problems.push(`'seconds' must be positive: the clock only moves forward (got ${seconds}).`);
  else if (advanceProblem(seconds * 1000)) problems.push(`'seconds' is too large (got ${seconds}).`);
  return problems;
}

export function clockRoutes(emu: EmulatorRuntime): Route[] {
  return [
    { method: 'GET', pattern: /^\/clock$/, handle: () => ({ status: 200, body: clockBody(emu) }) },
    {
      method: 'POST',
      pattern: /^\/clock\/advance$/,
      handle: (ctx) => {
        const problems = advanceBodyProblems(ctx.body);
        if (problems.length) throw invalidParameters(problems);
        emu.clock.advance((ctx.body as { seconds: number }).seconds * 1000);
        return { status: 200, body: clockBody(emu) };
      },
    },
  ];
}
