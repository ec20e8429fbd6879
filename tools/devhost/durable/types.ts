import type { HistoryEvent } from './history';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

export const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

/** RetryOptions as the library serialises them on a *WithRetry action. */
export interface RetryOptionsWire {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/**
 * A message waiting for the instance's next orchestrator turn. `isolate` marks retry steps:
 * the library numbers its retry bookkeeping tasks at the moment it reads them, so the engine
 * delivers each alone at the start of a turn, where that number is predictable.
 */
export interface InboxMessage {
  id: string;
  event: HistoryEvent;
  isolate?: boolean;
  /** For a retry step: which chain (first task id) it belongs to and what it means. */
  retry?: { chain: number; step: 'attemptFailed' | 'timerFired' };
}

/** Something the engine must do and has not finished: at-least-once across host restarts. */
export type WorkItem =
  | { kind: 'activity'; taskId: number; name: string; input: unknown; executionId: string; chain?: number }
  | { kind: 'timer'; taskId: number; fireAt: string; executionId: string; chain?: number };

/** Engine-side mirror of the library's RetryableTask for one *WithRetry action. */
export interface RetryChain {
  chain: number;
  kind: 'activity' | 'subOrchestration';
  name: string;
  input: unknown;
  instanceId?: string;
  options: RetryOptionsWire;
  /** The library's attemptNumber (starts at 1, +1 per failure). */
  attempt: number;
  firstAttemptAt: string;
  /** Task id of the attempt or timer currently outstanding. */
  currentTaskId: number;
  phase: 'attempt' | 'timer';
  lastFailure?: { reason: string; details?: string; failureDetails?: unknown };
  /** Set once no real attempt is left (attempts used up or retry timeout passed). */
  exhausted?: boolean;
}

export interface ActionSignature {
  type: number;
  name?: string;
}

export interface Instance {
  instanceId: string;
  name: string;
  executionId: string;
  status: RuntimeStatus;
  input: unknown;
  output?: unknown;
  customStatus?: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  parent?: { instanceId: string; taskId: number; executionId: string };
  history: HistoryEvent[];
  inbox: InboxMessage[];
  work: WorkItem[];
  /** Leaf actions the orchestrator emitted so far (for the non-determinism check). */
  actions: ActionSignature[];
  /** The library's next sequence number (task id). */
  nextTaskId: number;
  retries: RetryChain[];
  /** Task id -> child instance id for sub-orchestrations. */
  children: Record<number, string>;
  suspendedReason?: string;
}
