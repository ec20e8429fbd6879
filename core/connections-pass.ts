import type { ConnectionFacts, ConnectionState, PolicyDecision } from './connection-policy';
import { forwardZoneIds, type DnsPlan, type DnsProblem, type NamedEndpoint } from './dns-plan';
import { subscriptionOf } from './resource-id';
import type { ConnectionRecord } from './status';
import { unreadableProblem, type Unreadable } from './unreadable';

/**
 * The decisions of one connections pass, pure (orchestrations/activities/connections-pass.ts
 * observes ARM, calls these, and acts). In the order of a pass:
 *
 *  planReads        which listed connections get their endpoint re-read (new, changed, named by
 *                   the wake-up, due for the drift check, or refused last time: rights may have
 *                   been granted since), and which are `dirty` (may change a record);
 *  observedRecord   a connection's row from what the endpoint read said (or why it could not be
 *                   read: a refusal keeps what was known of this very endpoint, a 404 keeps nothing);
 *  policyFacts      the facts the policy decides on (core/connection-policy.ts decideConnections);
 *  withDecision     the row after its decision (and after the approve/reject ARM accepted);
 *  dnsNeeded        whether DNS records are looked at this pass (spec changed, something dirty,
 *                   a connection with a written record gone);
 *  dnsScope         the zones to read (the spec's, plus zones that held our records before: a zone
 *                   dropped from the spec is cleaned up) and the record name;
 *  nicsToRead       approved endpoints whose NIC IP is read (unknown, or dirty);
 *  namedEndpoints   the approved endpoints as the record plan takes them (core/dns-plan.ts);
 *  withRecordViews  each row's record views from the plan, and the conflicts that are new (logged once);
 *  storedDnsProblems the DNS problems a pass that did not look at DNS still shows.
 */

/** A connection as the private link service lists it (azure/private-endpoint/connections.ts). */
export interface ListedConnection {
  name: string;
  privateEndpointId: string;
  state: ConnectionState;
}

export interface ReadPlan {
  /** Rows carried from the last pass with the state listed now (new connections have none yet). */
  rows: Map<string, ConnectionRecord>;
  /** Connections whose endpoint is read this pass. */
  toRead: string[];
  /** Connections that may change a record. */
  dirty: Set<string>;
}

export function planReads(listed: readonly ListedConnection[], previous: readonly ConnectionRecord[], hints: readonly string[], now: string, verifySeconds: number): ReadPlan {
  const before = new Map(previous.map((r) => [r.name, r]));
  const hinted = new Set(hints.map((h) => h.toLowerCase()));
  const nowMs = Date.parse(now);
  const plan: ReadPlan = { rows: new Map(), toRead: [], dirty: new Set() };
  for (const conn of listed) {
    const prev = before.get(conn.name);
    const due = !prev?.verifiedAt || nowMs - Date.parse(prev.verifiedAt) >= verifySeconds * 1000;
    const changed = !prev || prev.privateEndpointId.toLowerCase() !== conn.privateEndpointId.toLowerCase() || prev.state !== conn.state;
    const named = [conn.privateEndpointId, prev?.nicId].some((id) => id && hinted.has(id.toLowerCase()));
    if (prev) plan.rows.set(conn.name, { ...prev, state: conn.state });
    // A refused endpoint is tried again every pass (rights take up to 10 minutes to reach ARM),
    // and is dirty only when what is known changes.
    if (changed || named || due || prev?.refused) plan.toRead.push(conn.name);
    if (changed || named || due) plan.dirty.add(conn.name);
  }
  return plan;
}

/** What reading a connection's endpoint gave: its facts, 404, or a refusal (401 / 403). */
export type EndpointRead = { found: { subscriptionId?: string; virtualNetworkId?: string; nicId?: string } } | { notFound: true } | { refused: Exclude<Unreadable, 'notFound'> };

/**
 * The row of a connection after its endpoint was read. A refused read keeps what was read before
 * of this very endpoint (its subnet cannot change) and says why; a 404 keeps nothing (a
 * Disconnected connection's endpoint is gone by definition: no problem then). The decision and
 * reason carry over for the same endpoint until the policy decides again.
 */
export function observedRecord(conn: ListedConnection, prev: ConnectionRecord | undefined, read: EndpointRead, now: string): ConnectionRecord {
  const listedSub = subscriptionOf(conn.privateEndpointId) ?? '';
  const same = !!prev && prev.privateEndpointId.toLowerCase() === conn.privateEndpointId.toLowerCase();
  const base: ConnectionRecord = {
    name: conn.name,
    privateEndpointId: conn.privateEndpointId,
    subscriptionId: ('found' in read ? read.found.subscriptionId : undefined) ?? listedSub,
    state: conn.state,
    decision: same ? prev.decision : 'leave',
    reason: same ? prev.reason : '',
    firstSeen: same ? prev.firstSeen : now,
    verifiedAt: now,
    ...(same && prev.dns ? { dns: prev.dns } : {}),
  };
  if ('found' in read) {
    const ep = read.found;
    return { ...base, ...(ep.virtualNetworkId ? { virtualNetworkId: ep.virtualNetworkId } : {}), ...(ep.nicId ? { nicId: ep.nicId } : {}), ...(same && prev.ip && prev.nicId === ep.nicId ? { ip: prev.ip } : {}) };
  }
  if ('refused' in read) {
    const known = same ? { ...(prev.virtualNetworkId ? { virtualNetworkId: prev.virtualNetworkId } : {}), ...(prev.nicId ? { nicId: prev.nicId } : {}), ...(prev.ip ? { ip: prev.ip } : {}) } : {};
    return { ...base, ...known, problem: unreadableProblem('private endpoint', listedSub, read.refused), refused: true };
  }
  return conn.state === 'Disconnected' ? base : { ...base, problem: unreadableProblem('private endpoint', listedSub, 'notFound') };
}

