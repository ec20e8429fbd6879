import { randomUUID } from 'node:crypto';
import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { probeSettings } from '../../core/app-settings';
import type { Condition } from '../../core/status';
import {
  afterRun,
  probeContainers,
  probeGroupName,
  probeGroupPlacement,
  probeInstanceIdOfKey,
  probeKey,
  probeTarget,
  probesSection,
  parsePortLog,
  containerExit,
  type PortResult,
  type ProbeRunResult,
  type ProbeState,
  type ProbesSection,
} from '../../core/probes';
import type { ForwardSpec } from '../../core/forward-spec';
import { createProbeGroup, deleteProbeGroup, listProbeGroups, PROBE_DELEGATION, probeLogs, pullFailure, readProbeGroup, type GroupRef } from '../../azure/container-group/service';
import { groupVerdict } from '../../core/probe-tick';
import { classify } from '../../azure/errors';
import { readOperation } from '../../azure/operation-status';
import { subnetFacts } from '../../azure/subnet/service';
import { ProbeHistory, ProbeStateStore } from '../../store/probe-history';
import { DurableNames } from '../names';
import { clients, connectionStore, forwardRegistry, step, type StepResult } from './context';
import { logEvent } from '../kit/structured-log';

/**
 * The probe run's activities (orchestrations/probe-run.ts drives them): start (state row,
 * `running` history row, subnet delegation check, target, create the group with the VNet's custom
 * DNS servers as dnsConfig), observe (state and exit codes; an image pull failure from the
 * containers' events ends the run at once; logs parsed once every container has terminated),
 * delete the group, finish (history,
 * failure count, the `probes` section, a structured log line when `Reachable` changes).
 */

/** This host process: a run observed by another process than the one that started it was interrupted. */
export const BOOT_ID = randomUUID();

export type ProbeSpec = ForwardSpec['probes'][number];

export interface ProbeRunInput {
  forward: string;
  probe: ProbeSpec;
  runId: string;
  actor: 'schedule' | 'api';
  pollMs: number;
  deadlineSeconds: number;
}

export interface StartOutput {
  bootId: string;
  startedAt: string;
  group?: GroupRef;
  ports?: number[];
  host?: string;
  /** The run ended before any container (not delegated, no target, creation refused). */
  final?: ProbeRunResult;
  /** The group creation's operation status URL, handed back to probeObserve. */
  operation?: string;
}

let history: ProbeHistory | undefined;
let states: ProbeStateStore | undefined;
export const probeHistory = () => (history ??= ProbeHistory.fromEnv(process.env));
export const probeStates = () => (states ??= ProbeStateStore.fromEnv(process.env));

/** The probe's state row; a probe seen for the first time counts as added now. */
export async function stateOf(forward: string, subnetId: string, now: string): Promise<ProbeState> {
  const key = probeKey(subnetId);
  return (await probeStates().get(forward, key)) ?? { subnetId, probeKey: key, addedAt: now, consecutiveFailures: 0 };
}

export async function probeStart(input: { run: ProbeRunInput; now: string }): Promise<StepResult<StartOutput>> {
  const { run, now } = input;
  const base = { runId: run.runId, forward: run.forward, subnetId: run.probe.subnetId, probeKey: probeKey(run.probe.subnetId), actor: run.actor, startedAt: now };
  const end = (code: string, detail: string, outcome: ProbeRunResult['outcome'] = 'infrastructure', host?: string): StepResult<StartOutput> => ({
    outcome: 'ok',
    bootId: BOOT_ID,
    startedAt: now,
    final: { ...base, finishedAt: now, outcome, ports: [], code, detail, ...(host ? { host } : {}) },
  });
  return step<StartOutput>(async () => {
    const record = await forwardRegistry().get(run.forward);
    if (!record || record.deleting) return end('ForwardGone', 'the forward no longer exists');
    // The schedule counts from this start (manual runs included), before anything can fail.
    await probeStates().put(run.forward, { ...(await stateOf(run.forward, run.probe.subnetId, now)), lastRunAt: now, running: { runId: run.runId, startedAt: now } });
    await probeHistory().put({ ...base, outcome: 'running', ports: [] });
    const placement = probeGroupPlacement(run.probe.subnetId, run.probe.resourceGroup);
    if (!placement) return end('SubnetNotFound', `${run.probe.subnetId} is not a subnet id`);
    let facts;
    try {
      facts = await subnetFacts(clients(), run.probe.subnetId);
    } catch (err) {
      const c = classify(err);
      return end(c.code, `reading the probe subnet's VNet failed: ${c.message}`);
    }
    if (!facts) return end('SubnetNotFound', `the probe subnet ${run.probe.subnetId} does not exist`);
    if (!facts.delegations.some((d) => d.toLowerCase() === PROBE_DELEGATION.toLowerCase())) {
      return end('SubnetNotDelegated', `the probe subnet ${run.probe.subnetId} is not delegated to ${PROBE_DELEGATION}; delegate it (az network vnet subnet update --delegations ${PROBE_DELEGATION}) or name another subnet`);
    }
    const target = probeTarget({ ...(record.spec.dns ? { dns: record.spec.dns } : {}), endpoints: await connectionStore().list(run.forward), vnetId: facts.vnetId });
    if (!target.ok) return end(target.reason, target.message);
    const settings = probeSettings(process.env);
    const containers = probeContainers(target.host, record.spec.ports.map((p) => p.port), settings.connectTimeout);
    const group: GroupRef = { ...placement, name: probeGroupName(run.forward, run.runId) };
    let operation: string | undefined;
    try {
      operation = await createProbeGroup(clients(), {
        ...group,
        location: facts.location,
        subnetId: run.probe.subnetId,
        image: settings.image,
        forward: run.forward,
        runId: run.runId,
        probeKey: base.probeKey,
        containers,
        ...(settings.pullIdentityId ? { pullIdentityId: settings.pullIdentityId } : {}),
        // The group resolves names as the probe VNet's own clients do (it does not inherit them).
        ...(facts.dnsServers.length ? { dnsServers: facts.dnsServers } : {}),
      });
    } catch (err) {
      // Quota, conflicts, throttling: the run ends as infrastructure with the ARM code; the next
      // schedule tries again (no retry loop here).
      const c = classify(err);
      return { ...end(c.code, `creating the probe container group failed: ${c.message}`, 'infrastructure', target.host), group };
    }
    return { outcome: 'ok', bootId: BOOT_ID, startedAt: now, group, ports: containers.map((c) => c.port), host: target.host, ...(operation ? { operation } : {}) };
  });
}

