import { randomUUID } from 'node:crypto';
import type { FunctionInvoker } from '../contracts';
import type { Logger } from '../log';
import { event, EventType, toJsonText, type FailureDetails, type HistoryEvent } from './history';
import { nextRetryDelayMs } from './retry';
import { Semaphore } from './semaphore';
import type { EngineStore } from './store';
import { TERMINAL, type ActionSignature, type InboxMessage, type Instance, type RetryChain, type RetryOptionsWire, type RuntimeStatus, type WorkItem } from './types';

/**
 * The local durable engine: drives the real durable-functions orchestrator code through the
 * out-of-process protocol. For each instance it keeps the history, feeds new events to the
 * orchestrator in turns (OrchestratorStarted + new events), and carries out the actions the
 * orchestrator returns: activities (with retries), timers, external events, sub-orchestrations,
 * continue-as-new. Everything the engine owes (outstanding activities, armed timers, undelivered
 * events) is part of the persisted instance, so a restarted host resumes every instance and an
 * interrupted activity runs again (at-least-once), as with the real extension.
 */

// Action types as the library numbers them (durable-functions ActionType).
const Action = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

const ACTION_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Action).map(([k, v]) => [v, k]));

interface WireAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: RetryOptionsWire;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: WireAction[];
}

interface OrchestratorState {
  isDone: boolean;
  actions: WireAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  failureDetails?: FailureDetails;
}

export interface EngineOptions {
  invoker: FunctionInvoker;
  store: EngineStore;
  log: Logger;
  maxConcurrentActivities: number;
  maxConcurrentOrchestrators: number;
  now?: () => Date;
}

export class StartConflictError extends Error {}
export class InstanceNotFoundError extends Error {}
export class InstanceGoneError extends Error {}

const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

export class DurableEngine {
  private readonly instances = new Map<string, Instance>();
  private readonly locks = new Map<string, Promise<void>>();
  /** Armed durable timers by work key: the Node timeout, when the timer is due (ms), and how to arm it again. */
  private readonly timers = new Map<string, { handle: NodeJS.Timeout; fireAt: number; arm: () => void }>();
  private readonly activitySlots: Semaphore;
  private readonly orchestratorSlots: Semaphore;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private stopped = false;
  private readonly now: () => Date;

  constructor(private readonly options: EngineOptions) {
    this.activitySlots = new Semaphore(options.maxConcurrentActivities);
    this.orchestratorSlots = new Semaphore(options.maxConcurrentOrchestrators);
    this.now = options.now ?? (() => new Date());
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Loads every stored instance and resumes the unfinished ones. */
  async start(): Promise<void> {
    await this.options.store.start();
    for (const inst of await this.options.store.loadAll()) this.instances.set(inst.instanceId, inst);
    let resumed = 0;
    for (const inst of this.instances.values()) {
      if (TERMINAL.has(inst.status)) continue;
      resumed++;
      for (const item of inst.work) this.dispatch(inst, item);
      this.schedule(inst.instanceId);
    }
    if (resumed) this.options.log.info(`durable: resumed ${resumed} unfinished instance(s)`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.handle);
    this.timers.clear();
    const deadline = Date.now() + 5000;
    while (this.inFlight.size && Date.now() < deadline) await Promise.race([...this.inFlight, sleep(50)]).catch(() => undefined);
    await this.options.store.stop();
  }

  // ---- the clock (tools/devhost/clock.ts) ---------------------------------------------------

  /**
   * After the clock jumped: every armed durable timer is armed again against the new time, so the
   * ones now due fire at once (in FireAt order, as Node runs zero-delay timeouts in order) instead
   * of after the real time left on their timeout.
   */
  recheckTimers(): void {
    const armed = [...this.timers.values()].sort((a, b) => a.fireAt - b.fireAt);
    for (const t of armed) {
      clearTimeout(t.handle);
      t.arm();
    }
  }

  /** When the earliest armed durable timer is due (ms), or undefined when none is armed. */
  nextTimerAt(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers.values()) if (next === undefined || t.fireAt < next) next = t.fireAt;
    return next;
  }

