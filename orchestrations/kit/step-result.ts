/**
 * What every activity answers, so orchestrations decide without catching exceptions: `ok` with
 * the step's data, `pending` (a long operation runs; poll), or a failure classified once in
 * azure/errors.ts — `retry` (transient; never sooner than `retryAfterMs`; with `retryForMs`,
 * retried for that long from the first failure instead of a number of attempts) or `terminal` (needs a
 * human or a new spec; shown in status with the ARM code and message).
 */
export type StepResult<T extends object = object> =
  | ({ outcome: 'ok' } & T)
  | { outcome: 'pending'; id?: string }
  | { outcome: 'retry'; code: string; message: string; retryAfterMs?: number; retryForMs?: number }
  | { outcome: 'terminal'; code: string; message: string };

/** The code and message of a failed step (for status and logs). */
export function failureOf(r: StepResult): { code: string; message: string } {
  return r.outcome === 'terminal' || r.outcome === 'retry' ? { code: r.code, message: r.message } : { code: 'Unknown', message: 'the step did not finish' };
}
