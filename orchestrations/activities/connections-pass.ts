import * as df from 'durable-functions';
import pLimit from 'p-limit';
import { listConnections, setConnectionState, type PlsConnection } from '../../azure/private-endpoint/connections';
import { readEndpoint, readNic } from '../../azure/private-endpoint/service';
import { deleteARecord, linkedVirtualNetworks, putARecord, readARecord, zoneRef } from '../../azure/private-dns-record/service';
import { privateLinkServiceId } from '../../azure/private-link-service/spec';
import { parseResourceId } from '../../azure/resource-id';
import { refusalOf } from '../../azure/errors';
import { isRefusal, unreadableProblem } from '../../core/unreadable';
import { connectionsPassSeconds } from '../../core/app-settings';
import { connectionDescription, decideConnections, stateChange, type ConnectionFacts, type PolicyDecision } from '../../core/connection-policy';
import { forwardZoneIds, planRecords, type DnsProblem, type NamedEndpoint, type RecordFacts, type ZoneFacts } from '../../core/dns-plan';
import { connectionsSection } from '../../core/connections-status';
import type { ConnectionRecord } from '../../core/status';
import type { Action, Actor } from '../../store/action-log';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { actionLog, clients, connectionStore, forwardContext, forwardRegistry, step, type StepResult } from './context';

/**
 * One pass of a forward's connections flow, level-triggered: list the connections on its private
 * link service (one call), read the endpoint (VNet, NIC) of every connection that is new, changed,
 * named by the wake-up, or due for its drift check, decide each by policy (core/), approve or
 * reject what the decisions say, then make the private DNS A records match the approved endpoints
 * (core/dns-plan.ts) — records are read only when something that concerns them changed. Every
 * action is appended to the action log as it happens. Nothing comes from the event that woke the
 * pass: `hints` only say which resources to re-read.
 */
const PARALLEL_CALLS = 8;

export interface PassInput {
  name: string;
  actor: Actor;
  /** Resource ids (connections, endpoints, NICs) that changed, lower-cased; re-read them. */
  hints: string[];
  /** The orchestration's clock. */
  now: string;
}

export interface PassSummary {
  connections: number;
  approved: number;
  rejected: number;
  recordsWritten: number;
  recordsRemoved: number;
  /** Whether DNS records were read this pass. */
  dnsChecked: boolean;
}

