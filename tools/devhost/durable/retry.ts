import type { RetryOptionsWire } from './types';

/**
 * The delay before the next attempt, or undefined when no attempt is left — the rule of
 * DTFx's RetryInterceptor, which the real extension applies to *WithRetry actions:
 *   delay(n) = firstRetryInterval * backoffCoefficient^(n-1), capped at maxRetryInterval,
 *   no retry after maxNumberOfAttempts attempts, nor when now + delay passes
 *   firstAttempt + retryTimeout.
 * `failedAttempts` counts attempts made so far (1 after the first failure).
 */
export function nextRetryDelayMs(options: RetryOptionsWire, failedAttempts: number, firstAttemptAt: number, now: number): number | undefined {
  if (failedAttempts >= options.maxNumberOfAttempts) return undefined;
  const backoff = options.backoffCoefficient && options.backoffCoefficient > 0 ? options.backoffCoefficient : 1;
  let delay = options.firstRetryIntervalInMilliseconds * Math.pow(backoff, failedAttempts - 1);
  const cap = options.maxRetryIntervalInMilliseconds;
  if (cap !== undefined && cap > 0 && delay > cap) delay = cap;
  const timeout = options.retryTimeoutInMilliseconds;
  if (timeout !== undefined && timeout > 0 && timeout < Number.MAX_SAFE_INTEGER && now + delay >= firstAttemptAt + timeout) return undefined;
  return Math.round(delay);
}
