import type { ForwardSpec } from './forward-spec';
import type { ConnectionState, Decision } from './responses/status';
import { lastSegment } from './resource-id';

/**
 * The approval policy of a forward's private endpoint connections. Pure: the input is the
 * forward's `consumers` and the facts ARM gives now for every connection on its private link
 * service; events never reach this (they only wake the flow), so a forged or repeated event
 * cannot approve anything.
 *
 * Per connection the decision is the state it should have, with a reason a person can read:
 *   approve — Pending, allowed, room under maxConnections: approve it now
 *   keep    — Approved and stays Approved (allowed; or no longer allowed with onDisallow: keep)
 *   reject  — reject it (unmatched: reject; or revoked with onDisallow: reject)
 *   leave   — leave it as it is (Pending unmatched or over the limit; Rejected is final in Azure;
 *             Disconnected: the endpoint is gone; Pending and undecided: a VNet rule applies and
 *             the endpoint could not be read)
 * An endpoint that cannot be read (403: the consumer granted no rights; 401: another tenant) is
 * decided on what is known, its subscription: never approved by a VNet rule, never rejected or
 * revoked because its VNet is unknown.
 * Azure: a Rejected connection cannot be approved again (the consumer must create a new endpoint),
 * https://learn.microsoft.com/azure/private-link/private-link-service-overview — so it is never tried.
 */
/** A connection's state on the PLS, and the decision, as the API shows them (core/responses/status.ts). */
export type { ConnectionState, Decision };

export interface ConnectionFacts {
  /** The connection's name on the private link service. */
  name: string;
  privateEndpointId: string;
  /** The endpoint's subscription (from its resource id). */
  subscriptionId: string;
  /** The endpoint's VNet, read from ARM; undefined when the endpoint could not be read. */
  virtualNetworkId?: string;
  state: ConnectionState;
  /** When the product first saw the connection (ISO time): "oldest first" under maxConnections. */
  firstSeen: string;
  /** Why the endpoint could not be read, when it could not. */
  endpointProblem?: string;
}

export interface PolicyDecision {
  name: string;
  decision: Decision;
  reason: string;
  /** Approved but no longer allowed by the allow list (kept because onDisallow is keep). */
  disallowed?: boolean;
  /** Allowed and Pending, left waiting for room under maxConnections (oldest first). */
  waiting?: boolean;
}

type Consumers = ForwardSpec['consumers'];

/**
 * Which allow rule admits the endpoint, or why none does. `undecided`: a rule of the endpoint's
 * subscription names VNets and the endpoint's VNet is unknown (it could not be read: no rights
 * there, another tenant, gone) — neither allowed nor refused. The subscription comes from the
 * endpoint id the private link service lists, so a rule without VNets decides without a read.
 */
export function matchAllowList(allow: Consumers['allow'], subscriptionId: string, virtualNetworkId: string | undefined, endpointProblem?: string): { allowed: boolean; reason: string; undecided?: boolean } {
  const sub = subscriptionId.toLowerCase();
  const rules = allow.map((rule, i) => ({ rule, i })).filter(({ rule }) => rule.subscriptionId.toLowerCase() === sub);
  if (!rules.length) return { allowed: false, reason: `subscription ${subscriptionId} is not in consumers.allow` };
  const open = rules.find(({ rule }) => rule.virtualNetworkIds.length === 0);
  if (open) return { allowed: true, reason: `allowed by consumers.allow[${open.i}] (subscription ${subscriptionId}, any VNet)` };
  if (!virtualNetworkId) return { allowed: false, undecided: true, reason: `consumers.allow[${rules[0].i}] names VNets, and the endpoint's VNet is unknown${endpointProblem ? ` (${endpointProblem})` : ''}` };
  const vnet = virtualNetworkId.toLowerCase();
  const hit = rules.find(({ rule }) => rule.virtualNetworkIds.some((v) => v.toLowerCase() === vnet));
  if (hit) return { allowed: true, reason: `allowed by consumers.allow[${hit.i}] (VNet ${lastSegment(virtualNetworkId)})` };
  return { allowed: false, reason: `VNet ${lastSegment(virtualNetworkId)} of subscription ${subscriptionId} is not in consumers.allow[${rules[0].i}].virtualNetworkIds` };
}

/**
 * Decides every connection of one private link service. Approved connections that stay count
 * against maxConnections first; Pending ones that are allowed are approved oldest first (by
 * firstSeen, then name) while there is room, the rest wait with "limit reached".
 */
