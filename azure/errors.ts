/**
 * One table that classifies ARM failures (after the SDK's own retries). Retryable ones are retried
 * by the orchestration with backoff, never sooner than Retry-After; terminal ones stop and are
 * shown in the forward's status with the ARM code and message.
 */
export type Classified =
  | { kind: 'notFound'; code: string; message: string }
  | { kind: 'retryable'; code: string; message: string; retryAfterMs?: number; retryForMs?: number }
  | { kind: 'terminal'; code: string; message: string };

/**
 * How long a refusal for missing rights is retried before it is terminal, ms. Role assignments take
 * effect only after ARM's caches catch up: "When you assign roles or remove role assignments, it
 * can take up to 10 minutes for changes to take effect" (Learn, "Troubleshoot Azure RBAC",
 * https://learn.microsoft.com/azure/role-based-access-control/troubleshooting, "Role assignment
 * changes are not being detected"). A deployment that grants the app its roles and starts it at
 * once meets exactly that window; after it, the refusal is real and needs a human.
 */
export const ROLE_PROPAGATION_MS = 10 * 60_000;

/** ARM error codes of missing rights that may heal within ROLE_PROPAGATION_MS (retried that long, then terminal). */
const PROPAGATING_CODES = new Set(['AuthorizationFailed', 'LinkedAuthorizationFailed'].map((c) => c.toLowerCase()));

/** ARM error codes that succeed when tried again later, whatever the HTTP status. */
const RETRYABLE_CODES = new Set(
  [
    'AnotherOperationInProgress',
    'RetryableErrorDueToAnotherOperation',
    'OperationPreempted',
    'Conflict', // network RP: a dependent resource is being updated
    'TooManyRequests',
    'SubscriptionRequestsThrottled',
    'ResourceGroupRequestsThrottled',
    'InternalServerError',
    'InternalError',
    'ServiceUnavailable',
    'GatewayTimeout',
    'RequestTimeout',
    'NetworkingInternalOperationError',
    'AllocationFailed',
    'ZonalAllocationFailed',
    'OverconstrainedAllocationRequest',
    'ReferencedResourceNotProvisioned',
    'InUseSubnetCannotBeDeleted',
    'CanceledAndSupersededDueToAnotherOperation',
    // 412 to a write with If-Match: another writer changed the resource since it was read; the
    // next attempt reads it again and decides on that version (azure/engine.ts, ARM-6).
    'PreconditionFailed',
  ].map((c) => c.toLowerCase()),
);

/** ARM error codes that need a human (or a new spec), whatever the HTTP status. */
const TERMINAL_CODES = new Set(
  [
    'InvalidParameter',
    'InvalidRequestFormat',
    'InvalidResourceReference',
    'BadRequest',
    'QuotaExceeded',
    'OperationNotAllowed',
    'SkuNotAvailable',
    'InvalidAuthenticationToken',
    // The subscription is in another tenant than the app's identity: a managed identity cannot
    // get a token there, so no wait heals it (azure-sdk-for-python#38382, azure-facts.md).
    'InvalidAuthenticationTokenTenant',
    'SubscriptionNotFound',
    'ResourceGroupNotFound',
    'PrivateLinkServiceCannotUseIpBasedBackendPool',
    'PrivateLinkServiceIsNotSupportedForIPBasedLoadBalancer',
    'LoadBalancerInUseByPrivateLinkService',
  ].map((c) => c.toLowerCase()),
);

/**
 * ARM error codes that mean "the thing addressed is gone" although the status is not 404: read as
 * notFound, like a 404.
 */
const GONE_CODES = new Set(
  [
    // 400 to an approve/reject PUT of a connection the service does not have (its endpoint was
    // deleted between the list and the PUT): NRP says it "cannot be created by the service
    // provider" (azure-sdk-for-go#9484; tools/emulator/AZURE-RULES.md NET-3).
    'PrivateEndpointConnectionCannotBeCreatedByServiceProvider',
  ].map((c) => c.toLowerCase()),
);

interface ErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get?(name: string): string | undefined | null } | Record<string, unknown> };
}

