import { countConnections, setCondition, type Condition, type ConnectionRecord, type ConnectionsSection } from './status';

/**
 * The connections flow's section of a forward's status, from the rows of a pass: conditions
 * `ConnectionsReconciled` (False with reason `DisallowedKept` while approved connections the allow
 * list no longer admits are kept, naming them; its message names every connection whose endpoint
 * could not be read, with the problem) and `DnsRecordsReady` (False with `Conflict`,
 * `NoLinkedZone` or `EndpointUnreadable` naming each problem; True `NotConfigured` without `dns`), and the counts.
 * Answers 'unchanged' when nothing but the time would differ, so an idle pass writes nothing.
 */
/** A DNS problem that comes from an endpoint or NIC that could not be read (core/unreadable.ts). */
const UNREADABLE = /: the (private endpoint|NIC) (could not be read|was not found)/;

export function connectionsSection(
  previous: ConnectionsSection | undefined,
  rows: readonly ConnectionRecord[],
  pass: { generation: number; hasDns: boolean; dnsProblems: readonly string[]; now: string },
): ConnectionsSection | 'unchanged' {
  const counts = countConnections(rows);
  const kept = rows.filter((r) => r.disallowed && r.state === 'Approved');
  const waiting = rows.filter((r) => r.state === 'Pending' && r.decision === 'leave' && r.reason.startsWith('limit reached'));
  const unseen = rows.filter((r) => r.problem);
  const summary = `${counts.approved} approved, ${counts.pending} pending, ${counts.rejected} rejected${unseen.length ? `; endpoint not readable: ${unseen.map((r) => `${r.name} (${r.problem})`).join('; ')}` : ''}`;
  const reconciled: Omit<Condition, 'lastTransitionTime'> = kept.length
    ? { type: 'ConnectionsReconciled', status: 'False', reason: 'DisallowedKept', message: `no longer allowed, kept (consumers.onDisallow: keep): ${kept.map((r) => `${r.name} (${r.reason})`).join('; ')}` }
    : { type: 'ConnectionsReconciled', status: 'True', reason: waiting.length ? 'LimitReached' : 'Reconciled', message: waiting.length ? `${summary}; ${waiting.length} waiting for room under maxConnections` : summary };
  const problems = [...new Set(pass.dnsProblems)];
  const noZone = problems.filter((p) => p.includes('no zone of the forward'));
  const unreadable = problems.filter((p) => UNREADABLE.test(p));
  const dnsReason = noZone.length === problems.length ? 'NoLinkedZone' : unreadable.length === problems.length ? 'EndpointUnreadable' : 'Conflict';
  const dns: Omit<Condition, 'lastTransitionTime'> = !pass.hasDns
    ? { type: 'DnsRecordsReady', status: 'True', reason: 'NotConfigured', message: 'the forward has no dns' }
    : problems.length
      ? { type: 'DnsRecordsReady', status: 'False', reason: dnsReason, message: problems.join('; ').slice(0, 2000) }
      : { type: 'DnsRecordsReady', status: 'True', reason: 'RecordsWritten', message: `${rows.filter((r) => r.dns?.some((v) => v.state === 'written')).length} record(s) written for ${counts.approved} approved endpoint(s)` };
  let conditions = setCondition(previous?.conditions ?? [], reconciled, pass.now);
  conditions = setCondition(conditions, dns, pass.now);
  const next: ConnectionsSection = { conditions, observedGeneration: pass.generation, counts, lastPassAt: pass.now };
  if (previous && sameIgnoringTime(previous, next)) return 'unchanged';
  return next;
}

/** A failed pass: ConnectionsReconciled False with the ARM code and message; the rest stays. */
export function connectionsFailure(previous: ConnectionsSection | undefined, failure: { code: string; message: string }, now: string): ConnectionsSection {
  const conditions = setCondition(previous?.conditions ?? [], { type: 'ConnectionsReconciled', status: 'False', reason: failure.code, message: failure.message }, now);
  return { conditions, observedGeneration: previous?.observedGeneration ?? 0, counts: previous?.counts ?? { approved: 0, pending: 0, rejected: 0, disconnected: 0 }, lastPassAt: now };
}

function sameIgnoringTime(a: ConnectionsSection, b: ConnectionsSection): boolean {
  const strip = (s: ConnectionsSection) => JSON.stringify({ ...s, lastPassAt: undefined, conditions: s.conditions.map((c) => ({ ...c, lastTransitionTime: undefined })) });
  return strip(a) === strip(b);
}
