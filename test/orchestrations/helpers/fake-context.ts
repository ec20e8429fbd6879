import { DummyOrchestrationContext, type OrchestrationHandler } from 'durable-functions';

/**
 * A fake durable context for unit tests of orchestrators: it drives the REAL durable-functions
 * library (v3, `createOrchestrator`, the wrapper `df.app.orchestration` registers) the way the
 * Durable Task extension does, with a history replayed from the start on every turn — so the
 * orchestrator's `Task`s are the library's own DFTask objects (`Task.any`, `timer.cancel()`,
 * buffered external events, `continueAsNew`, `isReplaying`, `currentUtcDateTime` from the
 * turn's OrchestratorStarted event all behave as on Azure). What the extension would do
 * outside the orchestrator, the test decides:
 * - an activity's result: `answers[name]` — a value, a list of values (one per call, the last one
 *   repeats) or a function of (input, call number, the run); a function that throws fails the
 *   task (TaskFailed, thrown into the generator);
 * - a sub-orchestration's result: `subOrchestrations[name]`, the same way;
 * - external events: `events` at a time after the start, or `run.raise(name, data)` from an answer
 *   (delivered with that answer, as an event raised while the activity ran);
 * - timers fire when nothing else is outstanding: the clock jumps to the earliest armed timer
 *   (a scheduled event at or before that time comes first); a cancelled timer never fires.
 * Activities complete at the time they were scheduled (no clock advance).
 *
 * The run ends when the orchestration completes, fails, continues as new, or waits on nothing
 * that can come (`waiting`: e.g. only an external event with none scheduled).
 * Every action is recorded in order: activity calls (name, input), timers (fireAt, ms after the
 * start, whether cancelled), waits for events, sub-orchestrations, continue-as-new; and every
 * custom status set (as the library reports it at the end of a turn). The run ends at
 * continue-as-new (no events are carried into a next execution: a test starts that one itself). Wire shapes as in tools/devhost/durable/history.ts (DTFx PascalCase events).
 */

// durable-functions' own wrapper (lib/src/util/testingUtils.js); not in its type declarations.
const { createOrchestrator } = require('durable-functions/lib/src/util/testingUtils') as {
  createOrchestrator: (fn: OrchestrationHandler) => (trigger: unknown, context: DummyOrchestrationContext) => Promise<WireState>;
};

const EventType = { ExecutionStarted: 0, TaskScheduled: 4, TaskCompleted: 5, TaskFailed: 6, SubOrchestrationInstanceCreated: 7, SubOrchestrationInstanceCompleted: 8, SubOrchestrationInstanceFailed: 9, TimerCreated: 10, TimerFired: 11, OrchestratorStarted: 12, OrchestratorCompleted: 13, EventRaised: 15 } as const;
// durable-functions ActionType.
const Action = { CallActivity: 0, CallActivityWithRetry: 1, CallSubOrchestrator: 2, CallSubOrchestratorWithRetry: 3, ContinueAsNew: 4, CreateTimer: 5, WaitForExternalEvent: 6, WhenAny: 11, WhenAll: 12 } as const;
const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

interface WireAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: WireAction[];
}
interface WireState {
  isDone: boolean;
  actions: WireAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}
interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

/** A function answer: (the call's input, which call of this name it is (1-based), the run). */
export type AnswerFn = (input: any, call: number, run: RunControl) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
/** A value (every call), a list (one per call, the last repeats) or a function. */
export type Answer = AnswerFn | unknown[] | object | string | number | boolean | null;

/** What an answer function may do besides answering. */
export interface RunControl {
  /** The orchestration's time now (the turn that scheduled the call). */
  now: Date;
  /** Raises an external event, delivered with this answer (as if raised while the activity ran). */
  raise(name: string, data?: unknown): void;
}

export type Recorded =
  | { kind: 'activity'; name: string; input: unknown; atMs: number }
  | { kind: 'timer'; fireAt: string; afterMs: number; atMs: number; cancelled: boolean }
  | { kind: 'waitForEvent'; name: string; atMs: number }
  | { kind: 'subOrchestration'; name: string; input: unknown; instanceId?: string; atMs: number }
  | { kind: 'continueAsNew'; input: unknown; atMs: number };