/** Retry-After in ms from seconds or an HTTP date; undefined when absent or malformed. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function header(err: ErrorLike, name: string): string | undefined {
  const h = err.response?.headers as { get?: (n: string) => string | null | undefined } | Record<string, unknown> | undefined;
  if (!h) return undefined;
  if (typeof (h as { get?: unknown }).get === 'function') return (h as { get: (n: string) => string | null | undefined }).get(name) ?? undefined;
  const v = (h as Record<string, unknown>)[name] ?? (h as Record<string, unknown>)[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The plain Error an arm-* SDK poller throws when the operation it follows ends Failed: "The
 * long-running operation has failed[. {code}. {message}]" with no statusCode and no code
 * (Azure/azure-sdk-for-js, sdk/core/core-lro/src/poller/operation.ts, processOperationStatus).
 * Returns the operation's code and message, or undefined for any other error.
 */
export function lroFailureOf(err: unknown): { code: string; message: string } | undefined {
  const e = err as ErrorLike | undefined;
  if (!e || e.statusCode !== undefined || typeof e.message !== 'string') return undefined;
  const m = /^The long-running operation has failed(?:\.\s*([A-Za-z][\w.-]*)\.\s*([\s\S]*))?$/.exec(e.message);
  if (!m) return undefined;
  return m[1] ? { code: m[1], message: m[2].trim() || e.message } : { code: 'OperationFailed', message: e.message };
}

/**
 * Classifies by ARM code first (tables above), then by HTTP status. A failed long-running
 * operation (poller's plain Error, see lroFailureOf) is classified by the operation's code: one
 * the tables call retryable is retried, any other code is terminal — never a network error.
 */
export function classify(err: unknown): Classified {
  const lro = lroFailureOf(err);
  if (lro) return RETRYABLE_CODES.has(lro.code.toLowerCase()) ? { kind: 'retryable', ...lro } : { kind: 'terminal', ...lro };
  const e = (err ?? {}) as ErrorLike;
  const status = e.statusCode;
  const code = e.code ?? (status ? `Http${status}` : 'Unknown');
  const message = (e.message ?? String(err)).slice(0, 2000);
  const lc = code.toLowerCase();
  if (status === 404 && lc !== 'resourcegroupnotfound' && lc !== 'subscriptionnotfound') return { kind: 'notFound', code, message };
  if (GONE_CODES.has(lc)) return { kind: 'notFound', code, message };
  if (PROPAGATING_CODES.has(lc)) return { kind: 'retryable', code, message, retryForMs: ROLE_PROPAGATION_MS };
  if (RETRYABLE_CODES.has(lc)) return { kind: 'retryable', code, message, ...withRetryAfter(e) };
  if (TERMINAL_CODES.has(lc)) return { kind: 'terminal', code, message };
  if (status === 429 || status === 408 || (status !== undefined && status >= 500)) return { kind: 'retryable', code, message, ...withRetryAfter(e) };
  if (status === undefined) {
    // No HTTP answer at all (connection reset, DNS, TLS): transient from our side.
    return { kind: 'retryable', code: e.code ?? 'NetworkError', message };
  }
  return { kind: 'terminal', code, message };
}

function withRetryAfter(e: ErrorLike): { retryAfterMs?: number } {
  const ms = retryAfterMs(header(e, 'retry-after'));
  return ms === undefined ? {} : { retryAfterMs: ms };
}

/**
 * Whether a failed read was refused to this caller — 401 (a subscription of another tenant:
 * `InvalidAuthenticationTokenTenant`) or 403 (no rights there: `AuthorizationFailed`) — rather than
 * failing for everyone: such a refusal concerns the one resource read (a consumer's endpoint), so
 * the caller records it on that item and goes on. Undefined for anything else.
 */
export function refusalOf(err: unknown): { status: 401 | 403; code: string; message: string } | undefined {
  const e = (err ?? {}) as ErrorLike;
  if (e.statusCode !== 401 && e.statusCode !== 403) return undefined;
  return { status: e.statusCode, code: e.code ?? `Http${e.statusCode}`, message: (e.message ?? '').slice(0, 500) };
}
