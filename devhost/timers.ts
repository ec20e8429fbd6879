import { Cron } from 'croner';
import type { DevhostInvoker } from './invoker';
import type { LoadedFunction } from './loader';
import type { Logger } from './log';
import { resolveAppSettings } from './settings';

/**
 * Timer triggers by their NCRONTAB schedule (six fields, seconds first, UTC like the host's
 * default) or a TimeSpan (`hh:mm:ss`, fixed interval), `runOnStartup`, and the trigger value the
 * host sends: `{Schedule, ScheduleStatus {Last, Next, LastUpdated}, IsPastDue}`. One invocation
 * of a timer at a time: an occurrence that comes due while the previous run still runs is
 * invoked afterwards with `IsPastDue: true`, as the host does.
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
  last?: Date;
  busy: boolean;
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
      if (fn.trigger.runOnStartup === true) void this.fire(timer, this.now(), false);
      this.arm(timer);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) if (t.handle) clearTimeout(t.handle);
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

  private arm(timer: RunningTimer): void {
    if (this.stopped) return;
    const due = timer.schedule.next(this.now());
    if (!due) return;
    // setTimeout caps at ~24.8 days; re-arm in steps for far-away occurrences.
    const delay = Math.min(Math.max(0, due.getTime() - this.now().getTime()), 2 ** 31 - 1);
    timer.handle = setTimeout(() => {
      if (this.now().getTime() + 5 < due.getTime()) return this.arm(timer);
      void this.fire(timer, due, true);
      this.arm(timer);
    }, delay);
    timer.handle.unref?.();
  }

  private async fire(timer: RunningTimer, scheduled: Date, fromSchedule: boolean): Promise<void> {
    if (timer.busy) {
      // Overlapping occurrence: the host skips it rather than running two at once.
      this.log.warn(`timer '${timer.fn.name}' occurrence at ${scheduled.toISOString()} skipped: previous run still in progress`);
      return;
    }
    timer.busy = true;
    const started = this.now();
    const isPastDue = fromSchedule && started.getTime() - scheduled.getTime() > 1000;
    const next = timer.schedule.next(started);
    const value = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: (timer.last ?? new Date(0)).toISOString(),
        Next: next?.toISOString() ?? null,
        LastUpdated: started.toISOString(),
      },
      IsPastDue: isPastDue,
    };
    timer.last = started;
    try {
      await this.invoker.invoke(timer.fn.name, value);
    } catch {
      // Already logged by the invoker as a failed invocation; the schedule goes on.
    } finally {
      timer.busy = false;
    }
  }
}
