#!/usr/bin/env node
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { forwardNameProblems } from '../core/forward-spec';
import { needsAttention } from '../core/status';
import { apiAuthHeaders, resolveApiUrl } from '../tools/devhost/stack-file';

/**
 * `npm run watch -- <forward> [--url URL] [--interval-ms 1000] [--timeout-s 600] [--once]`:
 * follows one forward live in the terminal — phase, each condition change with its reason, new
 * actions from its action log — until it settles (its current generation reached a final phase,
 * see settled(), and nothing changed for three polls), then exits 0; 1 when it ends Failed, 2 on bad usage
 * or when the API cannot be reached, 3 on timeout. The API is --url, else PLF_API_URL, else the
 * running `npm start` stack's (.local/stack.json), else http://127.0.0.1:7071
 * (tools/devhost/stack-file.ts). With PLF_API_TOKEN set it sends `Authorization: Bearer
 * $PLF_API_TOKEN` (a stack with sign-in on; `npm run token` prints one). A condition is marked ✓ when it is as it should be and ✗ when it
 * asks for attention, with the polarity the status page uses (core/status.ts: a True
 * RecycleSuspended is the bad one). A forward that serves while its last drift repair failed
 * stays Ready or Degraded with `Synced` False naming the ARM error (core/reconcile-status.ts): it
 * settles (exit 0) and its settled line says so. A tool beside the product: it only calls the
 * public HTTP API.
 */
interface Condition { type: string; status: string; reason: string; message: string; observedGeneration?: number }
interface Forward { name: string; generation: number; deleting: boolean; status: { phase: string; observedGeneration: number; conditions: Condition[]; nodes?: { instanceId: string; health: string }[]; connections?: { state: string }[] } }
interface Action { time: string; actor: string; action: string; target: string; reason: string }

const SETTLED = new Set(['Ready', 'Degraded', 'Failed']);

/**
 * Whether the forward's current generation reached a final phase. Ready and Degraded are reached
 * when observedGeneration catches up with generation. Failed never moves observedGeneration (a
 * first generation that fails leaves it 0), so a Failed counts when its Ready condition was
 * written for the current generation — not a Failed of an older spec the loop has not replaced
 * yet — or, in status written before conditions carried a generation, as Ready does.
 */
export function settled(f: Forward): boolean {
  const s = f.status;
  if (s.phase === 'Failed') {
    const failedFor = s.conditions.find((c) => c.type === 'Ready')?.observedGeneration;
    if (failedFor !== undefined) return failedFor === f.generation;
  }
  return SETTLED.has(s.phase) && !f.deleting && s.observedGeneration === f.generation;
}

/**
 * The settled line: the phase, and for a forward that serves while its last drift repair failed
 * (Synced False for the generation it serves), that failure with its ARM code.
 */
export function settledLine(f: Forward): string {
  const synced = f.status.conditions.find((c) => c.type === 'Synced');
  const drift = synced && synced.status === 'False' && f.status.phase !== 'Failed' ? ` (Synced False ${synced.reason}: ${synced.message})` : '';
  return `${f.name} settled: ${f.status.phase}${drift}`;
}

/** ✓ as it should be, ✗ asks for attention, ? not known (core/status.ts needsAttention). */
function mark(c: Condition): string {
  const status = c.status;
  if (status !== 'True' && status !== 'False') return '?';
  return needsAttention({ type: c.type, status }) ? '✗' : '✓';
}

export function describeChanges(prev: Forward | undefined, next: Forward): string[] {
  const out: string[] = [];
  const s = next.status;
  const counts = `${s.nodes?.filter((n) => n.health === 'healthy').length ?? 0}/${s.nodes?.length ?? 0} nodes healthy, ${s.connections?.filter((c) => c.state === 'Approved').length ?? 0} approved / ${s.connections?.filter((c) => c.state === 'Pending').length ?? 0} pending`;
  if (!prev || prev.status.phase !== s.phase || prev.generation !== next.generation || prev.status.observedGeneration !== s.observedGeneration) {
    out.push(`phase ${next.deleting ? 'Deleting' : s.phase} (generation ${s.observedGeneration}/${next.generation}; ${counts})`);
  }
  for (const c of s.conditions) {
    const was = prev?.status.conditions.find((x) => x.type === c.type);
    if (!was || was.status !== c.status || was.reason !== c.reason || was.message !== c.message) out.push(`${mark(c)} ${c.type} ${c.reason}: ${c.message}`);
  }
  return out;
}

