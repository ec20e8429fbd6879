import type { DevhostClock } from './clock';
import { advanceProblem } from './clock';

/**
 * devhost's clock admin routes (tools/devhost/README.md "Clock"):
 *   GET  /admin/clock                    {mode, now, nowMs, offsetSeconds, nextTimerAtMs?} (the
 *        earliest armed durable timer: a caller that wants each timer of a span to fire at its own
 *        time, as real time would, advances to it first — test/integration/helpers/stack.ts does)
 *   POST /admin/clock/advance {seconds}  moves the host's clock forward (a controllable clock only:
 *        409 on a real one), re-checks every durable timer and timer trigger, and answers once the
 *        durable engine and the timer functions are idle again (due timers fired and everything
 *        they started done; timers due later do not count), waiting at most `settleTimeoutMs`:
 *        {mode, now, nowMs, offsetSeconds, nextTimerAtMs?, idle, waitedMs, busy?} — `idle: false` names what
 *        still runs. 400 naming the problem unless the body is exactly {"seconds": positive finite}.
 * This is what makes "advance, then check" deterministic for a test: what fell due has happened.
 */
export interface ClockRouteDeps {
  clock: DevhostClock;
  /** Waits (bounded) until the host is idle; answers whether it got there and what still runs when not. */
  waitIdle(timeoutMs: number): Promise<{ idle: boolean; waitedMs: number; busy?: string }>;
  settleTimeoutMs?: number;
  /** When the earliest armed durable timer is due (ms), if any: a caller that wants every timer of a span to run in order steps the clock to it. */
  nextTimerAt?(): number | undefined;
}

export interface AdminReply {
  status: number;
  body: unknown;
}

function clockBody(deps: ClockRouteDeps) {
  const nowMs = deps.clock.now();
  const next = deps.nextTimerAt?.();
  return { mode: deps.clock.mode, now: new Date(nowMs).toISOString(), nowMs, offsetSeconds: deps.clock.offsetMs() / 1000, ...(next !== undefined ? { nextTimerAtMs: next } : {}) };
}

/** Every problem of an advance body, empty when it is valid. */
export function advanceBodyProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['the body must be a JSON object {"seconds": n}'];
  const b = body as Record<string, unknown>;
  const problems = Object.keys(b).filter((k) => k !== 'seconds').map((k) => `'${k}' is not a clock setting (only 'seconds')`);
  if (b.seconds === undefined) problems.push("'seconds' is required: how far to move the clock forward");
  else {
    const p = advanceProblem(typeof b.seconds === 'number' ? b.seconds * 1000 : b.seconds);
    if (p) problems.push(`'seconds' ${typeof b.seconds === 'number' && b.seconds <= 0 ? `must be positive: the clock only moves forward (got ${b.seconds})` : p}`);
  }
  return problems;
}

/** Answers a request under /admin/clock, or undefined when the path is not a clock route. */
export async function handleClockRoute(deps: ClockRouteDeps, method: string, lowerPath: string, rawBody: Buffer): Promise<AdminReply | undefined> {
  if (lowerPath === '/admin/clock') {
    if (method !== 'GET') return { status: 405, body: { detail: `${method} /admin/clock: only GET` } };
    return { status: 200, body: clockBody(deps) };
  }
  if (lowerPath !== '/admin/clock/advance') return undefined;
  if (method !== 'POST') return { status: 405, body: { detail: `${method} /admin/clock/advance: only POST` } };
  if (deps.clock.mode !== 'controllable') return { status: 409, body: { detail: 'devhost runs on the real clock: start it with --clock controllable (or DEVHOST_CLOCK=controllable) to advance time' } };
  let body: unknown;
  try {
    body = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : undefined;
  } catch {
    return { status: 400, body: { detail: 'the body is not JSON: send {"seconds": n}', problems: ['the body is not JSON'] } };
  }
  const problems = advanceBodyProblems(body);
  if (problems.length) return { status: 400, body: { detail: `bad clock advance: ${problems.join('; ')}`, problems } };
  deps.clock.advance((body as { seconds: number }).seconds * 1000);
  const settled = await deps.waitIdle(deps.settleTimeoutMs ?? 30_000);
  return { status: 200, body: { ...clockBody(deps), ...settled } };
}
