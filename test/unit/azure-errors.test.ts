import { classify, retryAfterMs } from '../../azure/errors';

/** One classification table: what is retried (with Retry-After), what stops and is shown. */
const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n.toLowerCase()] });

describe('classify', () => {
  it.each([
    ['429 with Retry-After seconds', { statusCode: 429, code: 'TooManyRequests', response: { headers: headers({ 'retry-after': '7' }) } }, { kind: 'retryable', code: 'TooManyRequests', retryAfterMs: 7000 }],
    ["ARM's token bucket empty (429 SubscriptionRequestsThrottled)", { statusCode: 429, code: 'SubscriptionRequestsThrottled', response: { headers: headers({ 'retry-after': '3' }) } }, { kind: 'retryable', code: 'SubscriptionRequestsThrottled', retryAfterMs: 3000 }],
    ['a 409 AnotherOperationInProgress', { statusCode: 409, code: 'AnotherOperationInProgress' }, { kind: 'retryable', code: 'AnotherOperationInProgress' }],
    ['a 412 PreconditionFailed (a write with If-Match lost to another writer: read again, write again)', { statusCode: 412, code: 'PreconditionFailed' }, { kind: 'retryable', code: 'PreconditionFailed' }],
    ['the network RP retryable conflict', { statusCode: 429, code: 'RetryableErrorDueToAnotherOperation' }, { kind: 'retryable', code: 'RetryableErrorDueToAnotherOperation' }],
    ['a 503 without a code', { statusCode: 503 }, { kind: 'retryable', code: 'Http503' }],
    ['a 500 InternalServerError', { statusCode: 500, code: 'InternalServerError' }, { kind: 'retryable', code: 'InternalServerError' }],
    ['no HTTP answer (connection reset)', { code: 'ECONNRESET' }, { kind: 'retryable', code: 'ECONNRESET' }],
    ['400 InvalidParameter', { statusCode: 400, code: 'InvalidParameter' }, { kind: 'terminal', code: 'InvalidParameter' }],
    ['quota', { statusCode: 409, code: 'QuotaExceeded' }, { kind: 'terminal', code: 'QuotaExceeded' }],
    ['403 AuthorizationFailed: retried while role assignments may still propagate (10 minutes)', { statusCode: 403, code: 'AuthorizationFailed' }, { kind: 'retryable', code: 'AuthorizationFailed', retryForMs: 600_000 }],
    ['403 LinkedAuthorizationFailed: the same window', { statusCode: 403, code: 'LinkedAuthorizationFailed' }, { kind: 'retryable', code: 'LinkedAuthorizationFailed', retryForMs: 600_000 }],
    ['401 InvalidAuthenticationTokenTenant: another tenant never heals', { statusCode: 401, code: 'InvalidAuthenticationTokenTenant' }, { kind: 'terminal', code: 'InvalidAuthenticationTokenTenant' }],
    ['an unknown 400', { statusCode: 400, code: 'SomethingNew' }, { kind: 'terminal', code: 'SomethingNew' }],
    ['404 ResourceNotFound', { statusCode: 404, code: 'ResourceNotFound' }, { kind: 'notFound', code: 'ResourceNotFound' }],
    ['400 PrivateEndpointConnectionCannotBeCreatedByServiceProvider (approving a connection that vanished) is notFound', { statusCode: 400, code: 'PrivateEndpointConnectionCannotBeCreatedByServiceProvider' }, { kind: 'notFound', code: 'PrivateEndpointConnectionCannotBeCreatedByServiceProvider' }],
    ['404 ResourceGroupNotFound is terminal, not "absent"', { statusCode: 404, code: 'ResourceGroupNotFound' }, { kind: 'terminal', code: 'ResourceGroupNotFound' }],
  ])('%s', (_s, err, expected) => {
    expect(classify({ message: 'm', ...err })).toMatchObject(expected);
  });
});

/** An arm-* poller's plain Error for a failed operation (core-lro processOperationStatus): no statusCode, no code. */
describe('classify a failed long-running operation (poller Error)', () => {
  it.each([
    ['a terminal code', 'The long-running operation has failed. InvalidResourceReference. Resource /x referenced by /y was not found.', { kind: 'terminal', code: 'InvalidResourceReference', message: 'Resource /x referenced by /y was not found.' }],
    ['a retryable code', 'The long-running operation has failed. AllocationFailed. Allocation failed. Please try again later.', { kind: 'retryable', code: 'AllocationFailed', message: 'Allocation failed. Please try again later.' }],
    ['a code the tables do not know', 'The long-running operation has failed. PrivateLinkServiceNatIpInvalid. bad NAT IP', { kind: 'terminal', code: 'PrivateLinkServiceNatIpInvalid', message: 'bad NAT IP' }],
    ['no code at all', 'The long-running operation has failed', { kind: 'terminal', code: 'OperationFailed', message: 'The long-running operation has failed' }],
  ])('%s is not a NetworkError', (_s, message, expected) => {
    expect(classify(new Error(message))).toEqual(expected);
  });

  it('another plain Error is still a network-side failure', () => {
    expect(classify(new Error('socket hang up'))).toMatchObject({ kind: 'retryable', code: 'NetworkError' });
  });
});

describe('Retry-After', () => {
  it.each([
    ['seconds', '30', 30_000],
    ['an HTTP date 10 s ahead', new Date(Date.parse('2026-01-01T00:00:10Z')).toUTCString(), 10_000],
    ['a date in the past', new Date(Date.parse('2025-12-31T23:59:00Z')).toUTCString(), 0],
    ['garbage', 'soon', undefined],
  ])('%s', (_s, value, ms) => {
    expect(retryAfterMs(value, Date.parse('2026-01-01T00:00:00Z'))).toBe(ms);
  });
});
