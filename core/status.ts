import { ConditionTypes, NOT_YET_REASONS, Reasons, TRUE_IS_BAD } from './conditions';
import type { ConnectionState } from './connection-policy';
import type { ProbesSection } from './probes';
import type { Condition, ConnectionView, ForwardStatus, NodeStatus, Phase } from './responses/status';

/**
 * A forward's status, shown by GET /api/forwards/{name}: a phase, conditions with a reason and a
 * message (each with the time it last changed), the Azure resources and what consumers need.
 * The shapes the API shows (Phase, Condition, NodeStatus, ConnectionView, ForwardStatus) are
 * inferred from their schemas (core/responses/status.ts), which the OpenAPI document is generated
 * from; what is only stored (the flows' sections) is typed here.
 */
export type { Phase, Condition, NodeStatus, ConnectionView, ForwardStatus };

/** A condition as its writer gives it: setCondition() stamps the transition time. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/** What the health watch keeps per node (its own section). */
export interface NodeHealthRecord {
  instanceId: string;
  ip?: string;
  health: 'healthy' | 'unhealthy' | 'unknown';
  lastSample?: string;
  /** When the watch first saw the node (the grace period of a new or replaced node runs from it). */
  firstSeenAt: string;
}

/** The health watch's section (written only by the health sweep). */
export interface HealthSection {
  conditions: Condition[];
  nodes: NodeHealthRecord[];
  /** A node whose recycling is suspended, until the spec generation changes. */
  suspended?: { instanceId: string; generation: number; since: string };
  lastSweepAt?: string;
  /** The last sweep could not read this forward's metrics (and so decided nothing). */
  skipped?: { at: string; reason: string };
}

/** One recycle step of a node. */
export interface RecycleRecord {
  instanceId: string;
  action: 'reimage' | 'replace' | 'verify';
  time: string;
  result: string;
}

/** The recycle orchestration's section (written only by `recycle:{forward}`). */
export interface RecycleSection {
  /** The recycle running now (absent when none). */
  running?: { instanceId: string; action: string; since: string };
  /** Recent recycle steps, oldest first (bounded). */
  history: RecycleRecord[];
}

/**
 * What the connections flow keeps per connection (the store's rows): the view plus what it needs
 * to decide without re-reading ARM — when it first saw the connection (oldest first under
 * maxConnections), the endpoint's NIC and IP, and when it last re-read them.
 */
export interface ConnectionRecord extends ConnectionView {
  firstSeen: string;
  nicId?: string;
  ip?: string;
  /** When the endpoint, NIC and records were last read from ARM (drift check). */
  verifiedAt?: string;
  /** Approved and no longer allowed, kept (core/connection-policy.ts PolicyDecision). */
  disallowed?: boolean;
  /** Pending and allowed, waiting for room under maxConnections (core/connection-policy.ts PolicyDecision). */
  waiting?: boolean;
  /** The last read of the endpoint or its NIC was refused (401 / 403): `problem` says why; the endpoint is read again every pass (core/connections-pass.ts planReads). */
  refused?: boolean;
}

/** The connections flow's own part of a forward's status (written only by that flow). */
export interface ConnectionsSection {
  conditions: Condition[];
  /** The spec generation the last pass decided with. */
  observedGeneration: number;
  counts: { approved: number; pending: number; rejected: number; disconnected: number };
  lastPassAt?: string;
}

export function emptyStatus(): ForwardStatus {
  return { phase: 'Provisioning', observedGeneration: 0, conditions: [], resources: {}, nodes: [] };
}

/** Sets a condition; its transition time changes only when its status does. */
export function setCondition(conditions: readonly Condition[], next: ConditionInput, now: string): Condition[] {
  const existing = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = existing && existing.status === next.status ? existing.lastTransitionTime : now;
  const updated: Condition = { ...next, lastTransitionTime };
  return existing ? conditions.map((c) => (c.type === next.type ? updated : c)) : [...conditions, updated];
}

/** The view of a stored connection (what the API shows; internal bookkeeping stays out). */
export function connectionView(r: ConnectionRecord): ConnectionView {
  return {
    name: r.name,
    privateEndpointId: r.privateEndpointId,
    subscriptionId: r.subscriptionId,
    ...(r.virtualNetworkId ? { virtualNetworkId: r.virtualNetworkId } : {}),
    state: r.state,
    decision: r.decision,
    reason: r.reason,
    ...(r.dns?.length ? { dns: r.dns } : {}),
    ...(r.problem ? { problem: r.problem } : {}),
  };
}

/**
 * The status GET shows: the reconcile loop's part, the connections flow's conditions after its
 * own, and the connections. Each flow writes only its own part, so neither overwrites the other.
 */