export interface ObserveOutput {
  state: 'running' | 'terminated' | 'interrupted' | 'gone';
  ports?: PortResult[];
  /** With an infrastructure failure seen before any container ran (e.g. ImagePullFailed). */
  code?: string;
  detail?: string;
}

/** One GET of the group; once every container has terminated, one log read per container. */
export async function probeObserve(input: { group: GroupRef; bootId: string; ports: number[]; operation?: string }): Promise<StepResult<ObserveOutput>> {
  if (input.bootId !== BOOT_ID) return { outcome: 'ok', state: 'interrupted' };
  return step<ObserveOutput>(async () => {
    // A deployment that failed (image pull, placement) ends the run as infrastructure with ARM's
    // code and message, which only the creation's operation names.
    const op = input.operation ? await readOperation(clients(), input.operation) : undefined;
    if (op?.status === 'Failed') return { outcome: 'terminal', code: op.code, message: `the container group failed to deploy: ${op.message}` };
    const facts = await readProbeGroup(clients(), input.group);
    if (!facts) return { outcome: 'ok', state: 'gone' };
    const byName = new Map(facts.containers.map((c) => [c.name, c]));
    // A container the platform restarted (ACI restarts a non-zero exit even with restartPolicy
    // Never) has terminated too: its previous state holds the exit (core/probes.ts containerExit).
    const exits = new Map(input.ports.map((p) => [p, containerExit(byName.get(`p${p}`))]));
    const terminated = input.ports.every((p) => exits.get(p) !== undefined);
    // An image ACI cannot pull: it retries (Pulling / Failed / BackOff events) long after our
    // deadline before it fails the deployment. The first `Failed to pull image` event ends the run
    // as infrastructure now; the orchestration then deletes the group.
    const pull = terminated ? undefined : facts.containers.map((c) => pullFailure(c.events)).find((m) => m !== undefined);
    if (pull !== undefined) {
      const detail = `the probe image could not be pulled: ${pull}`.slice(0, 200);
      return { outcome: 'ok', state: 'terminated', code: 'ImagePullFailed', detail, ports: input.ports.map((port) => ({ port, ok: false, stage: 'infrastructure', detail })) };
    }
    // A group that failed to deploy (image pull, placement) never runs its command: that is an
    // infrastructure failure now, not a deadline later. (Success says nothing about the verdict.)
    if (!terminated && facts.provisioningState === 'Failed') {
      return { outcome: 'ok', state: 'terminated', ports: input.ports.map((port) => ({ port, ok: false, stage: 'infrastructure', detail: 'the container group failed to deploy (provisioningState Failed)' })) };
    }
    if (!terminated) return { outcome: 'ok', state: 'running' };
    const ports: PortResult[] = [];
    for (const p of input.ports) {
      ports.push(parsePortLog(p, exits.get(p)?.exitCode, await probeLogs(clients(), input.group, `p${p}`)));
    }
    return { outcome: 'ok', state: 'terminated', ports };
  });
}

export async function probeDeleteGroup(input: { group: GroupRef }): Promise<StepResult<{ deleted: 'deleted' | 'absent' }>> {
  return step(async () => ({ outcome: 'ok', deleted: await deleteProbeGroup(clients(), input.group) }));
}

