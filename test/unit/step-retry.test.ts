import { afterRetry } from '../../orchestrations/kit/steps';

/** What a step does after a `retry` outcome: attempts for transient failures, a time window for missing rights. */
const opts = { pollMs: 1000, maxRetries: 3, maxBackoffMs: 60_000 };
const transient = { code: 'InternalServerError', message: 'm' };
const rights = { code: 'AuthorizationFailed', message: 'no rights', retryForMs: 600_000 };

describe('afterRetry', () => {
  it.each([
    ['a transient failure, first attempt: backoff pollMs', transient, 1, 0, { waitMs: 1000 }],
    ['a transient failure with Retry-After longer than the backoff', { ...transient, retryAfterMs: 7000 }, 1, 0, { waitMs: 7000 }],
    ['a transient failure, third attempt of 3: terminal', transient, 3, 5000, { terminal: { code: 'InternalServerError', message: 'still failing after 3 attempts: m' } }],
    ['missing rights on the 20th attempt, 5 minutes in: still retried, backoff capped', rights, 20, 300_000, { waitMs: 60_000 }],
    ['missing rights 30 s before the window closes: waits only until it closes', rights, 20, 570_000, { waitMs: 30_000 }],
  ])('%s', (_situation, result, attempt, since, expected) => {
    expect(afterRetry(opts, result, attempt, since)).toEqual(expected);
  });

  it('missing rights after the 10-minute window: terminal, naming the time and the propagation delay', () => {
    const r = afterRetry(opts, rights, 14, 600_000);
    expect(r).toEqual({ terminal: { code: 'AuthorizationFailed', message: expect.stringMatching(/^still failing after 600 s \(14 attempts; role assignments take up to 10 minutes to take effect\): no rights$/) } });
  });
});
