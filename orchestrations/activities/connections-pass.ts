import * as df from 'durable-functions';
import pLimit from 'p-limit';
import { listConnections, setConnectionState } from '../../azure/private-endpoint/connections';
import { readEndpoint, readNic } from '../../azure/private-endpoint/service';
import { deleteARecord, linkedVirtualNetworks, putARecord, readARecord, zoneRef } from '../../azure/private-dns-record/service';
import { privateLinkServiceId } from '../../azure/private-link-service/spec';
import { parseResourceId } from '../../azure/resource-id';
import { refusalOf } from '../../azure/errors';
import { unreadableProblem } from '../../core/unreadable';
import { connectionsPassSeconds } from '../../core/app-settings';
import { connectionDescription, decideConnections, stateChange } from '../../core/connection-policy';
import { dnsNeeded, dnsScope, namedEndpoints, nicsToRead, observedRecord, planReads, policyFacts, recordRelevantChange, storedDnsProblems, withDecision, withRecordViews, type EndpointRead } from '../../core/connections-pass';
import { planRecords, type DnsProblem, type RecordFacts, type ZoneFacts } from '../../core/dns-plan';
import { connectionsSection } from '../../core/connections-status';
import type { ConnectionRecord } from '../../core/status';
import type { Action, Actor } from '../../store/action-log';
import { forwardNames } from '../../core/names';
import { DurableNames } from '../names';
import { actionLog, clients, connectionStore, forwardContext, forwardRegistry, step, type StepResult } from './context';