export function assembleStatus(
  reconcile: ForwardStatus,
  connections: ConnectionsSection | undefined,
  rows: readonly ConnectionRecord[],
  health?: { section?: HealthSection; recycle?: RecycleSection },
  deleting = false,
): ForwardStatus {
  // The health section owns NodesHealthy, TargetsReachable, RecycleSuspended, NatPortsAvailable:
  // its conditions win over any the reconcile section still carries.
  const later = [...(connections?.conditions ?? []), ...(health?.section?.conditions ?? [])];
  const own = reconcile.conditions.filter((c) => !later.some((x) => x.type === c.type));
  const conditions = [...own, ...(connections?.conditions ?? []).filter((c) => !health?.section?.conditions.some((x) => x.type === c.type)), ...(health?.section?.conditions ?? [])];
  const nodes = health?.section || health?.recycle ? mergeNodeHealth(reconcile.nodes, health.section, health.recycle) : reconcile.nodes;
  return { ...reconcile, phase: shownPhase(reconcile.phase, conditions, deleting), conditions, nodes, ...(connections || rows.length ? { connections: rows.map(connectionView) } : {}) };
}

export { NOT_YET_REASONS, TRUE_IS_BAD };

/**
 * Whether a condition asks for attention: False (or Unknown) for most, True for TRUE_IS_BAD ones;
 * an Unknown that only says "not yet" (a probe before its first run) does not.
 */
export function needsAttention(c: { type: string; status: Condition['status']; reason?: string }): boolean {
  if (c.status === 'Unknown' && c.reason !== undefined && NOT_YET_REASONS.has(c.reason)) return false;
  return TRUE_IS_BAD.has(c.type) ? c.status === 'True' : c.status !== 'True';
}

/**
 * The phase a converged reconcile pass records: Ready, or Degraded while a node is not healthy by
 * its instance view (the health watch's NodesHealthy may not have judged it yet, e.g. a node just
 * created).
 */
export function reconciledPhase(nodes: readonly NodeStatus[]): Phase {
  return nodes.some((n) => n.health !== 'healthy') ? 'Degraded' : 'Ready';
}

/** The Ready condition of a converged pass; when the phase is Degraded its message says which nodes and why. */
export function reconciledCondition(generation: number, nodes: readonly NodeStatus[]): ConditionInput {
  const unhealthy = nodes.filter((n) => n.health !== 'healthy');
  const why = unhealthy.length ? `; ${unhealthy.length} of ${nodes.length} node(s) not healthy by their instance view (${unhealthy.map((n) => `${n.instanceId}: ${n.health}`).join(', ')})` : '';
  return { type: ConditionTypes.Ready, status: 'True', reason: Reasons.Ready.Reconciled, message: `generation ${generation} is provisioned${why}`, observedGeneration: generation };
}

/**
 * The phase shown: Deleting from the moment a DELETE is accepted (the reconcile loop may not have
 * started the teardown yet); else the reconcile loop's, where Ready turns Degraded while the health
 * watch, which owns node health, sees nodes or targets fail.
 */
export function shownPhase(phase: Phase, conditions: readonly Condition[], deleting = false): Phase {
  if (deleting) return 'Deleting';
  const failing = conditions.some((c) => (c.type === ConditionTypes.NodesHealthy || c.type === ConditionTypes.TargetsReachable) && c.status === 'False');
  return phase === 'Ready' && failing ? 'Degraded' : phase;
}

/**
 * Per-node health, last sample and recycle history merged into the reconcile's nodes by instance
 * id. Nodes the health watch saw that the reconcile has not listed yet (a replacement) are added;
 * nodes a recycle replaced are left out (the reconcile's list is only as fresh as its last pass).
 */
export function mergeNodeHealth(nodes: readonly NodeStatus[], section: HealthSection | undefined, recycle: RecycleSection | undefined): NodeStatus[] {
  const replaced = new Set((recycle?.history ?? []).filter((r) => r.action === 'replace').map((r) => r.instanceId));
  const ids = [...nodes.map((n) => n.instanceId), ...(section?.nodes ?? []).map((n) => n.instanceId)].filter((id, i, all) => all.indexOf(id) === i && !replaced.has(id));
  return ids.map((id) => {
    const n = nodes.find((x) => x.instanceId === id);
    const h = section?.nodes.find((x) => x.instanceId === id);
    const recycles = (recycle?.history ?? []).filter((r) => r.instanceId === id).map(({ action, time, result }) => ({ action, time, result }));
    return {
      instanceId: id,
      ...((n?.ip ?? h?.ip) ? { ip: (n?.ip ?? h?.ip)! } : {}),
      health: h?.health ?? n?.health ?? 'unknown',
      ...(n?.latestModelApplied !== undefined ? { latestModelApplied: n.latestModelApplied } : {}),
      ...(h?.lastSample ? { lastSample: h.lastSample } : {}),
      ...(recycles.length ? { recycles } : {}),
    };
  });
}

/** Counts of connections by state. */
export function countConnections(rows: readonly { state: ConnectionState }[]): ConnectionsSection['counts'] {
  const n = (s: ConnectionState) => rows.filter((r) => r.state === s).length;
  return { approved: n('Approved'), pending: n('Pending'), rejected: n('Rejected'), disconnected: n('Disconnected') };
}

/**
 * Adds the probes' section to an assembled status: its conditions (`Reachable`) after the others
 * (replacing any of the same type) and each probe's last result. Kept apart from assembleStatus so
 * each section's assembly stays its own.
 */
export function withProbes(status: ForwardStatus, probes: ProbesSection | undefined): ForwardStatus {
  if (!probes) return status;
  const others = status.conditions.filter((c) => !probes.conditions.some((x) => x.type === c.type));
  return { ...status, conditions: [...others, ...probes.conditions], probes: probes.probes };
}
