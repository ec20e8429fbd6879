/**
 * Moving a stack's one clock forward: the emulator's (tools/emulator/clock.ts) and devhost's
 * (`--clock controllable`, tools/devhost/clock.ts) by the same amount, emulator first, so what
 * devhost's app reads after the jump (metrics, LROs) is already there. The time is cut into steps
 * that end at each durable timer's due time (devhost's GET /admin/clock `nextTimerAtMs`), as real
 * time would run them: an orchestration polling every 500 ms polls 120 times in a minute, not once.
 * Each devhost step waits until its durable engine and timer functions are idle.
 *
 * Used by the test stack (test/integration/helpers/stack.ts, the emulator in-process) and by
 * `npm run demo -- --fast-clock` (the emulator over its control API). Both clocks must start
 * at the same offset (the stack starts devhost at the emulator's).
 */
export interface StackClockParts {
  /** Moves the emulator's clock `ms` forward (in-process clock.advance, or POST /_emulator/clock/advance). */
  advanceEmulator(ms: number): Promise<void> | void;
  /** The emulator's offset from real time after its advances, ms. */
  emulatorOffsetMs(): Promise<number> | number;
  /** The emulator's time, ms since the epoch. */
  emulatorNow(): Promise<number> | number;
  /** devhost's admin API: GET (no body) or POST with a JSON body; answers status and the parsed body. */
  devhost(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

/** devhost's GET /admin/clock and POST /admin/clock/advance answer (tools/devhost/clock-routes.ts). */
interface DevhostClockAnswer {
  offsetSeconds: number;
  nowMs: number;
  nextTimerAtMs?: number;
  idle?: boolean;
  busy?: string;
  detail?: string;
}

/**
 * Advances both clocks `seconds` (positive, finite); resolves with the stack's time afterwards
 * (ms since the epoch). Throws naming the problem: a bad `seconds`; devhost refusing (409 on a
 * real clock); devhost not idle after a step (names what runs); the two offsets disagreeing;
 * more than 20000 steps (a timer loop that never waits).
 */
export async function advanceStackClock(parts: StackClockParts, seconds: number): Promise<number> {
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new Error(`advancing the stack's clock: seconds must be a positive number, got ${seconds}`);
  let next = ((await parts.devhost('GET', '/admin/clock')).body as DevhostClockAnswer).nextTimerAtMs;
  let left = Math.round(seconds * 1000);
  for (let steps = 0; left > 0; steps++) {
    if (steps > 20_000) throw new Error(`advancing the stack's clock ${seconds} s: more than 20000 timer steps (a timer loop that never waits?)`);
    const stepMs = next !== undefined ? Math.min(left, Math.max(1, Math.ceil(next - (await parts.emulatorNow())))) : left;
    await parts.advanceEmulator(stepMs);
    const res = await parts.devhost('POST', '/admin/clock/advance', { seconds: stepMs / 1000 });
    const body = res.body as DevhostClockAnswer;
    if (res.status !== 200) throw new Error(`devhost refused the advance: ${res.status} ${body?.detail ?? JSON.stringify(body)}`);
    const emulatorOffset = await parts.emulatorOffsetMs();
    if (Math.round(body.offsetSeconds * 1000) !== emulatorOffset) throw new Error(`devhost's clock is ${body.offsetSeconds} s ahead, the emulator's ${emulatorOffset / 1000} s`);
    if (!body.idle) throw new Error(`devhost was not idle after the advance: ${body.busy ?? 'unknown'}`);
    next = body.nextTimerAtMs;
    left -= stepMs;
  }
  return parts.emulatorNow();
}