export function decideConnections(consumers: Consumers, facts: readonly ConnectionFacts[]): PolicyDecision[] {
  const out = new Map<string, PolicyDecision>();
  let approved = 0;
  const waiting: ConnectionFacts[] = [];
  for (const c of facts) {
    const m = matchAllowList(consumers.allow, c.subscriptionId, c.virtualNetworkId, c.endpointProblem);
    switch (c.state) {
      case 'Rejected':
        out.set(c.name, { name: c.name, decision: 'leave', reason: 'rejected: final in Azure, the consumer must create a new private endpoint' });
        break;
      case 'Disconnected':
        out.set(c.name, { name: c.name, decision: 'leave', reason: 'disconnected: the private endpoint is gone' });
        break;
      case 'Approved':
        if (m.allowed) {
          out.set(c.name, { name: c.name, decision: 'keep', reason: m.reason });
          approved++;
        } else if (m.undecided) {
          // Never revoke on what cannot be seen: a lost read right is not a lost allowance.
          out.set(c.name, { name: c.name, decision: 'keep', reason: `kept, cannot be decided now: ${m.reason}` });
          approved++;
        } else if (consumers.onDisallow === 'reject') {
          out.set(c.name, { name: c.name, decision: 'reject', reason: `access revoked: ${m.reason} (consumers.onDisallow: reject)` });
        } else {
          out.set(c.name, { name: c.name, decision: 'keep', reason: `no longer allowed: ${m.reason}; kept (consumers.onDisallow: keep)`, disallowed: true });
          approved++;
        }
        break;
      case 'Pending':
        if (m.allowed) waiting.push(c);
        // Never reject on what cannot be seen: it waits until the endpoint can be read.
        else if (m.undecided) out.set(c.name, { name: c.name, decision: 'leave', reason: `cannot be decided: ${m.reason}; left pending until the endpoint can be read` });
        else if (consumers.unmatched === 'reject') out.set(c.name, { name: c.name, decision: 'reject', reason: `not allowed: ${m.reason} (consumers.unmatched: reject)` });
        else out.set(c.name, { name: c.name, decision: 'leave', reason: `not allowed: ${m.reason}; left pending (consumers.unmatched: leavePending)` });
        break;
    }
  }
  waiting.sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.name.localeCompare(b.name));
  for (const c of waiting) {
    const m = matchAllowList(consumers.allow, c.subscriptionId, c.virtualNetworkId);
    if (approved < consumers.maxConnections) {
      out.set(c.name, { name: c.name, decision: 'approve', reason: m.reason });
      approved++;
    } else {
      out.set(c.name, { name: c.name, decision: 'leave', reason: `limit reached: ${approved} of consumers.maxConnections ${consumers.maxConnections} approved; waits for room (oldest first)`, waiting: true });
    }
  }
  return facts.map((c) => out.get(c.name)!);
}

/** What ARM needs written for a decision, given the state now (undefined = nothing). */
export function stateChange(decision: Decision, state: ConnectionState): 'Approved' | 'Rejected' | undefined {
  if (decision === 'approve' && state === 'Pending') return 'Approved';
  if (decision === 'reject' && (state === 'Pending' || state === 'Approved')) return 'Rejected';
  return undefined;
}

/** ARM's privateLinkServiceConnectionState.description holds at most 140 characters. */
export const DESCRIPTION_MAX = 140;

/** The description written with an approval or rejection: the product's name and the reason, cut to 140. */
export function connectionDescription(status: 'Approved' | 'Rejected', reason: string): string {
  const text = `plf ${status === 'Approved' ? 'approved' : 'rejected'}: ${reason}`;
  return text.length <= DESCRIPTION_MAX ? text : `${text.slice(0, DESCRIPTION_MAX - 1)}…`;
}

/**
 * The subscriptions that may see the private link service: `visibleTo` when given (`[]`: none but
 * the provider's own subscription, which always sees it), else the allow list's subscriptions.
 */
export function visibleSubscriptions(consumers: Consumers): string[] {
  if (consumers.visibleTo) return consumers.visibleTo.includes('*') ? ['*'] : [...new Set(consumers.visibleTo.map((s) => s.toLowerCase()))].sort();
  return [...new Set(consumers.allow.map((c) => c.subscriptionId.toLowerCase()))].sort();
}
