import { isDue, nextRunAt, probeGroupPlacement, probeKey, type ProbeState } from './probes';

/** A history row's outcome: a RunOutcome, or `running` while the run goes. */
type HistoryOutcome = string;

/**
 * What one tick of the probes timer does, pure (functions/probes-timer.ts observes the tables and
 * the durable runtime, asks this, and acts):
 *
 *  planForwardTick, per forward:
 *    - a state row whose probe left the spec (and whose run is not marked running) is dropped;
 *    - a spec probe without a state row is added now (its first run one `every` later);
 *    - the `probes` section is rewritten when what it shows differs from the spec's probes with
 *      their next runs (a new probe, a changed `every`, a removed one), or when no probe is left
 *      but a Reachable still shows;
 *    - a state row marked running whose orchestration is gone, and whose history row still reads
 *      `running`, is recorded `interrupted` (nothing else for that probe this tick);
 *    - a due probe (core/probes.ts isDue: one `every` after its last run or its addition) is
 *      started unless its last run still runs (then skipped, not stacked).
 *  cleanupDue: the leftover-group sweep runs every PLF_PROBE_SWEEP_SECONDS, and at once after an
 *    interrupted run; the time of the last one is kept in the state table (no module state, so a
 *    host restart or a second instance agrees). With none recorded yet, the first is one interval
 *    from now (an idle tick makes no ARM request).
 *  cleanupPlacements / groupVerdict: where probe groups may be (one list per resource group) and
 *    which listed group goes: one whose run is not live, or older than PLF_PROBE_GROUP_MAX_AGE_SECONDS.
 */

export interface SpecProbe {
  subnetId: string;
  every: string;
  resourceGroup?: string;
}

export interface ForwardTickInput<P extends SpecProbe = SpecProbe> {
  /** The spec's probes, in spec order. */
  probes: readonly P[];
  /** The forward's state rows as read. */
  states: readonly ProbeState[];
  /** What the `probes` section shows now: each probe's subnet and next run. */
  shown: readonly { subnetId: string; nextRunAt?: string }[];
  /** The section still carries conditions (a Reachable). */
  shownConditions: boolean;
  /** Probe keys whose run orchestration (`probe:{forward}:{key}`) is live now. */
  live: ReadonlySet<string>;
  /** The history outcome of each run a state row marks running while its orchestration is gone (runId -> outcome; absent: no row). */
  orphans: ReadonlyMap<string, HistoryOutcome>;
}

export interface ForwardTickPlan<P extends SpecProbe = SpecProbe> {
  /** Probe keys whose state rows go. */
  drop: string[];
  /** New state rows. */
  add: ProbeState[];
  writeSection: boolean;
  /** Runs to record `interrupted`. */
  interrupted: { probeKey: string; runId: string }[];
  /** Due probes to start (the spec's own entries). */
  start: P[];
  /** Due probes whose last run still runs: skipped this tick. */
  busy: P[];
}

/** The probe keys whose liveness the tick needs: spec probes that already had a state row. */
export function probesToWatch(probes: readonly SpecProbe[], states: readonly ProbeState[]): string[] {
  return probes.map((p) => probeKey(p.subnetId)).filter((k) => states.some((s) => s.probeKey === k));
}

export function planForwardTick<P extends SpecProbe>(f: ForwardTickInput<P>, now: string): ForwardTickPlan<P> {
  const keys = new Set(f.probes.map((p) => probeKey(p.subnetId)));
  const drop = f.states.filter((st) => !keys.has(st.probeKey) && !st.running).map((st) => st.probeKey);
  const kept = f.states.filter((st) => !drop.includes(st.probeKey));
  const add: ProbeState[] = f.probes.filter((p) => !kept.some((s) => s.probeKey === probeKey(p.subnetId))).map((p) => ({ subnetId: p.subnetId, probeKey: probeKey(p.subnetId), addedAt: now, consecutiveFailures: 0 }));
  const states = [...kept, ...add];
  const shown = f.shown.map((p) => `${probeKey(p.subnetId)} ${p.nextRunAt ?? ''}`);
  const wanted = f.probes.map((p) => `${probeKey(p.subnetId)} ${nextRunAt(p.every, states.find((s) => s.probeKey === probeKey(p.subnetId))!) ?? ''}`);
  const writeSection = shown.join('\n') !== wanted.join('\n') || (!keys.size && f.shownConditions);
  const plan: ForwardTickPlan<P> = { drop, add, writeSection, interrupted: [], start: [], busy: [] };
  for (const probe of f.probes) {
    const key = probeKey(probe.subnetId);
    const st = kept.find((s) => s.probeKey === key);
    if (!st) continue; // added just now: due one `every` from now
    const live = f.live.has(key);
    if (st.running && !live && f.orphans.get(st.running.runId) === 'running') {
      plan.interrupted.push({ probeKey: key, runId: st.running.runId });
      continue;
    }
    if (!isDue(probe.every, st, now, false)) continue;
    (live ? plan.busy : plan.start).push(probe);
  }
  return plan;
}

/** Whether the leftover-group sweep runs this tick (see the module comment). */
export function cleanupDue(lastCleanupAt: string | undefined, now: string, everySeconds: number, interrupted: number): boolean {
  if (interrupted > 0) return true;
  if (!lastCleanupAt) return false;
  return Date.parse(now) - Date.parse(lastCleanupAt) >= everySeconds * 1000;
}

/** The resource groups that may hold probe groups of these probes (core/probes.ts probeGroupPlacement), one each. */
export function cleanupPlacements(probes: readonly SpecProbe[]): { subscriptionId: string; resourceGroup: string }[] {
  const out = new Map<string, { subscriptionId: string; resourceGroup: string }>();
  for (const probe of probes) {
    const p = probeGroupPlacement(probe.subnetId, probe.resourceGroup);
    if (p) out.set(`${p.subscriptionId}/${p.resourceGroup}`.toLowerCase(), p);
  }
  return [...out.values()];
}

/**
 * A listed probe group: kept while its run is live (history `running` and its orchestration
 * running) and younger than `maxAgeSeconds`; otherwise deleted, and a run still recorded
 * `running` is recorded `interrupted`.
 */
export function groupVerdict(run: { outcome: HistoryOutcome; startedAt: string } | undefined, orchestrationLive: boolean, now: string, maxAgeSeconds: number): { delete: boolean; interrupt: boolean } {
  const live = run?.outcome === 'running' && orchestrationLive;
  const old = !run || Date.parse(now) - Date.parse(run.startedAt) > maxAgeSeconds * 1000;
  if (live && !old) return { delete: false, interrupt: false };
  return { delete: true, interrupt: run?.outcome === 'running' };
}