/** What is wrong with the command line, each named (empty: fine). */
export function argProblems(positionals: readonly string[], intervalMs: number, timeoutS: number): string[] {
  const [name, ...extra] = positionals;
  return [
    ...(name === undefined ? ['the forward to watch is missing'] : forwardNameProblems(name).map((p) => `forward "${name}" ${p.message}`)),
    ...(extra.length ? [`one forward at a time: ${extra.map((x) => `"${x}"`).join(', ')} not taken`] : []),
    ...(intervalMs >= 100 ? [] : ['--interval-ms must be a number >= 100']),
    ...(timeoutS > 0 ? [] : ['--timeout-s must be a number > 0']),
  ];
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ allowPositionals: true, options: { url: { type: 'string' }, 'interval-ms': { type: 'string', default: '1000' }, 'timeout-s': { type: 'string', default: '600' }, once: { type: 'boolean', default: false } } });
  } catch (err) {
    process.stderr.write(`watch: ${(err as Error).message}\nusage: npm run watch -- <forward> [--url URL] [--interval-ms N] [--timeout-s N] [--once]\n`);
    return 2;
  }
  const name = args.positionals[0];
  const interval = Number(args.values['interval-ms']);
  const timeout = Number(args.values['timeout-s']);
  const problems = argProblems(args.positionals, interval, timeout);
  if (problems.length) {
    process.stderr.write(`${problems.map((p) => `watch: ${p}`).join('\n')}\nusage: npm run watch -- <forward> [--url URL] [--interval-ms N>=100] [--timeout-s N>0] [--once]\n`);
    return 2;
  }
  const api = args.values.url ? { url: args.values.url, from: '--url' } : resolveApiUrl(process.env, path.resolve(__dirname, '..', '..'));
  const base = api.url.replace(/\/+$/, '');
  const headers = apiAuthHeaders(process.env);
  process.stderr.write(`watch: API ${base} (${api.from})\n`);
  const started = Date.now();
  let prev: Forward | undefined;
  const seen = new Set<string>();
  let quiet = 0;
  let firstActions = true;
  for (;;) {
    let res: Response;
    try {
      res = await fetch(`${base}/api/forwards/${name}`, { headers });
    } catch (err) {
      process.stderr.write(`watch: cannot reach ${base} (${api.from}): ${(err as Error).message}; is the stack running (npm start)? --url or PLF_API_URL chooses another\n`);
      return 2;
    }
    const elapsed = `${((Date.now() - started) / 1000).toFixed(1)}s`;
    if (res.status === 404 && prev) {
      process.stdout.write(`[${elapsed}] ${name}: not found (deleted)\n`);
      return 0;
    }
    const f = res.ok ? ((await res.json().catch(() => undefined)) as Forward | undefined) : undefined;
    if (!f?.status?.conditions) {
      // Not this product's answer (something else on the port) or no such forward: say which.
      const ours = await fetch(`${base}/api/health`).then((r) => r.ok).catch(() => false);
      process.stderr.write(
        res.status === 404 && ours
          ? `watch: no forward ${name} at ${base} (${api.from})\n`
          : (res.status === 401 || res.status === 403) && ours
            ? `watch: ${base} (${api.from}) refused the call (GET /api/forwards/${name} -> ${res.status}): sign-in is on; set PLF_API_TOKEN to a token with the role Forwards.Read (npm run token -- --role Forwards.Read for the local stack)\n`
            : `watch: ${base} (${api.from}) does not answer as this API (GET /api/forwards/${name} -> ${res.status}); is the stack running (npm start)? --url or PLF_API_URL chooses another\n`,
      );
      return 2;
    }
    const lines = describeChanges(prev, f);
    const acts = await fetch(`${base}/api/forwards/${name}/actions?top=20`, { headers }).then((r) => (r.ok ? (r.json() as Promise<{ value: Action[] }>) : { value: [] })).catch(() => ({ value: [] as Action[] }));
    const fresh = acts.value.filter((a) => !seen.has(JSON.stringify(a))).reverse();
    for (const a of acts.value) seen.add(JSON.stringify(a));
    if (!firstActions) for (const a of fresh) lines.push(`action ${a.action} ${a.target} (${a.actor}): ${a.reason}`);
    firstActions = false;
    for (const l of lines) process.stdout.write(`[${elapsed}] ${l}\n`);
    quiet = lines.length ? 0 : quiet + 1;
    if (!lines.length && process.stdout.isTTY) process.stdout.write(`\r[${elapsed}] waiting… phase ${f.status.phase}\x1b[K\r`);
    if (args.values.once || (settled(f) && quiet >= 3)) {
      process.stdout.write(`[${elapsed}] ${settledLine(f)}\n`);
      return f.status.phase === 'Failed' ? 1 : 0;
    }
    if (Date.now() - started > timeout * 1000) {
      process.stderr.write(`watch: ${name} did not settle within ${timeout}s (phase ${f.status.phase})\n`);
      return 3;
    }
    prev = f;
    await new Promise((r) => setTimeout(r, interval));
  }
}

if (require.main === module) void main().then((code) => process.exit(code));