  /**
   * Whether nothing is happening now: no activity or orchestrator turn running, no instance with
   * events waiting, no durable timer due at `now` (ms, the engine's clock). Timers due later do
   * not count: an engine waiting on them is idle.
   */
  isIdle(now = this.now().getTime()): boolean {
    if (this.inFlight.size || this.locks.size) return false;
    for (const t of this.timers.values()) if (t.fireAt <= now) return false;
    for (const inst of this.instances.values()) if (!TERMINAL.has(inst.status) && inst.status !== 'Suspended' && inst.inbox.length) return false;
    return true;
  }

  /**
   * Waits until the engine has been idle for `settleMs` in a row (work hands over through
   * setImmediate and timeouts of 0, so one idle glance is not enough), at most `timeoutMs`.
   * `alsoIdle`: the rest of the host (timer functions running start orchestrations).
   * Answers whether it got idle, and what still runs when not.
   */
  async waitIdle(timeoutMs = 30_000, settleMs = 30, alsoIdle: () => boolean = () => true): Promise<{ idle: boolean; waitedMs: number; busy?: string }> {
    const started = performance.now();
    let idleSince: number | undefined;
    for (;;) {
      const t = performance.now();
      if (this.isIdle() && alsoIdle()) {
        idleSince ??= t;
        if (t - idleSince >= settleMs) return { idle: true, waitedMs: Math.round(t - started) };
      } else idleSince = undefined;
      if (t - started > timeoutMs) return { idle: false, waitedMs: Math.round(t - started), busy: this.describeBusy() };
      await sleep(5);
    }
  }

  private describeBusy(): string {
    const now = this.now().getTime();
    const due = [...this.timers.entries()].filter(([, t]) => t.fireAt <= now).map(([k]) => k.split('|')[0]);
    const waiting = [...this.instances.values()].filter((i) => !TERMINAL.has(i.status) && i.inbox.length).map((i) => i.instanceId);
    return `${this.inFlight.size} task(s) running, ${this.locks.size} instance(s) locked, due timers of [${due.join(', ')}], events waiting for [${waiting.join(', ')}]`;
  }

  // ---- client operations ---------------------------------------------------------------------

