import { randomUUID } from 'node:crypto';
import { ArmError } from './errors';
import type { ArmResponse } from './types';
import { EmulatorClock } from '../clock';

/**
 * The shared long-running-operation engine. A provider that accepts a PUT/DELETE/POST
 * asynchronously calls `begin()`, answers with `accepted()` (201/202 + Azure-AsyncOperation and,
 * for DELETE/POST, Location), and gives the engine what to do when the operation ends:
 * `onSucceeded` (flip provisioningState, delete the resource, emit the Event Grid event, return an
 * action's result body) or `onFailed` (a failLro fault or an ArmError thrown by onSucceeded).
 *
 * Completion happens `lroDelayMs` after begin (0 in tests): on a timer and, so results never
 * depend on timer order, lazily when any request arrives after the due time (`settleDue`).
 * Status is served at `/subscriptions/{sub}/providers/{ns}/locations/{loc}/operations/{id}`
 * (Azure-AsyncOperation) and `.../operationResults/{id}` (Location).
 *
 * Rule LRO-1: the first status GET of every operation answers InProgress (with Retry-After),
 * counted, not timed — even with `lroDelayMs` 0 and an operation already over — as NRP and Compute
 * usually answer (azure-facts.md, "Long-running operations"; ARM async operations guide,
 * https://github.com/Azure/azure-resource-manager-rpc/blob/master/v1.0/async-api-reference.md).
 * Clients must poll until a terminal status, never assume the first poll ends it.
 * Rule LRO-2: a failed operation answers `{status: "Failed", error: {code, message}}` on its
 * Azure-AsyncOperation URL and the error body on its Location URL (same async API reference).
 */
export type LroStatus = 'InProgress' | 'Succeeded' | 'Failed';

export interface LroBegin {
  subscriptionId: string;
  namespace: string;
  location: string;
  resourceId: string;
  /** Called once when the operation succeeds; may return a result body (actions). May throw ArmError to fail it. */
  onSucceeded: () => unknown;
  /** Called once when the operation fails; typically sets provisioningState Failed. */
  onFailed?: (error: { code: string; message: string }) => void;
  /** Forces failure (set by the router when a failLro fault fired for this request). */
  failWith?: { code: string; message: string };
  /** Override the engine's delay for this operation. */
  delayMs?: number;
}

export interface LroOperation {
  id: string;
  subscriptionId: string;
  namespace: string;
  location: string;
  resourceId: string;
  status: LroStatus;
  startTime: string;
  endTime?: string;
  dueAt: number;
  error?: { code: string; message: string };
  result?: unknown;
  begin: LroBegin;
  /** Status GETs answered so far (rule LRO-1: the first one says InProgress). */
  polls: number;
}

export class LroEngine {
  private readonly ops = new Map<string, LroOperation>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly doneOrder: string[] = [];

  /** Called after every operation ends, whatever ended it (the server saves its state file then). */
  onCompleted?: (op: LroOperation) => void;

  /** `clock`: the emulator's; due times are in its time, so an advance completes what falls due (`settleDue`). */
  constructor(
    public delayMs: number,
    private readonly clock: Pick<EmulatorClock, 'now' | 'iso'> = new EmulatorClock(),
  ) {}

