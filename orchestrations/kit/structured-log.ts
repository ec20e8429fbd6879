import { logs, SeverityNumber } from '@opentelemetry/api-logs';

/**
 * The product's structured log events (`plf.step`, `plf.probe.reachableChanged`, ...): one flat
 * object of names, ids, counts and codes (never a secret), written to exactly one place:
 * - locally (no telemetry), one JSON line on the console (or the caller's log function), which
 *   devhost prints as is and tests read;
 * - on Azure, once `exportStructuredLogs()` ran (functions/telemetry.ts, after Azure Monitor
 *   OpenTelemetry started), one OpenTelemetry log record whose attributes are the event's fields
 *   (Application Insights `traces.customDimensions`: `forward`, `orchestrationId`, `armReads`...)
 *   and whose body is the same JSON line. It carries the active trace context, so it shares the
 *   invocation's operation id. Not also written to stdout: the Functions host would forward
 *   that line to Application Insights a second time.
 */
export type EventFields = { event: string } & Record<string, string | number | boolean | null | undefined>;

export interface LogEventOptions {
  /** `warn` for events that need a person (a terminal step failure); default `info`. */
  level?: 'info' | 'warn';
  /** Where the local line goes instead of the console (an invocation's `context.log`). */
  line?: (text: string) => void;
}

let sink: 'console' | 'opentelemetry' = 'console';

/** From now on, events go to the global OpenTelemetry logger provider instead of the console. */
export function exportStructuredLogs(): void {
  sink = 'opentelemetry';
}

/** Back to console lines (tests that switched to OpenTelemetry). */
export function consoleStructuredLogs(): void {
  sink = 'console';
}

/** Writes one structured event; fields that are `undefined` are left out. */
export function logEvent(fields: EventFields, options: LogEventOptions = {}): void {
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean | null>;
  const text = JSON.stringify(defined);
  const level = options.level ?? 'info';
  if (sink === 'console') {
    (options.line ?? (level === 'warn' ? console.warn : console.info))(text);
    return;
  }
  logs.getLogger('private-link-forwarder').emit({
    body: text,
    severityNumber: level === 'warn' ? SeverityNumber.WARN : SeverityNumber.INFO,
    severityText: level === 'warn' ? 'Warning' : 'Information',
    // OpenTelemetry attributes take no null: an explicit "none" reads as an empty string.
    attributes: Object.fromEntries(Object.entries(defined).map(([k, v]) => [k, v ?? ''])),
  });
}