  /**
   * Starts an orchestration. Like the extension's default (overridableExistingInstanceStates =
   * NonRunningStates): an existing instance in a terminal state is replaced; one that is
   * Pending, Running or Suspended makes the start fail.
   */
  async startNew(name: string, instanceId: string | undefined, input: unknown, parent?: Instance['parent']): Promise<Instance> {
    const fn = this.options.invoker.functions().find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!fn || fn.triggerType !== 'orchestrationTrigger') throw new InstanceNotFoundError(`no orchestrator function named "${name}"`);
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    return this.withLock(id, async () => {
      const existing = this.instances.get(id);
      if (existing && !TERMINAL.has(existing.status)) {
        throw new StartConflictError(`An instance with ID '${id}' already exists and is ${existing.status}.`);
      }
      this.cancelTimersOf(id);
      const now = this.now().toISOString();
      const inst: Instance = {
        instanceId: id,
        name: fn.name,
        executionId: randomUUID(),
        status: 'Pending',
        input,
        createdTime: now,
        lastUpdatedTime: now,
        ...(parent ? { parent } : {}),
        history: [],
        inbox: [{ id: randomUUID(), event: event(EventType.ExecutionStarted, { Name: fn.name, Input: toJsonText(input), OrchestrationInstance: { InstanceId: id } }) }],
        work: [],
        actions: [],
        nextTaskId: 0,
        retries: [],
        children: {},
      };
      this.instances.set(id, inst);
      await this.options.store.save(inst, { resetHistory: true });
      this.schedule(id);
      return inst;
    });
  }

  get(instanceId: string): Instance | undefined {
    return this.instances.get(instanceId);
  }

  list(): Instance[] {
    return [...this.instances.values()];
  }

  async raiseEvent(instanceId: string, name: string, data: unknown): Promise<void> {
    await this.withLock(instanceId, async () => {
      const inst = this.instances.get(instanceId);
      if (!inst) throw new InstanceNotFoundError(`No instance with ID '${instanceId}' found.`);
      if (TERMINAL.has(inst.status)) throw new InstanceGoneError(`Instance '${instanceId}' is ${inst.status}.`);
      inst.inbox.push({ id: randomUUID(), event: event(EventType.EventRaised, { Name: name, Input: toJsonText(data) }) });
      await this.options.store.save(inst, {});
    });
    this.schedule(instanceId);
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    await this.withLock(instanceId, async () => {
      const inst = this.instances.get(instanceId);
      if (!inst) throw new InstanceNotFoundError(`No instance with ID '${instanceId}' found.`);
      if (TERMINAL.has(inst.status)) throw new InstanceGoneError(`Instance '${instanceId}' is ${inst.status}.`);
      inst.history.push(event(EventType.ExecutionTerminated, { Input: toJsonText(reason) }, -1, this.now()));
      await this.finish(inst, 'Terminated', reason, undefined);
    });
  }

  async suspend(instanceId: string, reason: string): Promise<void> {
    await this.withLock(instanceId, async () => {
      const inst = this.mustBeLive(instanceId);
      if (inst.status === 'Suspended') return;
      inst.status = 'Suspended';
      inst.suspendedReason = reason;
      inst.history.push(event(EventType.ExecutionSuspended, { Reason: reason }, -1, this.now()));
      inst.lastUpdatedTime = this.now().toISOString();
      await this.options.store.save(inst, {});
    });
  }

  async resume(instanceId: string, reason: string): Promise<void> {
    await this.withLock(instanceId, async () => {
      const inst = this.mustBeLive(instanceId);
      if (inst.status !== 'Suspended') return;
      inst.status = 'Running';
      delete inst.suspendedReason;
      inst.history.push(event(EventType.ExecutionResumed, { Reason: reason }, -1, this.now()));
      inst.lastUpdatedTime = this.now().toISOString();
      await this.options.store.save(inst, {});
    });
    this.schedule(instanceId);
  }

  /** Purges a terminal instance; returns whether one was deleted. */
  async purge(instanceId: string): Promise<boolean> {
    return this.withLock(instanceId, async () => {
      const inst = this.instances.get(instanceId);
      if (!inst || !TERMINAL.has(inst.status)) return false;
      this.instances.delete(instanceId);
      await this.options.store.delete(instanceId);
      return true;
    });
  }

  /** Resolves when the instance reaches a terminal state (or the timeout passes). */
  waitForTerminal(instanceId: string, timeoutMs: number): Promise<Instance | undefined> {
    const inst = this.instances.get(instanceId);
    if (inst && TERMINAL.has(inst.status)) return Promise.resolve(inst);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.instances.get(instanceId)), timeoutMs);
      const list = this.waiters.get(instanceId) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve(this.instances.get(instanceId));
      });
      this.waiters.set(instanceId, list);
    });
  }

  // ---- turns ---------------------------------------------------------------------------------

  private schedule(instanceId: string): void {
    if (this.stopped) return;
    this.track(this.withLock(instanceId, () => this.runTurns(instanceId)));
  }

  private async runTurns(instanceId: string): Promise<void> {
    for (;;) {
      const inst = this.instances.get(instanceId);
      if (!inst || this.stopped || TERMINAL.has(inst.status) || inst.status === 'Suspended' || inst.inbox.length === 0) return;
      await this.orchestratorSlots.run(() => this.turn(inst));
    }
  }

  /** One orchestrator episode: deliver a batch of new events, apply the returned actions, save. */
  private async turn(inst: Instance): Promise<void> {
    const batch = takeBatch(inst.inbox);
    const newHistoryFrom = inst.history.length;
    const now = this.now();
    for (const e of inst.history) e.IsPlayed = true;
    inst.history.push(event(EventType.OrchestratorStarted, {}, -1, now));
    let retryNoOp: { chain: RetryChain; step: 'timer' | 'attempt' } | undefined;
    for (const msg of batch) {
      inst.history.push(msg.event);
      if (msg.retry) retryNoOp = this.applyRetryStep(inst, msg.retry, msg.event);
    }
    if (inst.status === 'Pending') inst.status = 'Running';

    const payload = {
      history: inst.history,
      input: inst.input,
      instanceId: inst.instanceId,
      isReplaying: newHistoryFrom > 0,
      parentInstanceId: inst.parent?.instanceId,
      upperSchemaVersion: 2,
      upperSchemaVersionNew: 3,
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: '6.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    let state: OrchestratorState | undefined;
    let thrown: string | undefined;
    try {
      state = (await this.options.invoker.invoke(inst.name, payload, { invocationId: randomUUID() })) as OrchestratorState;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const at = message.indexOf(OUT_OF_PROC_LABEL);
      if (at >= 0) {
        try {
          state = JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorState;
        } catch {
          thrown = message;
        }
        thrown = message.slice(0, at).trim();
      } else {
        thrown = message;
      }
    }
    if (state?.customStatus !== undefined) inst.customStatus = state.customStatus;

    // Retry bookkeeping tasks are numbered when the library reads the step, before any new action.
    if (retryNoOp) this.afterRetryStep(inst, retryNoOp.chain, retryNoOp.step);

    const leaves = flatten(state?.actions?.[0] ?? []);
    const problem = this.checkDeterminism(inst, leaves, state);
    if (problem) {
      inst.history.push(event(EventType.OrchestratorCompleted, {}, -1, this.now()));
      await this.finish(inst, 'Failed', problem, { ErrorType: 'NonDeterministicOrchestrationException', ErrorMessage: problem });
      return;
    }
    const unsupported = this.scheduleNewActions(inst, leaves.slice(inst.actions.length));
    inst.actions = leaves.map(signatureOf);
    inst.history.push(event(EventType.OrchestratorCompleted, {}, -1, this.now()));
    inst.lastUpdatedTime = this.now().toISOString();

    if (unsupported) {
      await this.finish(inst, 'Failed', unsupported, { ErrorType: 'NotSupportedException', ErrorMessage: unsupported });
      return;
    }
    if (thrown !== undefined || state?.error) {
      const message = state?.error ?? thrown ?? 'orchestrator failed';
      const details = state?.failureDetails ?? { ErrorType: 'Error', ErrorMessage: message };
      await this.finish(inst, 'Failed', `Orchestrator function '${inst.name}' failed: ${message}`, details);
      return;
    }
    const continueAsNew = leaves.find((a) => a.actionType === Action.ContinueAsNew);
    if (state?.isDone && continueAsNew) {
      await this.continueAsNew(inst, continueAsNew.input, leaves);
      return;
    }
    if (state?.isDone) {
      inst.history.push(event(EventType.ExecutionCompleted, { Result: toJsonText(state.output), OrchestrationStatus: 'Completed' }, -1, this.now()));
      await this.finish(inst, 'Completed', state.output, undefined);
      return;
    }
    await this.options.store.save(inst, { newHistoryFrom });
    for (const item of inst.work) if (!this.isDispatched(inst, item)) this.dispatch(inst, item);
  }

  /** Compares the orchestrator's actions with those of earlier turns (replay must match). */
  private checkDeterminism(inst: Instance, leaves: WireAction[], state: OrchestratorState | undefined): string | undefined {
    for (let i = 0; i < Math.min(inst.actions.length, leaves.length); i++) {
      const before = inst.actions[i];
      const now = signatureOf(leaves[i]);
      if (before.type !== now.type || (before.name ?? '') !== (now.name ?? '')) {
        return (
          `Non-Deterministic workflow detected: action #${i} was ${describe(before)} in an earlier replay and is ${describe(now)} now. ` +
          'Orchestrator code must make the same calls in the same order on every replay.'
        );
      }
    }
    if (leaves.length < inst.actions.length && state && !state.isDone && !state.error) {
      return `Non-Deterministic workflow detected: the orchestrator scheduled ${leaves.length} action(s) on replay but ${inst.actions.length} before.`;
    }
    return undefined;
  }

  /** Turns new leaf actions into history and work; returns a failure message for unsupported ones. */
  private scheduleNewActions(inst: Instance, fresh: WireAction[]): string | undefined {
    const now = this.now();
    for (const action of fresh) {
      switch (action.actionType) {
        case Action.CallActivity:
        case Action.CallActivityWithRetry: {
          const taskId = inst.nextTaskId++;
          const input = decodeActionInput(action.input);
          inst.history.push(event(EventType.TaskScheduled, { Name: action.functionName, Input: toJsonText(input) }, taskId, now));
          const item: WorkItem = { kind: 'activity', taskId, name: action.functionName!, input, executionId: inst.executionId };
          if (action.actionType === Action.CallActivityWithRetry && action.retryOptions) {
            inst.retries.push(newChain(taskId, 'activity', action.functionName!, input, action.retryOptions, now));
            item.chain = taskId;
          }
          inst.work.push(item);
          break;
        }
        case Action.CreateTimer: {
          const taskId = inst.nextTaskId++;
          inst.history.push(event(EventType.TimerCreated, { FireAt: action.fireAt }, taskId, now));
          if (!action.isCanceled) inst.work.push({ kind: 'timer', taskId, fireAt: String(action.fireAt), executionId: inst.executionId });
          break;
        }
        case Action.CallSubOrchestrator:
        case Action.CallSubOrchestratorWithRetry: {
          const taskId = inst.nextTaskId++;
          const childId = action.instanceId || `${inst.instanceId}:${taskId}`;
          inst.history.push(event(EventType.SubOrchestrationInstanceCreated, { Name: action.functionName, InstanceId: childId, Input: toJsonText(action.input) }, taskId, now));
          inst.children[taskId] = childId;
          if (action.actionType === Action.CallSubOrchestratorWithRetry && action.retryOptions) {
            const chain = newChain(taskId, 'subOrchestration', action.functionName!, action.input, action.retryOptions, now);
            chain.instanceId = childId;
            inst.retries.push(chain);
          }
          this.startChild(inst, taskId, action.functionName!, childId, action.input);
          break;
        }
        case Action.WaitForExternalEvent:
        case Action.ContinueAsNew:
          break;
        default:
          return `devhost's durable engine does not support ${ACTION_NAMES[action.actionType] ?? `action type ${action.actionType}`} (durable entities and durable HTTP are not used by this app)`;
      }
    }
    return undefined;
  }

  private startChild(parent: Instance, taskId: number, name: string, childId: string, input: unknown): void {
    const parentRef = { instanceId: parent.instanceId, taskId, executionId: parent.executionId };
    // Started outside the parent's lock: the child's own lock orders it.
    setImmediate(() => {
      this.track(
        this.startNew(name, childId, input, parentRef).catch((err: Error) => {
          void this.deliver(parent.instanceId, parentRef.executionId, {
            id: randomUUID(),
            event: event(EventType.SubOrchestrationInstanceFailed, { TaskScheduledId: taskId, Reason: err.message, Details: err.message, FailureDetails: { ErrorType: err.name, ErrorMessage: err.message } }),
          });
        }),
      );
    });
  }

  private async continueAsNew(inst: Instance, rawInput: unknown, leaves: WireAction[]): Promise<void> {
    // Events raised but never waited for are carried into the new execution.
    const waits = new Map<string, number>();
    for (const a of leaves) if (a.actionType === Action.WaitForExternalEvent && a.externalEventName) waits.set(a.externalEventName, (waits.get(a.externalEventName) ?? 0) + 1);
    const carried: InboxMessage[] = [];
    for (const e of inst.history) {
      if (e.EventType !== EventType.EventRaised) continue;
      const name = String(e.Name);
      const remaining = waits.get(name) ?? 0;
      if (remaining > 0) waits.set(name, remaining - 1);
      else carried.push({ id: randomUUID(), event: { ...e, IsPlayed: false } });
    }
    const input = decodeActionInput(rawInput);
    this.cancelTimersOf(inst.instanceId);
    inst.executionId = randomUUID();
    inst.input = input;
    inst.status = 'Running';
    inst.history = [];
    inst.actions = [];
    inst.nextTaskId = 0;
    inst.retries = [];
    inst.children = {};
    inst.work = [];
    inst.inbox = [
      { id: randomUUID(), event: event(EventType.ExecutionStarted, { Name: inst.name, Input: toJsonText(input), OrchestrationInstance: { InstanceId: inst.instanceId } }) },
      ...carried,
      ...inst.inbox,
    ];
    inst.lastUpdatedTime = this.now().toISOString();
    await this.options.store.save(inst, { resetHistory: true });
  }

  private async finish(inst: Instance, status: RuntimeStatus, output: unknown, failure: FailureDetails | undefined): Promise<void> {
    inst.status = status;
    inst.output = output;
    inst.work = [];
    inst.inbox = [];
    inst.lastUpdatedTime = this.now().toISOString();
    this.cancelTimersOf(inst.instanceId);
    await this.options.store.save(inst, {});
    const waiters = this.waiters.get(inst.instanceId) ?? [];
    this.waiters.delete(inst.instanceId);
    for (const w of waiters) w();
    if (status === 'Failed') this.options.log.warn(`durable: instance ${inst.instanceId} (${inst.name}) failed: ${String(output)}`);
    if (!inst.parent) return;
    const parent = inst.parent;
    const completion: InboxMessage =
      status === 'Completed'
        ? { id: randomUUID(), event: event(EventType.SubOrchestrationInstanceCompleted, { TaskScheduledId: parent.taskId, Result: toJsonText(output) }) }
        : {
            id: randomUUID(),
            event: event(EventType.SubOrchestrationInstanceFailed, {
              TaskScheduledId: parent.taskId,
              Reason: String(output),
              Details: String(output),
              FailureDetails: failure ?? { ErrorType: status, ErrorMessage: String(output) },
            }),
          };
    setImmediate(() => void this.deliver(parent.instanceId, parent.executionId, completion, parent.taskId));
  }

  // ---- work: activities and timers -------------------------------------------------------------

  private dispatched = new Set<string>();

  private workKey(inst: Instance, item: WorkItem): string {
    return `${inst.instanceId}|${item.executionId}|${item.kind}|${item.taskId}`;
  }

  private isDispatched(inst: Instance, item: WorkItem): boolean {
    return this.dispatched.has(this.workKey(inst, item));
  }

  private dispatch(inst: Instance, item: WorkItem): void {
    const key = this.workKey(inst, item);
    if (this.dispatched.has(key) || this.stopped) return;
    this.dispatched.add(key);
    const instanceId = inst.instanceId;
    if (item.kind === 'timer') {
      const arm = () => {
        const delay = Math.min(Math.max(0, Date.parse(item.fireAt) - this.now().getTime()), 2 ** 31 - 1);
        const handle = setTimeout(() => {
          // Node may run a timeout a millisecond early; a durable timer never fires before FireAt.
          const now = this.now();
          if (Date.parse(item.fireAt) > now.getTime()) return arm();
          this.timers.delete(key);
          void this.completeWork(instanceId, item, {
            id: randomUUID(),
            event: event(EventType.TimerFired, { TimerId: item.taskId, FireAt: item.fireAt }, -1, now),
            ...(item.chain !== undefined ? { isolate: true, retry: { chain: item.chain, step: 'timerFired' as const } } : {}),
          });
        }, delay);
        this.timers.set(key, { handle, fireAt: Date.parse(item.fireAt), arm });
      };
      arm();
      return;
    }
    this.track(
      this.activitySlots.run(async () => {
        if (this.stopped) return;
        let message: InboxMessage;
        try {
          const result = await this.options.invoker.invoke(item.name, item.input, { invocationId: randomUUID() });
          message = { id: randomUUID(), event: event(EventType.TaskCompleted, { TaskScheduledId: item.taskId, Result: toJsonText(result) }) };
        } catch (err) {
          if (this.stopped) return; // the host is going down: the activity runs again after restart
          const failure = failureOf(err);
          message = {
            id: randomUUID(),
            event: event(EventType.TaskFailed, {
              TaskScheduledId: item.taskId,
              Reason: `Activity function '${item.name}' failed: ${failure.ErrorMessage}`,
              Details: failure.StackTrace ?? failure.ErrorMessage,
              FailureDetails: failure,
            }),
            ...(item.chain !== undefined ? { isolate: true, retry: { chain: item.chain, step: 'attemptFailed' as const } } : {}),
          };
        }
        await this.completeWork(instanceId, item, message);
      }),
    );
  }

  /** Records a finished work item and queues its event, atomically in the store. */
  private async completeWork(instanceId: string, item: WorkItem, message: InboxMessage): Promise<void> {
    if (this.stopped) return;
    await this.withLock(instanceId, async () => {
      const inst = this.instances.get(instanceId);
      if (!inst || inst.executionId !== item.executionId || TERMINAL.has(inst.status)) return;
      const at = inst.work.findIndex((w) => w.kind === item.kind && w.taskId === item.taskId);
      if (at < 0) return;
      inst.work.splice(at, 1);
      this.dispatched.delete(this.workKey(inst, item));
      inst.inbox.push(message);
      await this.options.store.save(inst, {});
    });
    this.schedule(instanceId);
  }

  /** Delivers a sub-orchestration result to its parent (ignored if the parent moved on). */
  private async deliver(instanceId: string, executionId: string, message: InboxMessage, taskId?: number): Promise<void> {
    if (this.stopped) return;
    await this.withLock(instanceId, async () => {
      const inst = this.instances.get(instanceId);
      if (!inst || inst.executionId !== executionId || TERMINAL.has(inst.status)) return;
      const chain = taskId === undefined ? undefined : inst.retries.find((c) => c.currentTaskId === taskId && c.phase === 'attempt' && c.kind === 'subOrchestration');
      if (chain && message.event.EventType === EventType.SubOrchestrationInstanceFailed) {
        message.isolate = true;
        message.retry = { chain: chain.chain, step: 'attemptFailed' };
      }
      inst.inbox.push(message);
      await this.options.store.save(inst, {});
    });
    this.schedule(instanceId);
  }

  // ---- retries ---------------------------------------------------------------------------------

  /** Finds the chain of a retry step; remembers the failure a failed attempt reported. */
  private applyRetryStep(inst: Instance, retry: NonNullable<InboxMessage['retry']>, e: HistoryEvent): { chain: RetryChain; step: 'timer' | 'attempt' } | undefined {
    const chain = inst.retries.find((c) => c.chain === retry.chain);
    if (!chain) return undefined;
    if (retry.step === 'attemptFailed') {
      chain.lastFailure = { reason: String(e.Reason ?? ''), ...(e.Details !== undefined ? { details: String(e.Details) } : {}), ...(e.FailureDetails ? { failureDetails: e.FailureDetails } : {}) };
    }
    return { chain, step: retry.step === 'attemptFailed' ? 'timer' : 'attempt' };
  }

  /**
   * Mirrors RetryableTask: after a failed attempt the library waits on a timer task it numbers
   * next; when that timer fires it gives up (attempt > maxNumberOfAttempts) or waits on a
   * re-attempt task it numbers next. The engine hands out the same numbers and does the matching
   * work. When the retry timeout ends the chain early, the remaining attempts the library still
   * counts fail at once without running.
   */
  private afterRetryStep(inst: Instance, chain: RetryChain, step: 'timer' | 'attempt'): void {
    const now = this.now();
    if (step === 'timer') {
      const failedAttempts = chain.attempt;
      chain.attempt += 1;
      const taskId = inst.nextTaskId++;
      chain.currentTaskId = taskId;
      chain.phase = 'timer';
      const delay = chain.exhausted ? undefined : nextRetryDelayMs(chain.options, failedAttempts, Date.parse(chain.firstAttemptAt), now.getTime());
      if (delay === undefined) chain.exhausted = true;
      const fireAt = new Date(now.getTime() + (delay ?? 0)).toISOString();
      inst.history.push(event(EventType.TimerCreated, { FireAt: fireAt, RetryOf: chain.name, AfterAttempt: failedAttempts }, taskId, now));
      inst.work.push({ kind: 'timer', taskId, fireAt, executionId: inst.executionId, chain: chain.chain });
      return;
    }
    if (chain.attempt > chain.options.maxNumberOfAttempts) return; // the library fails the task now
    const taskId = inst.nextTaskId++;
    chain.currentTaskId = taskId;
    chain.phase = 'attempt';
    if (chain.exhausted) {
      const failure = chain.lastFailure;
      inst.inbox.unshift({
        id: randomUUID(),
        isolate: true,
        retry: { chain: chain.chain, step: 'attemptFailed' },
        event: event(EventType.TaskFailed, {
          TaskScheduledId: taskId,
          Reason: `retry timeout of ${chain.options.retryTimeoutInMilliseconds} ms exceeded; last failure: ${failure?.reason ?? 'unknown'}`,
          Details: failure?.details ?? '',
          ...(failure?.failureDetails ? { FailureDetails: failure.failureDetails } : {}),
        }, -1, now),
      });
      return;
    }
    if (chain.kind === 'activity') {
      inst.history.push(event(EventType.TaskScheduled, { Name: chain.name, Input: toJsonText(chain.input), Attempt: chain.attempt }, taskId, now));
      inst.work.push({ kind: 'activity', taskId, name: chain.name, input: chain.input, executionId: inst.executionId, chain: chain.chain });
    } else {
      const childId = `${chain.instanceId}:attempt${chain.attempt}`;
      inst.children[taskId] = childId;
      inst.history.push(event(EventType.SubOrchestrationInstanceCreated, { Name: chain.name, InstanceId: childId, Input: toJsonText(chain.input), Attempt: chain.attempt }, taskId, now));
      this.startChild(inst, taskId, chain.name, childId, chain.input);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private mustBeLive(instanceId: string): Instance {
    const inst = this.instances.get(instanceId);
    if (!inst) throw new InstanceNotFoundError(`No instance with ID '${instanceId}' found.`);
    if (TERMINAL.has(inst.status)) throw new InstanceGoneError(`Instance '${instanceId}' is ${inst.status}.`);
    return inst;
  }

  private cancelTimersOf(instanceId: string): void {
    for (const [key, t] of this.timers) {
      if (key.startsWith(`${instanceId}|`)) {
        clearTimeout(t.handle);
        this.timers.delete(key);
      }
    }
    for (const key of [...this.dispatched]) if (key.startsWith(`${instanceId}|`)) this.dispatched.delete(key);
  }

  /** Serialises everything that touches one instance. */
  private withLock<T>(instanceId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(instanceId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(instanceId, settled);
    void settled.then(() => {
      if (this.locks.get(instanceId) === settled) this.locks.delete(instanceId);
    });
    return run;
  }

  private track<T>(p: Promise<T>): void {
    const guarded = p.catch((err: unknown) => this.options.log.error(`durable: ${(err as Error).stack ?? String(err)}`));
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
  }
}

/** Takes the next batch: an isolated retry step alone, else everything up to the next one. */
function takeBatch(inbox: InboxMessage[]): InboxMessage[] {
  if (inbox[0]?.isolate) return inbox.splice(0, 1);
  const stop = inbox.findIndex((m) => m.isolate);
  return inbox.splice(0, stop < 0 ? inbox.length : stop);
}

function newChain(taskId: number, kind: RetryChain['kind'], name: string, input: unknown, options: RetryOptionsWire, now: Date): RetryChain {
  return { chain: taskId, kind, name, input, options, attempt: 1, firstAttemptAt: now.toISOString(), currentTaskId: taskId, phase: 'attempt' };
}

/** Leaf actions in the order the library numbers them (compound actions depth-first). */
function flatten(actions: WireAction[]): WireAction[] {
  const out: WireAction[] = [];
  const walk = (a: WireAction) => {
    if (a.actionType === Action.WhenAll || a.actionType === Action.WhenAny) for (const c of a.compoundActions ?? []) walk(c);
    else out.push(a);
  };
  for (const a of actions) walk(a);
  return out;
}

function signatureOf(a: WireAction): ActionSignature {
  const name = a.functionName ?? a.externalEventName;
  return { type: a.actionType, ...(name !== undefined ? { name } : {}) };
}

function describe(s: ActionSignature): string {
  return `${ACTION_NAMES[s.type] ?? s.type}${s.name ? `('${s.name}')` : ''}`;
}

/** The library JSON-encodes string inputs on activity actions (Utils.processInput). */
function decodeActionInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

function failureOf(err: unknown): FailureDetails {
  if (err instanceof Error) {
    // wrapActivityHandler may put serialised failure details JSON in the message.
    try {
      const parsed = JSON.parse(err.message) as Partial<FailureDetails> & { errorMessage?: string; errorType?: string };
      if (parsed && typeof parsed === 'object' && (parsed.ErrorMessage || parsed.errorMessage)) {
        return { ErrorType: parsed.ErrorType ?? parsed.errorType ?? err.name, ErrorMessage: String(parsed.ErrorMessage ?? parsed.errorMessage), StackTrace: err.stack };
      }
    } catch {
      // a plain message
    }
    return { ErrorType: err.name || 'Error', ErrorMessage: err.message, ...(err.stack ? { StackTrace: err.stack } : {}) };
  }
  return { ErrorType: 'Error', ErrorMessage: String(err) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export type { HistoryEvent };