export interface RunOptions {
  input: unknown;
  instanceId?: string;
  /** The first turn's time (default 2026-01-01T00:00:00Z). */
  start?: Date;
  answers?: Record<string, Answer>;
  subOrchestrations?: Record<string, Answer>;
  /** External events raised `afterMs` after the start. */
  events?: { afterMs: number; name: string; data?: unknown }[];
  /** Turns before the run is declared runaway (default 5000). */
  maxTurns?: number;
}

export interface RunResult {
  status: 'completed' | 'failed' | 'continuedAsNew' | 'waiting';
  output?: unknown;
  /** The orchestration's error message (status failed). */
  error?: string;
  /** The input given to continueAsNew (status continuedAsNew). */
  continuedWith?: unknown;
  actions: Recorded[];
  /** Activity calls only, in order: `[name, input]`. */
  calls: [string, unknown][];
  customStatus?: unknown;
  /** Every custom status set, in order (a value repeated by a later turn is not repeated here). */
  customStatuses: unknown[];
  /** Milliseconds of orchestration time from the start to the end of the run. */
  elapsedMs: number;
  turns: number;
}

type Outstanding = { kind: 'activity' | 'sub'; taskId: number; name: string; input: unknown; instanceId?: string };

/** Drives `handler` with `options` until it completes, fails, continues as new, or can only wait. */
export async function runOrchestration(handler: OrchestrationHandler, options: RunOptions): Promise<RunResult> {
  const start = options.start ?? new Date('2026-01-01T00:00:00.000Z');
  const instanceId = options.instanceId ?? 'test-instance';
  const orchestrator = createOrchestrator(handler);
  const calls = new Map<string, number>();
  const history: HistoryEvent[] = [];
  const recorded: Recorded[] = [];
  const leafTaskIds: (number | undefined)[] = [];
  const signatures: string[] = [];
  const armed = new Map<number, Date>();
  const timers = new Map<number, Extract<Recorded, { kind: 'timer' }>>();
  const outstanding: Outstanding[] = [];
  const scheduled = [...(options.events ?? [])].sort((a, b) => a.afterMs - b.afterMs);
  let now = start;
  let nextTaskId = 0;
  let inbox: HistoryEvent[] = [ev(EventType.ExecutionStarted, { Name: 'orchestrator', Input: json(options.input), OrchestrationInstance: { InstanceId: instanceId } })];
  let customStatus: unknown;
  const customStatuses: unknown[] = [];
  const at = () => now.getTime() - start.getTime();
  const result = (r: Omit<RunResult, 'actions' | 'calls' | 'elapsedMs' | 'turns' | 'customStatus' | 'customStatuses'>, turns: number): RunResult => ({
    ...r,
    actions: recorded,
    calls: recorded.flatMap((a) => (a.kind === 'activity' ? [[a.name, a.input] as [string, unknown]] : [])),
    ...(customStatus !== undefined ? { customStatus } : {}),
    customStatuses,
    elapsedMs: at(),
    turns,
  });

  for (let turn = 1; turn <= (options.maxTurns ?? 5000); turn++) {
    for (const e of history) e.IsPlayed = true;
    history.push(ev(EventType.OrchestratorStarted, {}, -1, now));
    history.push(...inbox);
    inbox = [];
    const state = await invoke(orchestrator, history, options.input, instanceId, turn > 1);
    if (state.customStatus !== undefined && JSON.stringify(state.customStatus) !== JSON.stringify(customStatus)) customStatuses.push((customStatus = state.customStatus));

    const leaves = flatten(state.actions?.[0] ?? []);
    for (let i = 0; i < Math.min(signatures.length, leaves.length); i++) {
      if (signatures[i] !== signature(leaves[i])) throw new Error(`non-deterministic replay: action #${i} was ${signatures[i]}, now ${signature(leaves[i])}`);
    }
    for (let i = signatures.length; i < leaves.length; i++) {
      const a = leaves[i];
      signatures.push(signature(a));
      leafTaskIds.push(schedule(a));
    }
    // A timer cancelled since it was created (the event of a Task.any won) never fires.
    leaves.forEach((a, i) => {
      const id = leafTaskIds[i];
      if (a.actionType === Action.CreateTimer && a.isCanceled && id !== undefined && armed.delete(id)) timers.get(id)!.cancelled = true;
    });
    history.push(ev(EventType.OrchestratorCompleted, {}, -1, now));

    if (state.error !== undefined) return result({ status: 'failed', error: state.error }, turn);
    if (state.isDone) {
      const next = leaves.find((a) => a.actionType === Action.ContinueAsNew);
      return next ? result({ status: 'continuedAsNew', continuedWith: decode(next.input) }, turn) : result({ status: 'completed', output: state.output }, turn);
    }

    // What happens next: outstanding work completes now; else the earliest event or timer.
    if (outstanding.length) {
      for (const w of outstanding.splice(0)) inbox.push(...(await complete(w)));
      continue;
    }
    const timer = [...armed.entries()].sort((a, b) => a[1].getTime() - b[1].getTime() || a[0] - b[0])[0];
    const event = scheduled[0];
    if (event && (!timer || start.getTime() + event.afterMs <= timer[1].getTime())) {
      scheduled.shift();
      now = new Date(Math.max(now.getTime(), start.getTime() + event.afterMs));
      inbox.push(ev(EventType.EventRaised, { Name: event.name, Input: json(event.data) }, -1, now));
      continue;
    }
    if (timer) {
      armed.delete(timer[0]);
      if (timer[1] > now) now = timer[1];
      inbox.push(ev(EventType.TimerFired, { TimerId: timer[0], FireAt: timer[1].toISOString() }, -1, now));
      continue;
    }
    return result({ status: 'waiting' }, turn);
  }
  throw new Error(`the orchestration was still running after ${options.maxTurns ?? 5000} turns`);

  /** A new action becomes history and work (as the extension does); answers its task id. */
  function schedule(a: WireAction): number | undefined {
    switch (a.actionType) {
      case Action.CallActivity:
      case Action.CallActivityWithRetry: {
        const taskId = nextTaskId++;
        const input = decode(a.input);
        history.push(ev(EventType.TaskScheduled, { Name: a.functionName, Input: json(input) }, taskId, now));
        recorded.push({ kind: 'activity', name: a.functionName!, input, atMs: at() });
        outstanding.push({ kind: 'activity', taskId, name: a.functionName!, input });
        return taskId;
      }
      case Action.CreateTimer: {
        const taskId = nextTaskId++;
        const fireAt = new Date(String(a.fireAt));
        history.push(ev(EventType.TimerCreated, { FireAt: fireAt.toISOString() }, taskId, now));
        const r = { kind: 'timer' as const, fireAt: fireAt.toISOString(), afterMs: fireAt.getTime() - now.getTime(), atMs: at(), cancelled: !!a.isCanceled };
        timers.set(taskId, r);
        recorded.push(r);
        if (!a.isCanceled) armed.set(taskId, fireAt);
        return taskId;
      }
      case Action.CallSubOrchestrator:
      case Action.CallSubOrchestratorWithRetry: {
        const taskId = nextTaskId++;
        const input = decode(a.input);
        history.push(ev(EventType.SubOrchestrationInstanceCreated, { Name: a.functionName, InstanceId: a.instanceId ?? `${instanceId}:${taskId}`, Input: json(input) }, taskId, now));
        recorded.push({ kind: 'subOrchestration', name: a.functionName!, input, ...(a.instanceId ? { instanceId: a.instanceId } : {}), atMs: at() });
        outstanding.push({ kind: 'sub', taskId, name: a.functionName!, input, ...(a.instanceId ? { instanceId: a.instanceId } : {}) });
        return taskId;
      }
      case Action.WaitForExternalEvent:
        recorded.push({ kind: 'waitForEvent', name: a.externalEventName!, atMs: at() });
        return undefined;
      case Action.ContinueAsNew:
        recorded.push({ kind: 'continueAsNew', input: decode(a.input), atMs: at() });
        return undefined;
      default:
        throw new Error(`the fake durable context does not support action type ${a.actionType}`);
    }
  }

  /** The test's answer to one outstanding task, as history events (raised events first). */
  async function complete(w: Outstanding): Promise<HistoryEvent[]> {
    const table = w.kind === 'activity' ? options.answers : options.subOrchestrations;
    if (!table || !(w.name in table)) throw new Error(`the test gave no answer for ${w.kind === 'activity' ? 'activity' : 'sub-orchestration'} ${w.name} (input ${JSON.stringify(w.input)})`);
    const n = (calls.get(w.name) ?? 0) + 1;
    calls.set(w.name, n);
    const raised: HistoryEvent[] = [];
    const control: RunControl = { now, raise: (name, data) => raised.push(ev(EventType.EventRaised, { Name: name, Input: json(data) }, -1, now)) };
    const answer = table[w.name];
    try {
      const value = typeof answer === 'function' ? await (answer as AnswerFn)(w.input, n, control) : Array.isArray(answer) ? answer[Math.min(n, answer.length) - 1] : answer;
      return [...raised, ev(w.kind === 'activity' ? EventType.TaskCompleted : EventType.SubOrchestrationInstanceCompleted, { TaskScheduledId: w.taskId, Result: json(value) }, -1, now)];
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const failed = w.kind === 'activity' ? EventType.TaskFailed : EventType.SubOrchestrationInstanceFailed;
      return [...raised, ev(failed, { TaskScheduledId: w.taskId, Reason: e.message, Details: e.stack ?? '', FailureDetails: { ErrorType: e.name, ErrorMessage: e.message } }, -1, now)];
    }
  }
}

