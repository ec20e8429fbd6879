import { armCode, ConditionTypes, Reasons } from './conditions';
import type { DnsProblem } from './dns-plan';
import { countConnections, setCondition, type ConditionInput, type ConnectionRecord, type ConnectionsSection } from './status';

/**
 * The connections flow's section of a forward's status, from the rows of a pass: conditions
 * `ConnectionsReconciled` (False with reason `DisallowedKept` while approved connections the allow
 * list no longer admits are kept, naming them; its message names every connection whose endpoint
 * could not be read, with the problem) and `DnsRecordsReady` (False with `Conflict`,
 * `NoLinkedZone` or `EndpointUnreadable` naming each problem; True `NotConfigured` without `dns`), and the counts.
 * Reasons come from typed facts (the rows' `disallowed` / `waiting`, each DNS problem's `kind`),
 * never from messages. Every condition carries the generation the pass decided with.
 * Answers 'unchanged' when nothing but the time would differ, so an idle pass writes nothing.
 */

export function connectionsSection(
  previous: ConnectionsSection | undefined,
  rows: readonly ConnectionRecord[],
  pass: { generation: number; hasDns: boolean; dnsProblems: readonly DnsProblem[]; now: string },
): ConnectionsSection | 'unchanged' {
  const counts = countConnections(rows);
  const kept = rows.filter((r) => r.disallowed && r.state === 'Approved');
  const waiting = rows.filter((r) => r.state === 'Pending' && r.waiting);
  const unseen = rows.filter((r) => r.problem);
  const summary = `${counts.approved} approved, ${counts.pending} pending, ${counts.rejected} rejected${unseen.length ? `; endpoint not readable: ${unseen.map((r) => `${r.name} (${r.problem})`).join('; ')}` : ''}`;
  const generation = pass.generation;
  const R = Reasons.ConnectionsReconciled;
  const reconciled: ConditionInput = kept.length
    ? { type: ConditionTypes.ConnectionsReconciled, status: 'False', reason: R.DisallowedKept, message: `no longer allowed, kept (consumers.onDisallow: keep): ${kept.map((r) => `${r.name} (${r.reason})`).join('; ')}`, observedGeneration: generation }
    : { type: ConditionTypes.ConnectionsReconciled, status: 'True', reason: waiting.length ? R.LimitReached : R.Reconciled, message: waiting.length ? `${summary}; ${waiting.length} waiting for room under maxConnections` : summary, observedGeneration: generation };
  const problems = pass.dnsProblems.filter((p, i, all) => all.findIndex((q) => q.message === p.message) === i);
  const D = Reasons.DnsRecordsReady;
  const all = (kind: DnsProblem['kind']) => problems.every((p) => p.kind === kind);
  const dnsReason = all('noZone') ? D.NoLinkedZone : all('unreadable') ? D.EndpointUnreadable : D.Conflict;
  const dns: ConditionInput = !pass.hasDns
    ? { type: ConditionTypes.DnsRecordsReady, status: 'True', reason: D.NotConfigured, message: 'the forward has no dns', observedGeneration: generation }
    : problems.length
      ? { type: ConditionTypes.DnsRecordsReady, status: 'False', reason: dnsReason, message: problems.map((p) => p.message).join('; ').slice(0, 2000), observedGeneration: generation }
      : { type: ConditionTypes.DnsRecordsReady, status: 'True', reason: D.RecordsWritten, message: `${rows.filter((r) => r.dns?.some((v) => v.state === 'written')).length} record(s) written for ${counts.approved} approved endpoint(s)`, observedGeneration: generation };
  let conditions = setCondition(previous?.conditions ?? [], reconciled, pass.now);
  conditions = setCondition(conditions, dns, pass.now);
  const next: ConnectionsSection = { conditions, observedGeneration: pass.generation, counts, lastPassAt: pass.now };
  if (previous && sameIgnoringTime(previous, next)) return 'unchanged';
  return next;
}

/** A failed pass: ConnectionsReconciled False with the ARM code and message, for the generation it worked on; the rest stays. */
export function connectionsFailure(previous: ConnectionsSection | undefined, failure: { code: string; message: string }, now: string, generation = previous?.observedGeneration ?? 0): ConnectionsSection {
  const conditions = setCondition(previous?.conditions ?? [], { type: ConditionTypes.ConnectionsReconciled, status: 'False', reason: armCode(failure.code), message: failure.message, observedGeneration: generation }, now);
  return { conditions, observedGeneration: previous?.observedGeneration ?? 0, counts: previous?.counts ?? { approved: 0, pending: 0, rejected: 0, disconnected: 0 }, lastPassAt: now };
}

function sameIgnoringTime(a: ConnectionsSection, b: ConnectionsSection): boolean {
  const strip = (s: ConnectionsSection) => JSON.stringify({ ...s, lastPassAt: undefined, conditions: s.conditions.map((c) => ({ ...c, lastTransitionTime: undefined })) });
  return strip(a) === strip(b);
}