  begin(b: LroBegin): LroOperation {
    const delay = b.delayMs ?? this.delayMs;
    const op: LroOperation = {
      id: randomUUID(),
      subscriptionId: b.subscriptionId,
      namespace: b.namespace,
      location: b.location,
      resourceId: b.resourceId,
      status: 'InProgress',
      startTime: this.clock.iso(),
      dueAt: this.clock.now() + delay,
      begin: b,
      polls: 0,
    };
    this.ops.set(op.id, op);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.complete(op);
    }, delay);
    t.unref();
    this.timers.add(t);
    return op;
  }

  /** Completes every operation whose due time has passed. */
  settleDue(now = this.clock.now()): void {
    for (const op of this.ops.values()) if (op.status === 'InProgress' && op.dueAt <= now) this.complete(op);
  }

  /** Completes every running operation now, whatever its due time (control API: time travel for tests). */
  settleAll(): number {
    let n = 0;
    for (const op of this.ops.values()) {
      if (op.status === 'InProgress') {
        this.complete(op);
        n++;
      }
    }
    return n;
  }

  running(): LroOperation[] {
    return [...this.ops.values()].filter((op) => op.status === 'InProgress');
  }

  get(id: string): LroOperation | undefined {
    return this.ops.get(id);
  }

  /** An operation still running on this resource (ARM refuses a second write meanwhile). */
  pendingFor(resourceId: string): LroOperation | undefined {
    const k = resourceId.toLowerCase();
    for (const op of this.ops.values()) if (op.status === 'InProgress' && op.resourceId.toLowerCase() === k) return op;
    return undefined;
  }

  asyncOperationUrl(baseUrl: string, op: LroOperation, apiVersion: string): string {
    return `${baseUrl}/subscriptions/${op.subscriptionId}/providers/${op.namespace}/locations/${op.location}/operations/${op.id}?api-version=${encodeURIComponent(apiVersion)}`;
  }

  locationUrl(baseUrl: string, op: LroOperation, apiVersion: string): string {
    return `${baseUrl}/subscriptions/${op.subscriptionId}/providers/${op.namespace}/locations/${op.location}/operationResults/${op.id}?api-version=${encodeURIComponent(apiVersion)}`;
  }

  /** Retry-After the SDK pollers honour: 0 makes tests poll immediately. */
  retryAfterSeconds(): string {
    return String(Math.ceil(this.delayMs / 1000));
  }

  /**
   * The initial answer of an accepted operation. PUT: 201 (create) or 200 (update) with the body
   * and Azure-AsyncOperation; DELETE/POST: 202 with both headers.
   */
  accepted(
    op: LroOperation,
    ctx: { baseUrl: string; apiVersion: string; method: string },
    status: number,
    body?: unknown,
  ): ArmResponse {
    const headers: Record<string, string> = {
      'Azure-AsyncOperation': this.asyncOperationUrl(ctx.baseUrl, op, ctx.apiVersion),
      'Retry-After': this.retryAfterSeconds(),
    };
    if (ctx.method === 'DELETE' || ctx.method === 'POST') headers['Location'] = this.locationUrl(ctx.baseUrl, op, ctx.apiVersion);
    return { status, body, headers };
  }

  /**
   * Counts one status GET of `op` and answers the status that poll sees: InProgress for the first
   * poll of every operation (rule LRO-1), the operation's real status after.
   */
  poll(op: LroOperation): LroStatus {
    op.polls++;
    return op.polls === 1 ? 'InProgress' : op.status;
  }

  /** Body of the Azure-AsyncOperation status endpoint, as a poll that sees `status` reads it. */
  statusBody(op: LroOperation, status: LroStatus = op.status): Record<string, unknown> {
    const over = status !== 'InProgress';
    return {
      id: `/subscriptions/${op.subscriptionId}/providers/${op.namespace}/locations/${op.location}/operations/${op.id}`,
      name: op.id,
      status,
      startTime: op.startTime,
      ...(over && op.endTime ? { endTime: op.endTime } : {}),
      ...(over && op.error ? { error: op.error } : {}),
    };
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  clear(): void {
    this.stop();
    this.ops.clear();
    this.doneOrder.length = 0;
  }

  private complete(op: LroOperation): void {
    if (op.status !== 'InProgress') return;
    if (op.begin.failWith) {
      this.fail(op, op.begin.failWith);
    } else {
      try {
        op.result = op.begin.onSucceeded();
        op.status = 'Succeeded';
      } catch (e) {
        const err = e instanceof ArmError ? { code: e.code, message: e.message } : { code: 'InternalServerError', message: String(e) };
        this.fail(op, err);
      }
    }
    op.endTime = this.clock.iso();
    // Keep finished operations for late pollers, but bounded.
    this.doneOrder.push(op.id);
    if (this.doneOrder.length > 10_000) this.ops.delete(this.doneOrder.shift() as string);
    this.onCompleted?.(op);
  }

  private fail(op: LroOperation, error: { code: string; message: string }): void {
    op.status = 'Failed';
    op.error = error;
    op.begin.onFailed?.(error);
  }
}
