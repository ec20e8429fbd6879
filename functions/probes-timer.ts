import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { probeSettings } from '../core/app-settings';
import { cleanupDue, cleanupPlacements, planForwardTick, probesToWatch } from '../core/probe-tick';
import { probeInstanceIdOfKey } from '../core/probes';
import { isRunning } from '../orchestrations/kit/singleton-client';
import { cleanupProbeGroups, probeHistory, probeStates, recordRun, writeSection } from '../orchestrations/activities/probes';
import { probeRunInput, startProbeRun } from '../orchestrations/probes-client';
import { ForwardRegistry } from '../store/forward-registry';
import { FunctionNames } from './names';

/**
 * The one probes timer (PLF_PROBES_SCHEDULE, default every minute) for all forwards: observe the
 * tables and the durable runtime, let core/probe-tick.ts decide, act.
 * 1. per forward: its probes' state rows, whether each probe's run orchestration is live, and the
 *    history row of a run marked running whose orchestration is gone -> planForwardTick: state rows
 *    dropped and added, the `probes` section rewritten, runs recorded `interrupted`, due probes
 *    started (a due probe whose last run still goes is skipped, not stacked);
 * 2. cleanup sweep when cleanupDue (every PLF_PROBE_SWEEP_SECONDS, the last time kept in the state
 *    table; at once after an interrupted run): cleanupProbeGroups lists our probe groups per
 *    resource group holding probe groups and deletes those whose run is not live, or older than
 *    PLF_PROBE_GROUP_MAX_AGE_SECONDS.
 * No ARM call here and no module state: an idle tick between sweeps reads tables only.
 */
export async function probesTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const client = df.getClient(context);
  const settings = probeSettings(process.env);
  const now = new Date().toISOString();
  const log = (line: string) => context.log(line);
  const records = (await ForwardRegistry.fromEnv(process.env).list()).filter((r) => !r.deleting && (r.spec.probes.length || r.probes));
  let started = 0;
  let interrupted = 0;
  for (const r of records) {
    // Observe.
    const states = await probeStates().list(r.name);
    const live = new Set<string>();
    for (const key of probesToWatch(r.spec.probes, states)) if (await isRunning(client, probeInstanceIdOfKey(r.name, key))) live.add(key);
    const orphans = new Map<string, string>();
    for (const st of states) {
      if (!st.running || live.has(st.probeKey)) continue;
      const run = await probeHistory().get(r.name, st.running.runId);
      if (run) orphans.set(st.running.runId, run.outcome);
    }
    // Decide.
    const plan = planForwardTick({ probes: r.spec.probes, states, shown: r.probes?.probes ?? [], shownConditions: !!r.probes?.conditions.length, live, orphans }, now);
    // Act.
    for (const key of plan.drop) await probeStates().remove(r.name, key);
    for (const st of plan.add) await probeStates().put(r.name, st);
    if (plan.writeSection) await writeSection(r.name, now, log);
    for (const i of plan.interrupted) {
      const run = await probeHistory().get(r.name, i.runId);
      if (run) await recordRun({ ...run, outcome: 'interrupted', finishedAt: now, ports: [], detail: 'the run stopped before its result was read (host lost or orchestration gone)' }, now, log);
      interrupted++;
    }
    for (const probe of plan.busy) context.log(`probes: ${r.name} ${probe.subnetId} is due but its last run still runs; skipped`);
    for (const probe of plan.start) if ((await startProbeRun(client, probeRunInput(r.name, probe, 'schedule'))) === 'started') started++;
  }
  if (started || interrupted) context.log(`probes: started ${started} run(s), closed ${interrupted} interrupted run(s)`);
  const last = await probeStates().lastCleanupAt();
  if (!last) await probeStates().setLastCleanupAt(now);
  if (!cleanupDue(last, now, settings.sweepEvery, interrupted)) return;
  await probeStates().setLastCleanupAt(now);
  await cleanupProbeGroups(
    cleanupPlacements(records.flatMap((r) => r.spec.probes)),
    (id) => isRunning(client, id),
    now,
    { log, warn: (line) => context.warn(line) },
  );
}

app.timer(FunctionNames.probesTimer, { schedule: probeSettings(process.env).schedule, extraInputs: [df.input.durableClient()], handler: probesTimer });
