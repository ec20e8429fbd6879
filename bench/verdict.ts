import type { AreaEntry } from './areas';
import { parseFigureLine, SKIPPED } from './figures';

/**
 * `npm run bench`'s verdict on each area's process, and on the run: an area counts as run only
 * when it exited 0 (within its time limit) AND printed every figure its bench/areas.ts entry names,
 * each with a measured value. Exiting 0 without figures is a failure, not a pass.
 */
export interface AreaRun {
  area: string;
  /** null when the process was killed (then `signal`). */
  exitCode: number | null;
  signal?: string | null;
  timedOut?: boolean;
  timeoutMs?: number;
  stdout: string;
  wallMs: number;
}

export interface AreaVerdict {
  area: string;
  outcome: 'ok' | 'skipped' | 'failed';
  /** Figure lines of this area on its stdout. */
  figures: number;
  /** Why it failed (empty when ok), or why it was skipped. */
  problems: string[];
  wallMs: number;
}

export interface VerdictOptions {
  /** PLF_REQUIRE_NETNS=1 (CI): an area that may be skipped elsewhere must run. */
  requireNetns: boolean;
}

export function areaVerdict(run: AreaRun, entry: AreaEntry | undefined, opts: VerdictOptions): AreaVerdict {
  const problems: string[] = [];
  const mine = run.stdout
    .split('\n')
    .map(parseFigureLine)
    .filter((f) => f?.area === run.area) as { label: string; value: string }[];
  const figures = mine.filter((f) => f.label !== SKIPPED);
  const skip = mine.find((f) => f.label === SKIPPED);

  if (run.timedOut) problems.push(`timed out after ${Math.round((run.timeoutMs ?? 0) / 1000)} s`);
  else if (run.exitCode !== 0) problems.push(run.exitCode === null ? `killed by ${run.signal ?? 'a signal'}` : `exit ${run.exitCode}`);
  if (!entry) problems.push('no entry in bench/areas.ts (its sizes and figure labels)');

  if (skip && problems.length === 0) {
    if (!entry?.mayBeSkipped) problems.push(`skipped (${skip.value}), but this area may not be skipped`);
    else if (opts.requireNetns) problems.push(`skipped (${skip.value}), but PLF_REQUIRE_NETNS=1 requires it to run`);
    else return { area: run.area, outcome: 'skipped', figures: 0, problems: [skip.value], wallMs: run.wallMs };
  }

  if (entry && !skip) {
    const printed = new Set(figures.map((f) => f.label));
    const missing = entry.figures.filter((l) => !printed.has(l));
    if (missing.length) problems.push(figures.length === 0 ? 'printed no figure lines' : `missing figures: ${missing.join('; ')}`);
    const undeclared = [...printed].filter((l) => !entry.figures.includes(l));
    if (undeclared.length) problems.push(`figures not named in bench/areas.ts: ${undeclared.join('; ')}`);
    const unmeasured = figures.filter((f) => f.value === '' || /\bNaN\b|\bn\/a\b/.test(f.value)).map((f) => f.label);
    if (unmeasured.length) problems.push(`figures without a measured value: ${unmeasured.join('; ')}`);
  }
  return { area: run.area, outcome: problems.length ? 'failed' : 'ok', figures: figures.length, problems, wallMs: run.wallMs };
}

/** The run's exit code: 0 only when no area failed (and at least one ran). */
export function runExitCode(verdicts: readonly AreaVerdict[]): 0 | 1 {
  return verdicts.length > 0 && verdicts.every((v) => v.outcome !== 'failed') ? 0 : 1;
}

/** One summary line per area, e.g. `bench: lifecycle     ok        16.2 s   4 figures`. */
export function summaryLine(v: AreaVerdict): string {
  const status = v.outcome === 'ok' ? 'ok' : v.outcome === 'skipped' ? 'SKIPPED' : 'FAILED';
  const tail = v.outcome === 'ok' ? `${v.figures} figure lines` : v.problems.join('; ');
  return `bench: ${v.area.padEnd(12)} ${status.padEnd(8)} ${(v.wallMs / 1000).toFixed(1).padStart(6)} s   ${tail}`;
}
