#!/usr/bin/env node
import { parseArgs } from 'node:util';

/**
 * `npm run watch -- <forward> [--url http://127.0.0.1:7071] [--interval-ms 1000] [--timeout-s 600] [--once]`:
 * follows one forward live in the terminal — phase, each condition change with its reason, new
 * actions from its action log — until it settles (observed generation = generation, a final
 * phase, and nothing changed for three polls), then exits 0; 1 when it ends Failed, 2 on bad usage
 * or when the API cannot be reached, 3 on timeout. A tool beside the product: it only calls the
 * public HTTP API.
 */
interface Condition { type: string; status: string; reason: string; message: string }
interface Forward { name: string; generation: number; deleting: boolean; status: { phase: string; observedGeneration: number; conditions: Condition[]; nodes?: { instanceId: string; health: string }[]; connections?: { state: string }[] } }
interface Action { time: string; actor: string; action: string; target: string; reason: string }

const SETTLED = new Set(['Ready', 'Degraded', 'Failed']);

export function describeChanges(prev: Forward | undefined, next: Forward): string[] {
  const out: string[] = [];
  const s = next.status;
  const counts = `${s.nodes?.filter((n) => n.health === 'healthy').length ?? 0}/${s.nodes?.length ?? 0} nodes healthy, ${s.connections?.filter((c) => c.state === 'Approved').length ?? 0} approved / ${s.connections?.filter((c) => c.state === 'Pending').length ?? 0} pending`;
  if (!prev || prev.status.phase !== s.phase || prev.generation !== next.generation || prev.status.observedGeneration !== s.observedGeneration) {
    out.push(`phase ${next.deleting ? 'Deleting' : s.phase} (generation ${s.observedGeneration}/${next.generation}; ${counts})`);
  }
  for (const c of s.conditions) {
    const was = prev?.status.conditions.find((x) => x.type === c.type);
    if (!was || was.status !== c.status || was.reason !== c.reason || was.message !== c.message) out.push(`${c.status === 'True' ? '✓' : c.status === 'False' ? '✗' : '?'} ${c.type} ${c.reason}: ${c.message}`);
  }
  return out;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ allowPositionals: true, options: { url: { type: 'string', default: process.env.PLF_API_URL ?? 'http://127.0.0.1:7071' }, 'interval-ms': { type: 'string', default: '1000' }, 'timeout-s': { type: 'string', default: '600' }, once: { type: 'boolean', default: false } } });
  } catch (err) {
    process.stderr.write(`watch: ${(err as Error).message}\nusage: npm run watch -- <forward> [--url URL] [--interval-ms N] [--timeout-s N] [--once]\n`);
    return 2;
  }
  const name = args.positionals[0];
  const interval = Number(args.values['interval-ms']);
  const timeout = Number(args.values['timeout-s']);
  if (!name || !/^[a-z][a-z0-9-]{0,39}$/.test(name) || !(interval >= 100) || !(timeout > 0)) {
    process.stderr.write('usage: npm run watch -- <forward> [--url URL] [--interval-ms N>=100] [--timeout-s N>0] [--once]\n');
    return 2;
  }
  const base = String(args.values.url).replace(/\/+$/, '');
  const started = Date.now();
  let prev: Forward | undefined;
  const seen = new Set<string>();
  let quiet = 0;
  let firstActions = true;
  for (;;) {
    let res: Response;
    try {
      res = await fetch(`${base}/api/forwards/${name}`);
    } catch (err) {
      process.stderr.write(`watch: cannot reach ${base} (${(err as Error).message}); is the stack running (npm start)?\n`);
      return 2;
    }
    const elapsed = `${((Date.now() - started) / 1000).toFixed(1)}s`;
    if (res.status === 404) {
      process.stdout.write(`[${elapsed}] ${name}: not found${prev ? ' (deleted)' : ''}\n`);
      return prev ? 0 : 2;
    }
    const f = (await res.json()) as Forward;
    const lines = describeChanges(prev, f);
    const acts = await fetch(`${base}/api/forwards/${name}/actions?top=20`).then((r) => (r.ok ? (r.json() as Promise<{ value: Action[] }>) : { value: [] })).catch(() => ({ value: [] as Action[] }));
    const fresh = acts.value.filter((a) => !seen.has(JSON.stringify(a))).reverse();
    for (const a of acts.value) seen.add(JSON.stringify(a));
    if (!firstActions) for (const a of fresh) lines.push(`action ${a.action} ${a.target} (${a.actor}): ${a.reason}`);
    firstActions = false;
    for (const l of lines) process.stdout.write(`[${elapsed}] ${l}\n`);
    quiet = lines.length ? 0 : quiet + 1;
    if (!lines.length && process.stdout.isTTY) process.stdout.write(`\r[${elapsed}] waiting… phase ${f.status.phase}\x1b[K\r`);
    const settled = SETTLED.has(f.status.phase) && !f.deleting && f.status.observedGeneration === f.generation;
    if (args.values.once || (settled && quiet >= 3)) {
      process.stdout.write(`[${elapsed}] ${name} settled: ${f.status.phase}\n`);
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
