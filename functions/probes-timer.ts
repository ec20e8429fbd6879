import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { probeSettings } from '../core/app-settings';
import { isDue, nextRunAt, probeGroupPlacement, probeInstanceId, probeKey } from '../core/probes';
import { azureClients } from '../azure/client-factory';
import { deleteProbeGroup, listProbeGroups } from '../azure/container-group/service';
import { isRunning } from '../orchestrations/kit/singleton-client';
import { probeHistory, probeStates, recordRun, writeSection } from '../orchestrations/activities/probes';
import { probeRunInput, startProbeRun } from '../orchestrations/probes-client';
import { ForwardRegistry } from '../store/forward-registry';
import { FunctionNames } from './names';

/**
 * The one probes timer (PLF_PROBES_SCHEDULE, default every minute) for all forwards:
 * 1. per probe (its state row): a probe seen for the first time is recorded as added (and shown in
 *    the forward's status with its first nextRunAt); a run marked
 *    in progress whose orchestration is gone (host lost, instance purged) is recorded
 *    `interrupted`; a due probe (one `every` after its last run or its addition) is started, or
 *    skipped while its last run still goes (not stacked);
 * 2. cleanup sweep, every PLF_PROBE_SWEEP_SECONDS (and at once after an interrupted run): lists our
 *    probe groups (one list per resource group holding probe groups) and deletes those whose run is
 *    not live, or older than PLF_PROBE_GROUP_MAX_AGE_SECONDS whatever their run says.
 * An idle tick between sweeps reads tables only: no ARM request.
 */
let lastSweepAt = Date.now();

export async function probesTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const client = df.getClient(context);
  const settings = probeSettings(process.env);
  const now = new Date().toISOString();
  const records = (await ForwardRegistry.fromEnv(process.env).list()).filter((r) => !r.deleting && (r.spec.probes.length || r.probes));
  let started = 0;
  let interrupted = 0;
  for (const r of records) {
    let states = await probeStates().list(r.name);
    // Probes removed from the spec: their rows go (unless a run still goes), and the section no
    // longer shows them (nor a Reachable they decided).
    const keys = new Set(r.spec.probes.map((p) => probeKey(p.subnetId)));
    const gone = states.filter((st) => !keys.has(st.probeKey) && !st.running);
    for (const st of gone) await probeStates().remove(r.name, st.probeKey);
    if (gone.length) states = states.filter((st) => !gone.includes(st));
    const added = r.spec.probes.filter((p) => !states.some((s) => s.probeKey === probeKey(p.subnetId)));
    for (const probe of added) {
      const st = { subnetId: probe.subnetId, probeKey: probeKey(probe.subnetId), addedAt: now, consecutiveFailures: 0 };
      await probeStates().put(r.name, st);
      states = [...states, st];
    }
    // The section shows every probe of the spec with its next run (a new probe, a changed
    // `every`), and no removed one: rewritten when what it shows is not that.
    const shown = (r.probes?.probes ?? []).map((p) => `${probeKey(p.subnetId)} ${p.nextRunAt ?? ''}`);
    const wanted = r.spec.probes.map((p) => `${probeKey(p.subnetId)} ${nextRunAt(p.every, states.find((s) => s.probeKey === probeKey(p.subnetId))!) ?? ''}`);
    if (shown.join('\n') !== wanted.join('\n') || (!keys.size && r.probes?.conditions.length)) await writeSection(r.name, now, (line) => context.log(line));
    for (const probe of r.spec.probes) {
      const key = probeKey(probe.subnetId);
      const st = states.find((s) => s.probeKey === key);
      if (!st || added.includes(probe)) continue; // added just now: due one `every` from now
      const live = await isRunning(client, probeInstanceId(r.name, probe.subnetId));
      if (st.running && !live) {
        const run = await probeHistory().get(r.name, st.running.runId);
        if (run?.outcome === 'running') {
          await recordRun({ ...run, outcome: 'interrupted', finishedAt: now, ports: [], detail: 'the run stopped before its result was read (host lost or orchestration gone)' }, now, (line) => context.log(line));
          interrupted++;
          continue;
        }
      }
      if (!isDue(probe.every, st, now, false)) continue;
      if (live) context.log(`probes: ${r.name} ${probe.subnetId} is due but its last run still runs; skipped`);
      else if ((await startProbeRun(client, probeRunInput(r.name, probe, 'schedule'))) === 'started') started++;
    }
  }
  if (started || interrupted) context.log(`probes: started ${started} run(s), closed ${interrupted} interrupted run(s)`);
  if (!interrupted && Date.now() - lastSweepAt < settings.sweepEvery * 1000) return;
  lastSweepAt = Date.now();

  // Where probe groups are created (core/probes.ts probeGroupPlacement): one list per resource group.
  const placements = new Map<string, { subscriptionId: string; resourceGroup: string }>();
  for (const p of records.flatMap((r) => r.spec.probes.map((probe) => probeGroupPlacement(probe.subnetId, probe.resourceGroup)))) {
    if (p) placements.set(`${p.subscriptionId}/${p.resourceGroup}`.toLowerCase(), p);
  }
  const clients = azureClients(process.env);
  for (const [where, p] of placements) {
    let groups;
    try {
      groups = await listProbeGroups(clients, p.subscriptionId, p.resourceGroup);
    } catch (err) {
      context.warn(`probes sweep: listing container groups of ${where} failed: ${(err as Error).message}`);
      continue;
    }
    for (const g of groups) {
      const run = await probeHistory().get(g.forward, g.runId);
      const live = run?.outcome === 'running' && (await isRunning(client, `probe:${g.forward}:${g.probeKey ?? probeKey(run.subnetId)}`));
      const old = !run || Date.parse(now) - Date.parse(run.startedAt) > settings.groupMaxAge * 1000;
      if (live && !old) continue;
      await deleteProbeGroup(clients, g).catch((err: unknown) => context.warn(`probes sweep: deleting ${g.id} failed: ${(err as Error).message}`));
      context.log(`probes sweep: deleted leftover probe group ${g.id} (run ${g.runId}${run ? `, ${run.outcome}` : ', no run recorded'})`);
      if (run?.outcome === 'running') await recordRun({ ...run, outcome: 'interrupted', finishedAt: now, ports: [], detail: 'the run was still open when its group was swept' }, now, (line) => context.log(line));
    }
  }
}

app.timer(FunctionNames.probesTimer, { schedule: probeSettings(process.env).schedule, extraInputs: [df.input.durableClient()], handler: probesTimer });