export async function connectionsPass(input: PassInput): Promise<StepResult<{ summary: PassSummary }>> {
  return step<{ summary: PassSummary }>(async () => {
    const summary: PassSummary = { connections: 0, approved: 0, rejected: 0, recordsWritten: 0, recordsRemoved: 0, dnsChecked: false };
    const ctx = await forwardContext(input.name);
    if (!ctx || ctx.record.deleting) return { outcome: 'ok', summary };
    const { record, placement } = ctx;
    const spec = record.spec;
    const c = clients();
    const store = connectionStore();
    const log: Action[] = [];
    const act = async (action: string, target: string, reason: string) => {
      const a: Action = { time: input.now, actor: input.actor, action, target, reason };
      log.push(a);
      await actionLog().append(input.name, [a]);
    };
    const nowMs = Date.parse(input.now);
    const verifySeconds = connectionsPassSeconds(process.env).verify;
    // ARM calls of one pass run a few at a time (not one by one, not all at once: 25 reads/s).
    const limit = pLimit(PARALLEL_CALLS);
    const hinted = new Set(input.hints.map((h) => h.toLowerCase()));
    const specChanged = record.connections?.observedGeneration !== record.generation;

    // 1. What ARM says now: every connection on the service (one list call).
    const pls = parseResourceId(privateLinkServiceId(input.name, placement))!;
    const listed = (await listConnections(c, pls)).filter((x) => x.name && x.privateEndpointId);
    summary.connections = listed.length;
    const previous = await store.list(input.name);
    const before = new Map(previous.map((r) => [r.name, r]));

    // 2. Endpoint facts (VNet, NIC): re-read only what is new, changed, named by the wake-up (an
    //    endpoint or NIC id; a connection's own state comes from the list) or due for the drift
    //    check. `dirty` collects what may change a record.
    const rows = new Map<string, ConnectionRecord>();
    const dirty = new Set<string>();
    const toRead: PlsConnection[] = [];
    for (const conn of listed) {
      const prev = before.get(conn.name);
      const due = !prev?.verifiedAt || nowMs - Date.parse(prev.verifiedAt) >= verifySeconds * 1000;
      const changed = !prev || prev.privateEndpointId.toLowerCase() !== conn.privateEndpointId.toLowerCase() || prev.state !== conn.state;
      const named = [conn.privateEndpointId, prev?.nicId].some((id) => id && hinted.has(id.toLowerCase()));
      if (prev) rows.set(conn.name, { ...prev, state: conn.state });
      // An endpoint that could not be read is tried again every pass (rights may have been granted
      // since; they take up to 10 minutes to reach ARM), and is dirty only when what is known changes.
      if (changed || named || due || (prev?.problem && isRefusal(prev.problem))) toRead.push(conn);
      if (changed || named || due) dirty.add(conn.name);
    }
    const observed = await Promise.all(toRead.map((conn) => limit(() => observe(conn, before.get(conn.name), input.now, c))));
    for (const r of observed) {
      const prev = before.get(r.name);
      if (prev && (prev.problem !== r.problem || prev.virtualNetworkId !== r.virtualNetworkId || prev.nicId !== r.nicId)) dirty.add(r.name);
      rows.set(r.name, r);
    }

    // 3. Decide by policy and write what the decisions say.
    const facts: ConnectionFacts[] = listed.map((conn) => {
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
    const decisions = decideConnections({ ...spec.consumers, onDisallow: spec.consumers.onDisallow ?? 'keep' }, facts);
    // Connections that vanished between the list and our approve/reject (their endpoint was
    // deleted): gone, like one the next list would not show; the pass carries on without them.
    const vanished = new Set<string>();
    await Promise.all(
      decisions.map((d) =>
        limit(async () => {
          const r = rows.get(d.name)!;
          const change = stateChange(d.decision, r.state);
          if (change) {
            if ((await setConnectionState(c, pls, d.name, change, connectionDescription(change, d.reason))) === 'gone') {
              vanished.add(d.name);
              rows.delete(d.name);
              return;
            }
            await act(change === 'Approved' ? 'approve' : 'reject', d.name, d.reason);
            if (change === 'Approved') summary.approved++;
            else summary.rejected++;
            dirty.add(d.name);
          }
          rows.set(d.name, withDecision(r, d, change ?? r.state));
        }),
      ),
    );

    const present = listed.filter((conn) => !vanished.has(conn.name));
    summary.connections = present.length;

    // 4. DNS records: only when something that concerns them changed (or the drift check is due).
    const gone = previous.filter((p) => !rows.has(p.name));
    const dnsTouched = specChanged || dirty.size > 0 || gone.some((p) => p.dns?.some((v) => v.state === 'written'));
    let dnsProblems: DnsProblem[] = [];
    if (dnsTouched) {
      summary.dnsChecked = true;
      const specZones = new Set((spec.dns ? forwardZoneIds(spec.dns, placement) : []).map((z) => z.toLowerCase()));
      const zoneIds = spec.dns ? forwardZoneIds(spec.dns, placement) : [];
      // Zones that held our records before (a zone dropped from the spec is cleaned up too).
      for (const p of previous) for (const v of p.dns ?? []) if (v.state === 'written' && v.zoneId && !zoneIds.some((z) => z.toLowerCase() === v.zoneId.toLowerCase())) zoneIds.push(v.zoneId);
      const recordName = spec.dns?.recordName ?? previous.flatMap((p) => p.dns ?? []).find((v) => v.state === 'written')?.fqdn.split('.')[0];
      if (recordName) {
        const zones: ZoneFacts[] = [];
        const records = new Map<string, RecordFacts | undefined>();
        for (const zoneId of zoneIds) {
          const z = zoneRef(zoneId);
          const linked = z ? await linkedVirtualNetworks(c, zoneId) : undefined;
          if (!z || !linked) {
            dnsProblems.push({ kind: 'zoneNotFound', message: `zone ${zoneId} was not found` });
            continue;
          }
          const inSpec = specZones.has(zoneId.toLowerCase());
          zones.push({ zoneId, zoneName: z.zoneName, linkedVirtualNetworkIds: inSpec ? linked : [] });
          records.set(zoneId.toLowerCase(), await readARecord(c, zoneId, recordName));
        }
        // The NIC's IP of approved endpoints: read when unknown or when something about it changed.
        const approved = present.map((conn) => rows.get(conn.name)!).filter((r) => r.state === 'Approved' && !!spec.dns);
        await Promise.all(
          approved
            .filter((r) => r.nicId && (!r.ip || dirty.has(r.name)))
            .map((r) =>
              limit(async () => {
                const nic = await readNicOrProblem(c, r.nicId!, r.subscriptionId);
                rows.set(r.name, { ...rows.get(r.name)!, ...(nic.ip ? { ip: nic.ip } : {}), ...(nic.problem ? { problem: nic.problem } : {}) });
              }),
            ),
        );
        const named: NamedEndpoint[] = approved.map((a) => {
          const r = rows.get(a.name)!;
          return { connectionName: r.name, privateEndpointId: r.privateEndpointId, ...(r.virtualNetworkId ? { virtualNetworkId: r.virtualNetworkId } : {}), ...(r.ip ? { ip: r.ip } : {}), ...(r.problem && !r.ip ? { problem: r.problem } : {}) };
        });
        const plan = planRecords(input.name, { recordName, ttl: spec.dns?.ttl ?? 300 }, zones, named, records);
        dnsProblems = [...dnsProblems, ...plan.problems];
        for (const op of plan.ops) {
          if (op.kind === 'put') {
            await putARecord(c, op.zoneId, recordName, { ip: op.ip, ttl: op.ttl, metadata: op.metadata }, { ...(op.ifMatch ? { ifMatch: op.ifMatch } : {}), ...(op.ifNoneMatch ? { ifNoneMatch: op.ifNoneMatch } : {}) });
            await act('dns-write', op.fqdn, op.reason);
            summary.recordsWritten++;
          } else {
            await deleteARecord(c, op.zoneId, recordName, op.ifMatch);
            await act('dns-remove', op.fqdn, op.reason);
            summary.recordsRemoved++;
          }
        }
        const conflictsBefore = new Set(previous.flatMap((p) => (p.dns ?? []).filter((v) => v.state === 'conflict').map((v) => `${p.name}|${v.zoneId}`)));
        for (const [name, r] of rows) {
          const views = r.state === 'Approved' && spec.dns ? (plan.views.get(name) ?? []) : [];
          for (const v of views) if (v.state === 'conflict' && !conflictsBefore.has(`${name}|${v.zoneId}`)) await act('conflict', v.fqdn, v.message ?? 'conflict');
          rows.set(name, { ...r, dns: views });
        }
      }
    } else {
      dnsProblems = previous.flatMap((p) => (p.dns ?? []).flatMap((v): DnsProblem[] => (v.state === 'conflict' || v.state === 'noZone' ? [{ kind: v.state, message: v.message ?? v.state }] : [])));
    }

    // 5. Remember what was seen and show it (rows and section are written only when they differ).
    const next = present.map((conn) => rows.get(conn.name)!);
    await store.replace(input.name, previous, next);
    const section = connectionsSection(record.connections, next, { generation: record.generation, hasDns: !!spec.dns, dnsProblems, now: input.now });
    if (section !== 'unchanged') await forwardRegistry().setConnectionsStatus(input.name, section);
    return { outcome: 'ok', summary };
  }, { activity: DurableNames.connectionsPass, forward: input.name, orchestrationId: forwardNames(input.name).connectionsOrchestrationId });
}

/**
 * Reads the endpoint behind a connection (and keeps what was known when it cannot be read). One
 * that is refused (401 another tenant, 403 no rights) or gone (404) gets a `problem` and is decided
 * on what is known: its subscription from the id the PLS lists, and — for the same endpoint, whose
 * subnet cannot change — the VNet, NIC and IP read before. Other failures fail the pass (retried).
 */
async function observe(conn: PlsConnection, prev: ConnectionRecord | undefined, now: string, c: ReturnType<typeof clients>): Promise<ConnectionRecord> {
  const subscriptionId = parseResourceId(conn.privateEndpointId)?.subscriptionId ?? '';
  let ep: Awaited<ReturnType<typeof readEndpoint>>;
  let problem: string | undefined;
  try {
    ep = await readEndpoint(c, conn.privateEndpointId);
    // A Disconnected connection's endpoint is gone by definition: nothing to report.
    if (!ep && conn.state !== 'Disconnected') problem = unreadableProblem('private endpoint', subscriptionId, 'notFound');
  } catch (err) {
    const refused = refusalOf(err);
    if (!refused) throw err;
    problem = unreadableProblem('private endpoint', subscriptionId, refused);
  }
  const sameEndpoint = prev && prev.privateEndpointId.toLowerCase() === conn.privateEndpointId.toLowerCase();
  const { problem: _old, ...kept } = sameEndpoint ? prev : ({} as Partial<ConnectionRecord>);
  const base: ConnectionRecord = {
    name: conn.name,
    privateEndpointId: conn.privateEndpointId,
    subscriptionId: ep?.subscriptionId ?? subscriptionId,
    state: conn.state,
    decision: sameEndpoint ? prev.decision : 'leave',
    reason: sameEndpoint ? prev.reason : '',
    firstSeen: sameEndpoint ? prev.firstSeen : now,
    verifiedAt: now,
    ...(sameEndpoint && prev.dns ? { dns: prev.dns } : {}),
  };
  if (!ep) {
    // Refused: what was read of this very endpoint still holds. Gone: nothing does.
    const known = problem && isRefusal(problem) ? { ...(kept.virtualNetworkId ? { virtualNetworkId: kept.virtualNetworkId } : {}), ...(kept.nicId ? { nicId: kept.nicId } : {}), ...(kept.ip ? { ip: kept.ip } : {}) } : {};
    return { ...base, ...known, ...(problem ? { problem } : {}) };
  }
  return { ...base, ...(ep.virtualNetworkId ? { virtualNetworkId: ep.virtualNetworkId } : {}), ...(ep.nicId ? { nicId: ep.nicId } : {}), ...(sameEndpoint && prev.ip && prev.nicId === ep.nicId ? { ip: prev.ip } : {}) };
}

/** A NIC's IP, or why it cannot be had (refused or gone): DNS then names nothing for it. */
async function readNicOrProblem(c: ReturnType<typeof clients>, nicId: string, subscriptionId: string): Promise<{ ip?: string; problem?: string }> {
  try {
    const nic = await readNic(c, nicId);
    return nic ? (nic.ip ? { ip: nic.ip } : {}) : { problem: unreadableProblem('NIC', subscriptionId, 'notFound') };
  } catch (err) {
    const refused = refusalOf(err);
    if (!refused) throw err;
    return { problem: unreadableProblem('NIC', subscriptionId, refused) };
  }
}

function withDecision(r: ConnectionRecord, d: PolicyDecision, state: ConnectionRecord['state']): ConnectionRecord {
  const { disallowed: _old, waiting: _was, ...rest } = r;
  return { ...rest, state, decision: d.decision, reason: d.reason, ...(d.disallowed ? { disallowed: true } : {}), ...(d.waiting ? { waiting: true } : {}), ...(state === 'Approved' ? {} : { dns: [] }) };
}

df.app.activity(DurableNames.connectionsPass, { handler: connectionsPass });
