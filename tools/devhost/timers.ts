import { Cron } from 'croner';
import type { DevhostInvoker } from './invoker';
import type { LoadedFunction } from './loader';
import type { Logger } from './log';
import { resolveAppSettings } from './settings';

/**
 * Timer triggers by their NCRONTAB schedule (six fields, seconds first, UTC like the host's
 * default) or a TimeSpan (`hh:mm:ss`, fixed interval), `runOnStartup`, and the trigger value the
 * host sends: `{Schedule, ScheduleStatus {Last, Next, LastUpdated}, IsPastDue}`. One invocation
 * of a timer at a time: occurrences that come due while the previous run still runs are
 * invoked once, right after it, with `IsPastDue: true`, as the host does. Schedule status lives
 * in memory only (the real host keeps it in storage to detect occurrences missed while down).
 */
export interface TimerSchedule {
  next(after: Date): Date | null;
}

/** Throws with a clear message when the schedule is not a valid NCRONTAB or TimeSpan. */
export function parseSchedule(schedule: string): TimerSchedule {
  const span = /^(\d+\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(schedule.trim());
  if (span) {
    const ms = ((Number(span[1]?.slice(0, -1) ?? 0) * 24 + Number(span[2])) * 3600 + Number(span[3]) * 60 + Number(span[4])) * 1000;
    if (ms <= 0) throw new Error(`timer schedule "${schedule}" must be a positive interval`);
    return { next: (after) => new Date(after.getTime() + ms) };
  }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`timer schedule "${schedule}" is not an NCRONTAB expression with six fields (seconds first)`);
  const cron = new Cron(schedule.trim(), { paused: true, timezone: 'Etc/UTC', mode: '6-part' });
  return { next: (after) => cron.nextRun(after) };
}

interface RunningTimer {
  fn: LoadedFunction;
  schedule: TimerSchedule;
  handle?: NodeJS.Timeout;
  /** The occurrence the handle waits for. */
  due?: Date;
  /** Scheduled time of the last occurrence that ran. */
  last?: Date;
  busy: boolean;
  /** An occurrence that came due while the previous run was still running. */
  pastDue?: Date;
}

export class TimerScheduler {
  private readonly timers: RunningTimer[] = [];
  private stopped = false;

  constructor(
    private readonly invoker: DevhostInvoker,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(functions: Iterable<LoadedFunction>): void {
    for (const fn of functions) {
      if (fn.trigger.type !== 'timerTrigger') continue;
      let schedule: TimerSchedule;
      try {
        schedule = parseSchedule(resolveAppSettings(String(fn.trigger.schedule ?? '')));
      } catch (err) {
        this.log.error(`timer '${fn.name}' not scheduled: ${(err as Error).message}`);
        continue;
      }
      const timer: RunningTimer = { fn, schedule, busy: false };
      this.timers.push(timer);
      // A runOnStartup run is not past due, as in the host.
      if (fn.trigger.runOnStartup === true) void this.fire(timer, this.now(), false);
      this.arm(timer);
    }
  }

  /** Stops scheduling and waits (bounded) for runs in progress, so nothing runs after stop. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) if (t.handle) clearTimeout(t.handle);
    const deadline = Date.now() + timeoutMs;
    while (this.timers.some((t) => t.busy) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /**
   * After the clock jumped (tools/devhost/clock.ts): a timer whose next occurrence is now past runs
   * once, past due, and is armed for its first occurrence after now — the occurrences skipped in
   * between are not run one by one, as the host runs a missed schedule once (IsPastDue). The
   * others are armed again against the new time.
   */
  recheck(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const timer of this.timers) {
      if (timer.handle) clearTimeout(timer.handle);
      const due = timer.due;
      if (due && due.getTime() <= now.getTime()) {
        void this.fire(timer, due, true);
        this.arm(timer, now);
      } else this.arm(timer);
    }
  }

  /** Whether no timer function is running. */
  isIdle(): boolean {
    return !this.timers.some((t) => t.busy);
  }

  /** What `GET /admin/host/status`-style introspection shows. */
  describe(): { name: string; schedule: string; last?: string; next?: string }[] {
    return this.timers.map((t) => ({
      name: t.fn.name,
      schedule: String(t.fn.trigger.schedule),
      ...(t.last ? { last: t.last.toISOString() } : {}),
      ...(t.schedule.next(this.now()) ? { next: t.schedule.next(this.now())!.toISOString() } : {}),
    }));
  }

  private arm(timer: RunningTimer, after?: Date): void {
    if (this.stopped) return;
    // Never before the occurrence just handled, even if the clock reads a hair earlier.
    const from = after && after.getTime() > this.now().getTime() ? after : this.now();
    const due = timer.schedule.next(from);
    if (!due) return;
    // setTimeout caps at ~24.8 days; re-arm in steps for far-away occurrences.
    const delay = Math.min(Math.max(0, due.getTime() - this.now().getTime()), 2 ** 31 - 1);
    timer.due = due;
    timer.handle = setTimeout(() => {
      if (this.now().getTime() + 5 < due.getTime()) return this.arm(timer, after);
      void this.fire(timer, due, false);
      this.arm(timer, due);
    }, delay);
    timer.handle.unref?.();
  }

  private async fire(timer: RunningTimer, scheduled: Date, catchUp: boolean): Promise<void> {
    if (this.stopped) return;
    if (timer.busy) {
      // The previous run is still going: like the host, run once more as soon as it ends,
      // marked past due (several missed occurrences coalesce into one).
      timer.pastDue ??= scheduled;
      return;
    }
    timer.busy = true;
    const started = this.now();
    const next = timer.schedule.next(started);
    const value = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: (timer.last ?? NEVER).toISOString(),
        Next: next?.toISOString() ?? null,
        LastUpdated: started.toISOString(),
      },
      // Late by more than a second (a blocked event loop) also counts as past due.
      IsPastDue: catchUp || started.getTime() - scheduled.getTime() > 1000,
    };
    timer.last = scheduled;
    try {
      await this.invoker.invokeWithRetry(timer.fn.name, value, () => this.stopped);
    } catch {
      // Already logged by the invoker as a failed invocation; the schedule goes on.
    } finally {
      timer.busy = false;
    }
    const missed = timer.pastDue;
    if (missed) {
      timer.pastDue = undefined;
      await this.fire(timer, missed, true);
    }
  }
}

/** What the host reports as the last run of a timer that has not run yet (DateTime.MinValue). */
const NEVER = new Date('0001-01-01T00:00:00.000Z');