/** Whether a re-read row differs from the last pass's in what concerns records (problem, VNet, NIC). */
export function recordRelevantChange(prev: ConnectionRecord | undefined, next: ConnectionRecord): boolean {
  return !!prev && (prev.problem !== next.problem || prev.virtualNetworkId !== next.virtualNetworkId || prev.nicId !== next.nicId);
}

/** The policy's facts for each listed connection, from its row. */
export function policyFacts(listed: readonly ListedConnection[], rows: ReadonlyMap<string, ConnectionRecord>): ConnectionFacts[] {
  return listed.map((conn) => {
    const r = rows.get(conn.name)!;
    return {
      name: conn.name,
      privateEndpointId: conn.privateEndpointId,
      subscriptionId: r.subscriptionId,
      ...(r.virtualNetworkId ? { virtualNetworkId: r.virtualNetworkId } : {}),
      state: conn.state,
      firstSeen: r.firstSeen,
      ...(r.problem ? { endpointProblem: r.problem } : r.virtualNetworkId ? {} : { endpointProblem: 'the endpoint could not be read' }),
    };
  });
}

/** The row after its decision, in the state ARM now has (a connection not Approved has no records). */
export function withDecision(r: ConnectionRecord, d: PolicyDecision, state: ConnectionState): ConnectionRecord {
  const { disallowed: _old, waiting: _was, ...rest } = r;
  return { ...rest, state, decision: d.decision, reason: d.reason, ...(d.disallowed ? { disallowed: true } : {}), ...(d.waiting ? { waiting: true } : {}), ...(state === 'Approved' ? {} : { dns: [] }) };
}

/** Whether this pass looks at DNS records: only when something that concerns them changed. */
export function dnsNeeded(p: { specChanged: boolean; dirty: ReadonlySet<string>; gone: readonly ConnectionRecord[] }): boolean {
  return p.specChanged || p.dirty.size > 0 || p.gone.some((r) => r.dns?.some((v) => v.state === 'written'));
}

/**
 * The zones a pass reads and the record name: the spec's zones (`dns.zoneName` in the hub,
 * `dns.zoneIds`), plus zones that held our records before (a zone dropped from the spec is cleaned
 * up); the record name is the spec's, or — with `dns` removed — the one our records had.
 */
export function dnsScope(dns: { zoneName?: string; zoneIds?: string[]; recordName: string } | undefined, hub: { subscriptionId: string; resourceGroup: string }, previous: readonly ConnectionRecord[]): { zoneIds: string[]; specZones: Set<string>; recordName?: string } {
  const fromSpec = dns ? forwardZoneIds(dns, hub) : [];
  const specZones = new Set(fromSpec.map((z) => z.toLowerCase()));
  const zoneIds = [...fromSpec];
  for (const p of previous) for (const v of p.dns ?? []) if (v.state === 'written' && v.zoneId && !zoneIds.some((z) => z.toLowerCase() === v.zoneId.toLowerCase())) zoneIds.push(v.zoneId);
  const recordName = dns?.recordName ?? previous.flatMap((p) => p.dns ?? []).find((v) => v.state === 'written')?.fqdn.split('.')[0];
  return { zoneIds, specZones, ...(recordName ? { recordName } : {}) };
}

/** Approved endpoints whose NIC IP is read: unknown yet, or something about the endpoint changed. */
export function nicsToRead(approved: readonly ConnectionRecord[], dirty: ReadonlySet<string>): ConnectionRecord[] {
  return approved.filter((r) => r.nicId && (!r.ip || dirty.has(r.name)));
}

export function namedEndpoints(approved: readonly ConnectionRecord[]): NamedEndpoint[] {
  return approved.map((r) => ({ connectionName: r.name, privateEndpointId: r.privateEndpointId, ...(r.virtualNetworkId ? { virtualNetworkId: r.virtualNetworkId } : {}), ...(r.ip ? { ip: r.ip } : {}), ...(r.problem && !r.ip ? { problem: r.problem } : {}) }));
}

/**
 * Each row's record views from the plan (none for a row not Approved, or without `dns`), and the
 * conflicts that are new since the last pass (each appended to the action log once).
 */
export function withRecordViews(rows: ReadonlyMap<string, ConnectionRecord>, plan: Pick<DnsPlan, 'views'>, hasDns: boolean, previous: readonly ConnectionRecord[]): { rows: Map<string, ConnectionRecord>; newConflicts: { fqdn: string; message: string }[] } {
  const before = new Set(previous.flatMap((p) => (p.dns ?? []).filter((v) => v.state === 'conflict').map((v) => `${p.name}|${v.zoneId}`)));
  const out = new Map<string, ConnectionRecord>();
  const newConflicts: { fqdn: string; message: string }[] = [];
  for (const [name, r] of rows) {
    const views = r.state === 'Approved' && hasDns ? (plan.views.get(name) ?? []) : [];
    for (const v of views) if (v.state === 'conflict' && !before.has(`${name}|${v.zoneId}`)) newConflicts.push({ fqdn: v.fqdn, message: v.message ?? 'conflict' });
    out.set(name, { ...r, dns: views });
  }
  return { rows: out, newConflicts };
}

/** The DNS problems still shown by a pass that did not look at DNS: the conflicts and unlinked VNets of the rows. */
export function storedDnsProblems(previous: readonly ConnectionRecord[]): DnsProblem[] {
  return previous.flatMap((p) => (p.dns ?? []).flatMap((v): DnsProblem[] => (v.state === 'conflict' || v.state === 'noZone' ? [{ kind: v.state, message: v.message ?? v.state }] : [])));
}
