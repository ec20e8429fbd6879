/**
 * What a connection's status says when the product cannot read its private endpoint or NIC (pure).
 * A provider still sees every connection's `privateEndpoint.id` in its PLS connection list, but
 * the endpoint lives in the consumer's subscription: 403 `AuthorizationFailed` where its owner
 * granted the app nothing (infra/consumer/roles.bicep grants `endpoints`), 401
 * `InvalidAuthenticationTokenTenant` where the subscription is in another tenant (a managed
 * identity cannot get tokens there: azure-facts.md "Reading across subscriptions and tenants").
 */
export type Unreadable = { status: 401 | 403; code: string } | 'notFound';

/** One sentence naming what could not be read, why, and what would change it. */
export function unreadableProblem(what: 'private endpoint' | 'NIC', subscriptionId: string, why: Unreadable): string {
  if (why === 'notFound') return `the ${what} was not found`;
  if (why.status === 401) return `the ${what} could not be read: ${why.code} (subscription ${subscriptionId} is in another tenant than the app's identity, which cannot get tokens there)`;
  return `the ${what} could not be read: ${why.code} (the app has no read rights in subscription ${subscriptionId} there; its owner grants them with infra/consumer/roles.bicep endpointResourceGroups)`;
}

// Whether a problem is a refusal (which may heal) is a fact of the row (ConnectionRecord.refused,
// core/connections-pass.ts observedRecord), never read back from this sentence.
