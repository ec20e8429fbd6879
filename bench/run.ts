import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AREAS, type AreaEntry } from './areas';
import { benchMode, type BenchMode } from './size';
import { areaVerdict, runExitCode, summaryLine, type AreaRun, type AreaVerdict } from './verdict';

/**
 * `npm run bench`: runs every benchmark under bench/<area>/run.js (compiled) one after the other,
 * each in its own process (and process group) so one area's memory figures are not skewed by
 * another's, shows its output as it comes, and judges it (bench/verdict.ts): it must exit 0 and
 * print every figure line bench/areas.ts names for it. Pass area names to run only those:
 * `npm run bench -- engine`. `PLF_BENCH_SMOKE=1` runs every area at its smoke sizes
 * (bench/size.ts), each within SMOKE_AREA_TIMEOUT_MS and all within SMOKE_BUDGET_MS (the issue's
 * bound: the smoke run finishes within 10 minutes; an area left without time fails). Ends with one summary line per area (its
 * wall time) and exits 0 only when no area failed; an area that may be skipped (bench/areas.ts
 * `mayBeSkipped`) is shown SKIPPED unless PLF_REQUIRE_NETNS=1, where it must run.
 */
export const SMOKE_AREA_TIMEOUT_MS = 300_000;
export const SMOKE_BUDGET_MS = 600_000;

export interface BenchRunOptions {
  /** The folder holding <area>/run.js (dist/bench when run from the build). */
  benchDir: string;
  areas: Readonly<Record<string, AreaEntry>>;
  /** Area names to run; empty = all. */
  only?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Per area; undefined = no limit. */
  timeoutMs?: number;
  /** For all areas together: each area gets at most what is left; undefined = no limit. */
  budgetMs?: number;
  write?: (s: string) => void;
}

export interface BenchRunResult {
  exitCode: 0 | 1 | 2;
  verdicts: AreaVerdict[];
}

/** The areas found under `benchDir`: folders with a run.js, sorted. */
export function findAreas(benchDir: string): string[] {
  return fs
    .readdirSync(benchDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(benchDir, d.name, 'run.js')))
    .map((d) => d.name)
    .sort();
}

let running: number | undefined;

/** Runs one area's run.js, its stdout shown live and kept; stderr passed through. */
function runArea(benchDir: string, area: string, env: NodeJS.ProcessEnv, timeoutMs: number | undefined, write: (s: string) => void): Promise<AreaRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(benchDir, area, 'run.js')], { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    running = child.pid;
    let stdout = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      write(c.toString());
    });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup('SIGTERM');
            setTimeout(() => killGroup('SIGKILL'), 5000).unref();
          }, timeoutMs);
    child.once('error', reject);
    // Whatever the area left behind in its group (a devhost it spawned) goes with it, and with it
    // any copy of the stdout pipe that would keep 'close' waiting.
    child.once('exit', () => killGroup('SIGKILL'));
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      running = undefined;
      resolve({ area, exitCode: code, signal, timedOut, timeoutMs, stdout, wallMs: Date.now() - started });
    });
  });
}

export async function runBench(opts: BenchRunOptions): Promise<BenchRunResult> {
  const env = opts.env ?? process.env;
  const write = opts.write ?? ((s: string) => process.stdout.write(s));
  const only = new Set(opts.only ?? []);
  const areas = findAreas(opts.benchDir).filter((a) => only.size === 0 || only.has(a));
  if (areas.length === 0) {
    write(`bench: nothing to run${only.size ? ` for ${[...only].join(', ')}` : ''}\n`);
    return { exitCode: 2, verdicts: [] };
  }
  const verdicts: AreaVerdict[] = [];
  const started = Date.now();
  for (const area of areas) {
    const left = opts.budgetMs === undefined ? undefined : opts.budgetMs - (Date.now() - started);
    if (left !== undefined && left <= 0) {
      verdicts.push({ area, outcome: 'failed', figures: 0, problems: [`not run: the run's time budget of ${Math.round(opts.budgetMs! / 1000)} s was spent`], wallMs: 0 });
      continue;
    }
    write(`\n=== bench/${area} ===\n`);
    const limit = left === undefined ? opts.timeoutMs : Math.min(left, opts.timeoutMs ?? left);
    const run = await runArea(opts.benchDir, area, env, limit, write);
    verdicts.push(areaVerdict(run, opts.areas[area], { requireNetns: env.PLF_REQUIRE_NETNS === '1' }));
  }
  return { exitCode: runExitCode(verdicts), verdicts };
}

async function main(): Promise<void> {
  let mode: BenchMode;
  try {
    mode = benchMode();
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (running) process.kill(-running, 'SIGKILL');
      process.exit(130);
    });
  }
  const started = Date.now();
  const result = await runBench({ benchDir: __dirname, areas: AREAS, only: process.argv.slice(2), ...(mode === 'smoke' ? { timeoutMs: SMOKE_AREA_TIMEOUT_MS, budgetMs: SMOKE_BUDGET_MS } : {}) });
  const count = (o: AreaVerdict['outcome']) => result.verdicts.filter((v) => v.outcome === o).length;
  process.stdout.write(`\n=== bench summary (${mode} sizes) ===\n`);
  for (const v of result.verdicts) process.stdout.write(`${summaryLine(v)}\n`);
  process.stdout.write(
    `bench: ${result.verdicts.length} areas: ${count('ok')} ok, ${count('failed')} failed, ${count('skipped')} skipped, ${((Date.now() - started) / 1000).toFixed(1)} s in all -> exit ${result.exitCode}\n`,
  );
  process.exitCode = result.exitCode;
}

if (require.main === module) void main();