/** One turn: the whole history to a fresh invocation of the library's orchestrator wrapper. */
async function invoke(orchestrator: ReturnType<typeof createOrchestrator>, history: HistoryEvent[], input: unknown, instanceId: string, isReplaying: boolean): Promise<WireState> {
  const trigger = {
    history,
    input,
    instanceId,
    isReplaying,
    parentInstanceId: '',
    upperSchemaVersion: 2,
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
  const context = new DummyOrchestrationContext('orchestrator', `turn-${history.length}`, () => undefined);
  try {
    return JSON.parse(JSON.stringify(await orchestrator(trigger, context))) as WireState;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const i = message.indexOf(OUT_OF_PROC_LABEL);
    if (i < 0) return { isDone: false, actions: [[]], error: message };
    const state = JSON.parse(message.slice(i + OUT_OF_PROC_LABEL.length)) as WireState;
    return { ...state, error: state.error ?? message.slice(0, i).trim() };
  }
}

function ev(type: number, fields: Record<string, unknown> = {}, eventId = -1, at = new Date(0)): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: at.toISOString(), ...fields };
}

function json(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

/** The library JSON-encodes string inputs of activity actions (Utils.processInput). */
function decode(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

function flatten(actions: WireAction[]): WireAction[] {
  const out: WireAction[] = [];
  const walk = (a: WireAction) => {
    if (a.actionType === Action.WhenAll || a.actionType === Action.WhenAny) for (const c of a.compoundActions ?? []) walk(c);
    else out.push(a);
  };
  for (const a of actions) walk(a);
  return out;
}

function signature(a: WireAction): string {
  return `${a.actionType}:${a.functionName ?? a.externalEventName ?? ''}`;
}

/**
 * The run as one line per action, for situation tables: `name(detail)` for activities (detail
 * from `detail`, empty by default), `wait <ms>` for timers (`(cancelled)` when cancelled),
 * `event <name>` for waits, `continueAsNew`.
 */
export function timeline(r: RunResult, detail: (name: string, input: any) => string | undefined = () => undefined): string[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return r.actions.map((a) => {
    if (a.kind === 'activity') {
      const d = detail(a.name, a.input);
      return d ? `${a.name}(${d})` : a.name;
    }
    if (a.kind === 'timer') return `wait ${a.afterMs}${a.cancelled ? ' (cancelled)' : ''}`;
    if (a.kind === 'waitForEvent') return `event ${a.name}`;
    if (a.kind === 'subOrchestration') return `sub ${a.name}`;
    return 'continueAsNew';
  });
}

/** An answer that gives `byKey(input)`'s own list of answers one per call (the last repeats). */
export function perKey(key: (input: any) => string, lists: Record<string, unknown[]>, otherwise?: unknown): AnswerFn { // eslint-disable-line @typescript-eslint/no-explicit-any
  const calls = new Map<string, number>();
  return (input) => {
    const k = key(input);
    const list = lists[k];
    if (!list) {
      if (otherwise === undefined) throw new Error(`no answer for key ${k}`);
      return otherwise;
    }
    const n = (calls.get(k) ?? 0) + 1;
    calls.set(k, n);
    return list[Math.min(n, list.length) - 1];
  };
}