/** Records a finished run: history row, the probe's state, the section, a log line when Reachable changes. */
export async function probeFinish(input: { result: ProbeRunResult; now: string }, context?: InvocationContext): Promise<void> {
  await recordRun(input.result, input.now, (line) => context?.log(line));
}

export async function recordRun(result: ProbeRunResult, now: string, log: (line: string) => void): Promise<void> {
  const settings = probeSettings(process.env);
  const record = await forwardRegistry().get(result.forward);
  // A forward removed meanwhile keeps no history (its rows went with it).
  if (!record) return;
  const prev = await stateOf(result.forward, result.subnetId, result.startedAt);
  await probeStates().put(result.forward, afterRun({ ...prev, lastRunAt: prev.lastRunAt ?? result.startedAt }, result));
  await writeSection(result.forward, now, log, { runId: result.runId, subnetId: result.subnetId });
  // The history row last: once a run reads as finished, the status already shows it.
  await probeHistory().put(result);
  await probeHistory().prune(result.forward, settings.historyMax, settings.historyDays * 86_400_000, Date.parse(now));
}

/**
 * Writes the forward's `probes` section from its probes' state rows (only the probes its spec
 * lists; none = an empty section, no Reachable), logging a structured event when Reachable changes.
 */
export async function writeSection(name: string, now: string, log: (line: string) => void, run?: { runId: string; subnetId: string }): Promise<void> {
  const threshold = probeSettings(process.env).threshold;
  let change: { before?: Condition; after?: Condition } = {};
  await forwardRegistry().updateProbesStatus(name, async (record) => {
    // The state rows after the entity: a writer that read them before another's change fails its etag and reads again.
    const states = await probeStates().list(name);
    const current = record.spec.probes.map((p) => ({ ...(states.find((s) => s.probeKey === probeKey(p.subnetId)) ?? { subnetId: p.subnetId, probeKey: probeKey(p.subnetId), addedAt: now, consecutiveFailures: 0 }), every: p.every }));
    const prev = (record.probes?.conditions ?? []).filter((c) => c.type !== 'Reachable' || current.length);
    const section: ProbesSection = current.length ? probesSection(prev, current, threshold, now, record.generation) : { conditions: prev, probes: [] };
    change = { before: record.probes?.conditions.find((c) => c.type === 'Reachable'), after: section.conditions.find((c) => c.type === 'Reachable') };
    return section;
  });
  const { before, after } = change;
  if (before?.status !== after?.status || before?.reason !== after?.reason) {
    logEvent({ event: 'plf.probe.reachableChanged', forward: name, status: after?.status ?? null, previousStatus: before?.status ?? null, reason: after?.reason ?? 'NoProbes', message: after?.message ?? 'the forward has no probes', ...(run ?? {}) }, { line: log });
  }
}

/**
 * The leftover-group sweep's ARM side, for the probes timer (functions/probes-timer.ts): lists our
 * probe groups in each resource group (one call each, azure/container-group/service.ts), deletes
 * those core/probe-tick.ts groupVerdict gives up (run not live, or too old), and records a run
 * still marked `running` as interrupted. A list or delete that fails is logged and skipped: the
 * next sweep tries again.
 */
export async function cleanupProbeGroups(placements: readonly { subscriptionId: string; resourceGroup: string }[], isLive: (instanceId: string) => Promise<boolean>, now: string, log: { log: (line: string) => void; warn: (line: string) => void }): Promise<void> {
  const maxAge = probeSettings(process.env).groupMaxAge;
  const c = clients();
  for (const p of placements) {
    let groups;
    try {
      groups = await listProbeGroups(c, p.subscriptionId, p.resourceGroup);
    } catch (err) {
      log.warn(`probes sweep: listing container groups of ${p.subscriptionId}/${p.resourceGroup} failed: ${(err as Error).message}`);
      continue;
    }
    for (const g of groups) {
      const run = await probeHistory().get(g.forward, g.runId);
      const live = run?.outcome === 'running' && (await isLive(probeInstanceIdOfKey(g.forward, g.probeKey ?? probeKey(run.subnetId))));
      const verdict = groupVerdict(run, live, now, maxAge);
      if (!verdict.delete) continue;
      await deleteProbeGroup(c, g).catch((err: unknown) => log.warn(`probes sweep: deleting ${g.id} failed: ${(err as Error).message}`));
      log.log(`probes sweep: deleted leftover probe group ${g.id} (run ${g.runId}${run ? `, ${run.outcome}` : ', no run recorded'})`);
      if (run && verdict.interrupt) await recordRun({ ...run, outcome: 'interrupted', finishedAt: now, ports: [], detail: 'the run was still open when its group was swept' }, now, log.log);
    }
  }
}

df.app.activity(DurableNames.probeStart, { handler: probeStart });
df.app.activity(DurableNames.probeObserve, { handler: probeObserve });
df.app.activity(DurableNames.probeDeleteGroup, { handler: probeDeleteGroup });
df.app.activity(DurableNames.probeFinish, { handler: probeFinish });