/**
 * One pass of a forward's connections flow, level-triggered: observe -> decide -> act, the
 * decisions in core/ (core/connections-pass.ts which endpoints to re-read, rows, when DNS is
 * looked at and in which zones; core/connection-policy.ts approve / reject / leave;
 * core/dns-plan.ts which records to write or remove; core/connections-status.ts the section).
 * It lists the connections on the private link service (one call), reads the endpoints planReads
 * names, approves or rejects what the decisions say, then makes the private DNS A records match
 * the approved endpoints — records are read only when something that concerns them changed. Every
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
    const act = async (action: string, target: string, reason: string) => {
      const a: Action = { time: input.now, actor: input.actor, action, target, reason };
      await actionLog().append(input.name, [a]);
    };
    // ARM calls of one pass run a few at a time (not one by one, not all at once: 25 reads/s).
    const limit = pLimit(PARALLEL_CALLS);

    // 1. What ARM says now: every connection on the service (one list call); what was seen before.
    const pls = parseResourceId(privateLinkServiceId(input.name, placement))!;
    const listed = (await listConnections(c, pls)).filter((x) => x.name && x.privateEndpointId);
    summary.connections = listed.length;
    const previous = await store.list(input.name);
    const before = new Map(previous.map((r) => [r.name, r]));

    // 2. Endpoint facts (VNet, NIC) of what planReads names; what changed is dirty.
    const { rows, toRead, dirty } = planReads(listed, previous, input.hints, input.now, connectionsPassSeconds(process.env).verify);
    const observed = await Promise.all(listed.filter((conn) => toRead.includes(conn.name)).map((conn) => limit(async () => observedRecord(conn, before.get(conn.name), await readEndpointOf(c, conn.privateEndpointId), input.now))));
    for (const r of observed) {
      if (recordRelevantChange(before.get(r.name), r)) dirty.add(r.name);
      rows.set(r.name, r);
    }

    // 3. Decide by policy and write what the decisions say. A connection that vanished between the
    //    list and our approve/reject (its endpoint was deleted) is gone, like one the next list
    //    would not show; the pass carries on without it.
    const decisions = decideConnections({ ...spec.consumers, onDisallow: spec.consumers.onDisallow ?? 'keep' }, policyFacts(listed, rows));
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

    // 4. DNS records, only when dnsNeeded says something that concerns them changed.
    const gone = previous.filter((p) => !rows.has(p.name));
    let dnsProblems: DnsProblem[] = storedDnsProblems(previous);
    let finalRows: ReadonlyMap<string, ConnectionRecord> = rows;
    if (dnsNeeded({ specChanged: record.connections?.observedGeneration !== record.generation, dirty, gone })) {
      summary.dnsChecked = true;
      dnsProblems = [];
      const scope = dnsScope(spec.dns, placement, previous);
      if (scope.recordName) {
        const recordName = scope.recordName;
        const zones: ZoneFacts[] = [];
        const records = new Map<string, RecordFacts | undefined>();
        for (const zoneId of scope.zoneIds) {
          const z = zoneRef(zoneId);
          const linked = z ? await linkedVirtualNetworks(c, zoneId) : undefined;
          if (!z || !linked) {
            dnsProblems.push({ kind: 'zoneNotFound', message: `zone ${zoneId} was not found` });
            continue;
          }
          zones.push({ zoneId, zoneName: z.zoneName, linkedVirtualNetworkIds: scope.specZones.has(zoneId.toLowerCase()) ? linked : [] });
          records.set(zoneId.toLowerCase(), await readARecord(c, zoneId, recordName));
        }
        const approvedNow = () => present.map((conn) => rows.get(conn.name)!).filter((r) => r.state === 'Approved' && !!spec.dns);
        await Promise.all(
          nicsToRead(approvedNow(), dirty).map((r) =>
            limit(async () => {
              const nic = await readNicOrProblem(c, r.nicId!, r.subscriptionId);
              // A refused NIC read is retried every pass like a refused endpoint read (planReads).
              rows.set(r.name, { ...rows.get(r.name)!, ...(nic.ip ? { ip: nic.ip } : {}), ...(nic.problem ? { problem: nic.problem } : {}), ...(nic.refused ? { refused: true } : {}) });
            }),
          ),
        );
        const plan = planRecords(input.name, { recordName, ttl: spec.dns?.ttl ?? 300 }, zones, namedEndpoints(approvedNow()), records);
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
        const viewed = withRecordViews(rows, plan, !!spec.dns, previous);
        for (const x of viewed.newConflicts) await act('conflict', x.fqdn, x.message);
        finalRows = viewed.rows;
      }
    }

    // 5. Remember what was seen and show it (rows and section are written only when they differ).
    const next = present.map((conn) => finalRows.get(conn.name)!);
    await store.replace(input.name, previous, next);
    const section = connectionsSection(record.connections, next, { generation: record.generation, hasDns: !!spec.dns, dnsProblems, now: input.now });
    if (section !== 'unchanged') await forwardRegistry().setConnectionsStatus(input.name, section);
    return { outcome: 'ok', summary };
  }, { activity: DurableNames.connectionsPass, forward: input.name, orchestrationId: forwardNames(input.name).connectionsOrchestrationId });
}

/** Reads a connection's endpoint: its facts, 404, or a refusal (401 / 403); other failures fail the pass (retried). */
async function readEndpointOf(c: ReturnType<typeof clients>, endpointId: string): Promise<EndpointRead> {
  try {
    const ep = await readEndpoint(c, endpointId);
    return ep ? { found: ep } : { notFound: true };
  } catch (err) {
    const refused = refusalOf(err);
    if (!refused) throw err;
    return { refused };
  }
}

/** A NIC's IP, or why it cannot be had (refused or gone): DNS then names nothing for it. */
async function readNicOrProblem(c: ReturnType<typeof clients>, nicId: string, subscriptionId: string): Promise<{ ip?: string; problem?: string; refused?: boolean }> {
  try {
    const nic = await readNic(c, nicId);
    return nic ? (nic.ip ? { ip: nic.ip } : {}) : { problem: unreadableProblem('NIC', subscriptionId, 'notFound') };
  } catch (err) {
    const refused = refusalOf(err);
    if (!refused) throw err;
    return { problem: unreadableProblem('NIC', subscriptionId, refused), refused: true };
  }
}

df.app.activity(DurableNames.connectionsPass, { handler: connectionsPass });
