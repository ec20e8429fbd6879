/**
 * History events as the durable-functions library reads them (DTFx wire shape: PascalCase, a
 * numeric EventType). Only what the JS orchestrator executor reads is required; the rest is for
 * people reading `showHistory` output.
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export const EventTypeName: Record<number, string> = Object.fromEntries(Object.entries(EventType).map(([k, v]) => [v, k]));

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

/** Failure details in the wire shape `taskFailedErrorFromWireDto` reads. */
export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
}

export function event(type: number, fields: Record<string, unknown> = {}, eventId = -1, at = new Date()): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: at.toISOString(), ...fields };
}

/** JSON text as the extension stores inputs and results (`undefined` becomes `null`). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

/**
 * How the history looks in the management API's `showHistory` output: type names instead of
 * numbers, like the extension's own rendering (abridged).
 */
export function renderHistory(history: readonly HistoryEvent[], withOutput: boolean): Record<string, unknown>[] {
  return history
    .filter((e) => e.EventType !== EventType.OrchestratorStarted && e.EventType !== EventType.OrchestratorCompleted)
    .map((e) => {
      const out: Record<string, unknown> = { EventType: EventTypeName[e.EventType] ?? String(e.EventType), Timestamp: e.Timestamp };
      for (const [k, v] of Object.entries(e)) {
        if (k === 'EventType' || k === 'IsPlayed' || k === 'Timestamp') continue;
        if (!withOutput && (k === 'Result' || k === 'Input')) continue;
        out[k] = v;
      }
      return out;
    });
}
