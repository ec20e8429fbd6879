import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { probeSettings } from '../core/app-settings';
import { isDue, probeInstanceId, probeKey, type ProbeRunResult } from '../core/probes';
import { azureClients } from '../azure/client-factory';
import { deleteProbeGroup, listProbeGroups } from '../azure/container-group/service';
import { subscriptionOf } from '../azure/resource-id';
import { isRunning } from '../orchestrations/kit/singleton-client';
import { probeHistory, probeStates, recordRun } from '../orchestrations/activities/probes';
import { probeRunInput, startProbeRun } from '../orchestrations/probes-client';
import { ForwardRegistry } from '../store/forward-registry';
import { FunctionNames } from './names';

/**
 * The one probes timer (PLF_PROBES_SCHEDULE, default every minute) for all forwards:
 * 1. starts each probe that is due (one `every` after its last run, or after it was first seen),
 *    skipping a probe whose run is still going (not stacked);
 * 2. closes runs whose host died: a `running` history row with no live orchestration is recorded
 *    as `interrupted`;
 * 3. cleanup sweep: lists our probe groups (one list per probe subscription) and deletes those
 *    whose run is not live, or older than PLF_PROBE_GROUP_MAX_AGE_SECONDS whatever their run says.
 * An idle tick costs table reads and one ARM list call per subscription holding probe subnets.
 */
export async function probesTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const client = df.getClient(context);
  const settings = probeSettings(process.env);
  const now = new Date().toISOString();
  const records = (await ForwardRegistry.fromEnv(process.env).list()).filter((r) => !r.deleting && r.spec.probes.length);
  let started = 0;
  for (const r of records) {
    const states = await probeStates().list(r.name);
    for (const probe of r.spec.probes) {
      const key = probeKey(probe.subnetId);
      const st = states.find((s) => s.probeKey === key);
      if (!st) {
        await probeStates().put(r.name, { subnetId: probe.subnetId, probeKey: key, addedAt: now, consecutiveFailures: 0 });
        continue;
      }
      if (!isDue(probe.every, st, now, false)) continue;
      if ((await startProbeRun(client, probeRunInput(r.name, probe, 'schedule'))) === 'started') started++;
      else context.log(`probes: ${r.name} ${probe.subnetId} is due but its last run still runs; skipped`);
    }
  }
  if (started) context.log(`probes: started ${started} run(s)`);

  // Runs whose host died before they finished (their orchestration is gone or done).
  for (const run of await probeHistory().running()) {
    if (await isRunning(client, probeInstanceId(run.forward, run.subnetId))) continue;
    const closed: ProbeRunResult = { ...run, outcome: 'interrupted', finishedAt: now, ports: [], detail: 'the run stopped before its result was read (host restart or orchestration lost)' };
    await recordRun(closed, now, (line) => context.log(line));
  }

  // Leftover groups.
  const subscriptions = [...new Set(records.flatMap((r) => r.spec.probes.map((p) => subscriptionOf(p.subnetId)?.toLowerCase()).filter((s): s is string => !!s)))];
  const clients = azureClients(process.env);
  for (const sub of subscriptions) {
    let groups;
    try {
      groups = await listProbeGroups(clients, sub);
    } catch (err) {
      context.warn(`probes sweep: listing container groups of ${sub} failed: ${(err as Error).message}`);
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
