import { benchArea } from '../figures';
import { invokeAndWait } from '../invoke';
import { requestLog, settleRequests, type LoggedRequest } from '../request-log';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IDS } from '../../test/emulator/helpers/emulator';
import { eventually, ROOT, startStack, type Stack } from '../../test/integration/helpers/stack';

/**
 * Probe runs on devhost + Azurite + the emulator (zero LRO delay, containers finish at once):
 * one forward Ready with an approved endpoint and its record, then RUNS manual runs one after the
 * other, for a one-port and a three-port forward. Prints per run the ARM requests (from the
 * emulator's request log, by method and resource type) and the wall time from POST .../probes/run
 * to the result readable at its Location; then the ARM requests of a probes timer tick with the
 * cleanup sweep due and of an idle one. Sizes: bench/areas.ts (runs: 10, smoke 2).
 * Asserts nothing; exits 1 when a run does not finish (nothing measured).
 */
const bench = benchArea('probes');
const RUNS = bench.sizes.runs;
const SWEEP_S = 10;
type Entry = LoggedRequest;
const plsId = (forward: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/plf-${forward}-pls`;
const progress = (line: string) => process.stderr.write(`  .. ${line}\n`);

const shape = (e: Entry) => `${e.method.padEnd(6)} ${e.resourceType ?? e.path}`;

function table(entries: Entry[], runs: number): string {
  const by = new Map<string, number>();
  for (const e of entries) by.set(shape(e), (by.get(shape(e)) ?? 0) + 1);
  return [...by.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `    ${(n / runs).toFixed(2).padStart(7)}  ${k}`)
    .join('\n');
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

async function runMany(s: Stack, forward: string, label: '1 port' | '3 ports'): Promise<void> {
  await s.emu.control('DELETE', '/requests');
  const times: number[] = [];
  const outcomes = new Map<string, number>();
  for (let i = 0; i < RUNS; i++) {
    const t0 = Date.now();
    const r = await s.api<{ location: string }>('POST', `/api/forwards/${forward}/probes/run`);
    if (r.status !== 202) throw new Error(`POST run: ${r.status} ${JSON.stringify(r.body)}`);
    const result = await eventually(async () => {
      const g = await s.api<{ state: string; result?: { outcome: string } }>('GET', r.body.location);
      return g.body.state === 'finished' ? g.body.result : undefined;
    }, 'run finished', 60_000, 20);
    times.push(Date.now() - t0);
    outcomes.set(result!.outcome, (outcomes.get(result!.outcome) ?? 0) + 1);
  }
  const log = (await settleRequests(s, 1000, 10_000)).filter((e) => /ContainerInstance|virtualNetworks/i.test(e.path));
  times.sort((a, b) => a - b);
  bench.figure(`ARM requests per run, ${label}`, `${(log.length / RUNS).toFixed(2)} (writes ${(log.filter((e) => e.kind !== 'read').length / RUNS).toFixed(2)}) over ${RUNS} runs (${[...outcomes].map(([k, n]) => `${n} ${k}`).join(', ')})`);
  console.log(table(log, RUNS));
  bench.figure(`wall time per run, ${label}`, `p50 ${quantile(times, 0.5)} ms, p90 ${quantile(times, 0.9)} ms, max ${times[times.length - 1]} ms (POST -> result at Location)`);
}

async function main(): Promise<void> {
  const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown> & { dns: Record<string, unknown> };
  // The probes timer runs only when invoked here (its own schedule would add ticks to the counts).
  const s = await startStack({ PLF_CONNECTIONS_LINGER_SECONDS: '5', PLF_PROBE_SWEEP_SECONDS: String(SWEEP_S), PLF_PROBES_SCHEDULE: '0 0 0 1 1 *' });
  try {
    // The cleanup sweep's clock starts at the probes timer's first tick, which records when it
    // swept last (core/probe-tick.ts cleanupDue: nothing recorded yet is not due).
    await invokeAndWait(s, 'probesTimer');
    const firstTick = Date.now();
    const forwards: [string, number, '1 port' | '3 ports'][] = [
      ['probe-one', 1, '1 port'],
      ['probe-three', 3, '3 ports'],
    ];
    // Both forwards at once (each Ready, then its endpoint approved and named).
    await Promise.all(forwards.map(async ([name, n]) => {
      const ports = Array.from({ length: n }, (_, i) => ({ port: 8000 + i, targetPort: 8000 }));
      const r = await s.api<{ generation: number }>('PUT', `/api/forwards/${name}`, { ...example, ports, dns: { ...example.dns, recordName: name } });
      if (r.status >= 300) throw new Error(`PUT ${name}: ${r.status}`);
      await eventually(async () => ((await s.api<{ status: { phase: string } }>('GET', `/api/forwards/${name}`)).body.status.phase === 'Ready' ? true : undefined), `${name} Ready`, 120_000);
      await s.emu.control('POST', '/consumer-endpoints', { subnetId: IDS.spokeLinked, name: `pe-${name}`, privateLinkServiceId: plsId(name) });
      await eventually(
        async () => ((await s.api<{ status: { connections?: { state: string; dns?: { state: string }[] }[] } }>('GET', `/api/forwards/${name}`)).body.status.connections?.some((c) => c.state === 'Approved' && c.dns?.[0]?.state === 'written') ? true : undefined),
        `${name} endpoint approved and named`,
        60_000,
      );
      progress(`${name} Ready with an approved endpoint`);
    }));
    console.log('probe runs (manual, sequential; emulator: zero LRO delay, containers terminate at once)');
    for (const [name, , label] of forwards) await runMany(s, name, label);

    // Timer ticks with nothing due (every PT15M, runs just happened): the first one is a cleanup
    // sweep (due PLF_PROBE_SWEEP_SECONDS after the first tick recorded its time), the one right after is idle.
    await new Promise((r) => setTimeout(r, Math.max(0, firstTick + SWEEP_S * 1000 + 500 - Date.now())));
    for (const what of ['probes timer tick with the cleanup sweep due', 'probes timer idle tick'] as const) {
      await settleRequests(s, 1000, 10_000);
      await s.emu.control('DELETE', '/requests');
      await invokeAndWait(s, 'probesTimer');
      const tick = await requestLog(s);
      bench.figure(what, `${tick.length} ARM request(s), ${tick.filter((e) => e.kind !== 'read').length} write(s)   (2 forwards with probes, 1 probe subscription${what.endsWith('idle tick') ? '; sweep not due' : ''})`);
      for (const e of tick) console.log(`    ${e.method} ${e.path}`);
    }
  } finally {
    await s.stop();
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? String(err));
  process.exitCode = 1;
});
