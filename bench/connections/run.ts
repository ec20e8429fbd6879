import { benchArea } from '../figures';
import { invokeAndWait } from '../invoke';
import { requestLog, settleRequests, type LoggedRequest } from '../request-log';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IDS } from '../../test/emulator/helpers/emulator';
import { eventually, ROOT, startStack } from '../../test/integration/helpers/stack';

/**
 * The connections flow under load, through the HTTP API on devhost + Azurite + the emulator (zero
 * LRO delay, linger 30 s): 10 forwards, then 100 consumer private endpoints (10 per forward, from
 * the allowed spoke, 10 created at a time). Measures per endpoint the time from its creation
 * returning to its connection shown Approved with its DNS decision made (the first endpoint of a
 * forward gets the A record, 'written'; the others in the same VNet show 'conflict' by design: one
 * name holds one IP), the time to each forward's record write, the ARM requests per new connection
 * (from the emulator's request log, the consumers' own endpoint creations set apart), and the
 * requests of one idle sweep pass. Sizes: bench/areas.ts (PLF_BENCH_SMOKE=1: 2 forwards x 2
 * endpoints). Prints figures beside their targets; asserts nothing; exits 1 when it could not
 * measure (an endpoint creation failed, or not every endpoint was shown decided in time).
 */
const bench = benchArea('connections');
const FORWARDS = bench.sizes.forwards;
const PER_FORWARD = bench.sizes.endpointsPerForward;
const CONCURRENCY = bench.sizes.concurrency;
const POLL_MS = 50;
const TIMEOUT_MS = bench.sizes.timeoutMs;
const ENDPOINTS = FORWARDS * PER_FORWARD;

type Entry = LoggedRequest;
interface Conn { name: string; privateEndpointId: string; state: string; decision: string; reason: string; dns?: { fqdn: string; ip?: string; state: string; message?: string }[] }
interface ForwardBody { generation: number; status: { phase: string; observedGeneration: number; connections?: Conn[] } }

const plsId = (forward: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/plf-${forward}-pls`;
const forwardName = (i: number) => `bench-${i}`;
const endpointName = (f: number, j: number) => `pe-bench-${f}-${j}`;
const progress = (line: string) => process.stderr.write(`  .. ${line}\n`);

/** An ARM request by method and resource type, e.g. `GET    Microsoft.Network/privateLinkServices/privateEndpointConnections (list)`. */
function shape(e: Entry): string {
  const parts = e.path.split('?')[0].split('/').filter(Boolean);
  const p = parts.findIndex((x) => x.toLowerCase() === 'providers');
  let type: string;
  let list: boolean;
  if (p >= 0 && p + 1 < parts.length) {
    const typed = parts.slice(p + 2);
    type = [parts[p + 1], ...typed.filter((_, k) => k % 2 === 0)].join('/');
    list = typed.length % 2 === 1;
  } else {
    type = parts.filter((_, k) => k % 2 === 0).join('/');
    list = parts.length % 2 === 1;
  }
  return `${e.method.padEnd(6)} ${type}${list ? ' (list)' : ''}`;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const isWrite = (e: Entry) => e.kind === 'write' || e.kind === 'action' || e.kind === 'delete';
/** The consumers' own requests (creating their private endpoints), not the product's. */
const isConsumer = (e: Entry) => e.method === 'PUT' && /\/privateEndpoints\/pe-bench-[^/]*$/i.test(e.path.split('?')[0]);

function table(entries: Entry[], indent = '    '): string {
  const by = new Map<string, number>();
  for (const e of entries) by.set(shape(e), (by.get(shape(e)) ?? 0) + 1);
  return [...by.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${indent}${String(n).padStart(5)}  ${k}`)
    .join('\n');
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function main(): Promise<void> {
  const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as { consumers: Record<string, unknown>; dns: Record<string, unknown> } & Record<string, unknown>;
  const s = await startStack({ PLF_CONNECTIONS_LINGER_SECONDS: '30' });
  try {
    const get = async (name: string) => (await s.api<ForwardBody>('GET', `/api/forwards/${name}`)).body;

    // 1. Forwards, all Ready.
    let t0 = Date.now();
    const generations = await Promise.all(
      Array.from({ length: FORWARDS }, async (_, i) => {
        const spec = { ...example, consumers: { ...example.consumers, maxConnections: 50 }, dns: { ...example.dns, zoneName: 'internal.net', recordName: `svc-${i}` } };
        const r = await s.api<{ generation: number }>('PUT', `/api/forwards/${forwardName(i)}`, spec);
        if (r.status >= 300) throw new Error(`PUT ${forwardName(i)}: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body.generation;
      }),
    );
    const readyAt = new Map<number, number>();
    let lastReadyProgress = Date.now();
    await eventually(
      async () => {
        await Promise.all(
          Array.from({ length: FORWARDS }, async (_, i) => {
            if (readyAt.has(i)) return;
            const b = await get(forwardName(i));
            if (b?.status?.observedGeneration >= generations[i] && b.status.phase === 'Ready') readyAt.set(i, Date.now());
          }),
        );
        if (Date.now() - lastReadyProgress >= 2000) {
          lastReadyProgress = Date.now();
          progress(`forwards Ready: ${readyAt.size}/${FORWARDS}`);
        }
        return readyAt.size === FORWARDS ? true : undefined;
      },
      `${FORWARDS} forwards Ready`,
      600_000,
      200,
    );
    const forwardsMs = Date.now() - t0;
    progress(`${FORWARDS} forwards Ready in ${forwardsMs} ms`);

    // 2. 100 endpoints, 10 at a time; the first wave is the first endpoint of every forward.
    await s.emu.control('DELETE', '/requests');
    const jobs: { f: number; j: number; name: string }[] = [];
    for (let j = 0; j < PER_FORWARD; j++) for (let f = 0; f < FORWARDS; f++) jobs.push({ f, j, name: endpointName(f, j) });
    const createdAt = new Map<string, number>();
    const decidedAt = new Map<string, number>();
    const decided = new Map<string, Conn>();
    const writtenAt = new Map<number, { endpoint: string; at: number }>();
    const failures: string[] = [];
    t0 = Date.now();

    let creating = true;
    const creation = pool(jobs, CONCURRENCY, async ({ f, name }) => {
      const r = await s.emu.control('POST', '/consumer-endpoints', { subnetId: IDS.spokeLinked, name, privateLinkServiceId: plsId(forwardName(f)) });
      createdAt.set(name, Date.now());
      if (r.status >= 300) failures.push(`${name}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    }).finally(() => (creating = false));

    let lastProgress = Date.now();
    let lastSeen: ForwardBody[] = [];
    const rounds: number[] = [];
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const r0 = Date.now();
      lastSeen = await Promise.all(Array.from({ length: FORWARDS }, (_, i) => get(forwardName(i))));
      const now = Date.now();
      rounds.push(now - r0);
      lastSeen.forEach((b, f) => {
        for (const c of b.status.connections ?? []) {
          const ep = c.privateEndpointId.split('/').pop()!;
          if (!ep.startsWith('pe-bench-')) continue;
          const dnsState = c.dns?.[0]?.state;
          if (!decidedAt.has(ep) && c.state === 'Approved' && (dnsState === 'written' || dnsState === 'conflict')) {
            decidedAt.set(ep, now);
            decided.set(ep, c);
          }
          if (dnsState === 'written' && !writtenAt.has(f)) writtenAt.set(f, { endpoint: ep, at: now });
        }
      });
      const done = !creating && decidedAt.size >= ENDPOINTS - failures.length && writtenAt.size === FORWARDS;
      if (done) break;
      if (now > deadline) {
        progress(`timed out after ${TIMEOUT_MS} ms`);
        break;
      }
      if (now - lastProgress >= 1000) {
        progress(`endpoints created ${createdAt.size}/${ENDPOINTS}, shown Approved + DNS decided ${decidedAt.size}/${ENDPOINTS}, records shown written ${writtenAt.size}/${FORWARDS}`);
        lastProgress = now;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    await creation;
    const runMs = Date.now() - t0;
    const doneLog = await requestLog(s);
    // The passes the run's events started may go on after the status shows everything: they are
    // the run's cost too. Counted until ARM has been quiet for 3 s.
    progress('waiting for ARM to go quiet (3 s without a request)');
    const runLog = await settleRequests(s, 3000, 60_000);
    const quietMs = Date.now() - t0 - runMs;

    const latencies = [...decidedAt.entries()].map(([ep, at]) => Math.max(0, at - (createdAt.get(ep) ?? at))).sort((a, b) => a - b);
    const recordLat = [...writtenAt.entries()].map(([, w]) => Math.max(0, w.at - (createdAt.get(w.endpoint) ?? w.at))).sort((a, b) => a - b);
    const recordNotFirst = [...writtenAt.entries()].filter(([f, w]) => w.endpoint !== endpointName(f, 0)).map(([f, w]) => `${forwardName(f)}: ${w.endpoint}`);
    const dnsStates = { written: 0, conflict: 0 };
    for (const c of decided.values()) dnsStates[c.dns![0].state as 'written' | 'conflict']++;
    const notApproved: string[] = [];
    lastSeen.forEach((b, f) => {
      for (let j = 0; j < PER_FORWARD; j++) {
        const ep = endpointName(f, j);
        if (decidedAt.has(ep)) continue;
        const c = (b.status.connections ?? []).find((x) => x.privateEndpointId.endsWith(`/${ep}`));
        notApproved.push(c ? `${ep}: state ${c.state}, decision ${c.decision}, dns ${JSON.stringify(c.dns ?? [])}, reason "${c.reason}"` : `${ep}: no connection shown`);
      }
    });

    // The product's own moments, from the emulator's log (same clock): the approval PUT of each
    // connection (named <endpoint>.<guid>) and the A record PUT of each forward.
    const at = (e: Entry) => (e.time ? Date.parse(e.time) : NaN);
    const approvePut = new Map<string, number>();
    const recordPut = new Map<number, number>();
    for (const e of runLog) {
      if (e.method !== 'PUT') continue;
      const conn = /\/privateEndpointConnections\/(pe-bench-\d+-\d+)\./i.exec(e.path);
      if (conn && !approvePut.has(conn[1])) approvePut.set(conn[1], at(e));
      const rec = /\/privateDnsZones\/[^/]+\/A\/svc-(\d+)/i.exec(e.path);
      if (rec && !recordPut.has(Number(rec[1]))) recordPut.set(Number(rec[1]), at(e));
    }
    const approveLat = [...approvePut.entries()].map(([ep, t]) => Math.max(0, t - (createdAt.get(ep) ?? t))).sort((a, b) => a - b);
    const recordPutLat = [...recordPut.entries()].map(([f, t]) => Math.max(0, t - (createdAt.get(writtenAt.get(f)?.endpoint ?? endpointName(f, 0)) ?? t))).sort((a, b) => a - b);
    const showLag = [...decidedAt.entries()].filter(([ep]) => approvePut.has(ep)).map(([ep, t]) => t - approvePut.get(ep)!).sort((a, b) => a - b);

    const count = (log: Entry[]) => {
      const product = log.filter((e) => !isConsumer(e));
      return { product, consumer: log.length - product.length, reads: product.filter((e) => e.kind === 'read').length, writes: product.filter(isWrite).length, dns: product.filter((e) => /privateDnsZones/i.test(e.path)).length };
    };
    const atDone = count(doneLog);
    const full = count(runLog);
    const tailLog = runLog.slice(doneLog.length);
    const newConns = decidedAt.size || 1;

    // Checked after the run's log was taken (these reads are the bench's, not the product's).
    const recordCheck: string[] = [];
    for (let f = 0; f < FORWARDS; f++) {
      const rec = await s.emu.privateDns(IDS.hubSub).recordSets.get(IDS.hubRg, 'internal.net', 'A', `svc-${f}`).catch(() => undefined);
      const w = writtenAt.get(f);
      const shown = w ? decided.get(w.endpoint)?.dns?.[0]?.ip : undefined;
      const ips = (rec?.aRecords ?? []).map((a) => a.ipv4Address).join(',');
      if (!rec || ips !== shown) recordCheck.push(`svc-${f}: record ${rec ? `[${ips}]` : 'missing'}, status shows ${shown ?? 'nothing'}`);
    }

    // 3. One idle sweep pass.
    await s.emu.control('DELETE', '/requests');
    progress('idle sweep pass: POST /admin/functions/connectionsSweep, waiting for it to finish and its requests to stop');
    // The sweep starts or signals each forward's connections flow; the flows make the requests.
    await invokeAndWait(s, 'connectionsSweep');
    const sweepLog = await settleRequests(s, 1500, 10_000, 1);
    const sweepWrites = sweepLog.filter(isWrite);
    if (process.env.PLF_BENCH_CONN_DUMP) fs.writeFileSync(process.env.PLF_BENCH_CONN_DUMP, JSON.stringify({ createdAt: Object.fromEntries(createdAt), decidedAt: Object.fromEntries(decidedAt), doneCount: doneLog.length, runLog, sweepLog }, null, 1));
    const listsByPls = new Map<string, number>();
    for (const e of sweepLog.filter((x) => x.method === 'GET' && /privateEndpointConnections$/i.test(x.path.split('?')[0]))) {
      const pls = /privateLinkServices\/([^/]+)/i.exec(e.path)?.[1] ?? '?';
      listsByPls.set(pls, (listsByPls.get(pls) ?? 0) + 1);
    }
    const listCounts = [...listsByPls.values()];

    const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : 'n/a');
    const dist = (v: number[]) => `p50 ${ms(quantile(v, 0.5))}   p99 ${ms(quantile(v, 0.99))}   max ${ms(v[v.length - 1] ?? NaN)}`;
    const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const per = (c: ReturnType<typeof count>) => `${(c.product.length / newConns).toFixed(2)} per new connection (${(c.reads / newConns).toFixed(2)} reads, ${(c.writes / newConns).toFixed(2)} writes)`;
    console.log(`connections bench: devhost (tables on Azurite) + emulator with zero LRO delay, linger 30 s, Node ${process.version}, ${os.cpus().length} CPUs`);
    bench.figure('forwards (2 nodes each) -> all Ready', `${FORWARDS} forwards in ${forwardsMs} ms`);
    console.log(`${ENDPOINTS} private endpoints from the allowed spoke (${PER_FORWARD} per forward, ${CONCURRENCY} at a time): all created and shown decided after ${runMs} ms`);
    if (failures.length) console.log(`  endpoint creations that failed: ${failures.length}\n    ${failures.join('\n    ')}`);
    bench.figure('created -> shown Approved + DNS decided', `${dist(latencies)}   (target p99 < 1000 ms: ${mark(quantile(latencies, 0.99) < 1000)})`);
    console.log(`    in GET /api/forwards: ${latencies.length}/${ENDPOINTS}; written ${dnsStates.written}, conflict ${dnsStates.conflict}`);
    console.log(`    (observed by polling the ${FORWARDS} forwards every ${POLL_MS} ms; one polling round took ${dist(rounds.slice().sort((a, b) => a - b))})`);
    bench.figure('created -> approval PUT sent to ARM', `${dist(approveLat)}   (${approveLat.length}/${ENDPOINTS}, from the request log)`);
    console.log(`  approval PUT -> shown in the API: ${dist(showLag)}`);
    bench.figure('created -> A record PUT sent, per forward', `p50 ${ms(quantile(recordPutLat, 0.5))}   max ${ms(recordPutLat[recordPutLat.length - 1] ?? NaN)}   (${recordPut.size}/${FORWARDS})`);
    console.log(`  created -> A record shown written, per forward (${recordLat.length}/${FORWARDS}): p50 ${ms(quantile(recordLat, 0.5))}   max ${ms(recordLat[recordLat.length - 1] ?? NaN)}`);
    console.log(`    record holder is the forward's first endpoint (pe-bench-<i>-0, created in the first wave): ${recordNotFirst.length ? `no for ${recordNotFirst.join('; ')}` : 'yes, all'}`);
    if (notApproved.length) console.log(`  NOT shown Approved + DNS decided (${notApproved.length}):\n    ${notApproved.slice(0, 20).join('\n    ')}${notApproved.length > 20 ? `\n    ... ${notApproved.length - 20} more` : ''}`);
    if (recordCheck.length) console.log(`  A records not matching the status (${recordCheck.length}): ${recordCheck.join('; ')}`);
    else console.log(`  A records svc-0..svc-${FORWARDS - 1} in internal.net hold the IP the status shows as written: yes`);
    console.log(`  ARM requests by the product (the consumers' ${full.consumer} endpoint creations not counted):`);
    console.log(`    until the status showed everything: ${atDone.product.length} (${atDone.reads} reads, ${atDone.writes} writes/actions/deletes; ${atDone.dns} private DNS) = ${per(atDone)}`);
    console.log(`    until ARM went quiet (+${ms(quietMs)}, ${tailLog.length} more, ${tailLog.filter(isWrite).length} of them writes): ${full.product.length} (${full.reads} reads, ${full.writes} writes/actions/deletes; ${full.dns} private DNS) = ${per(full)}`);
    bench.figure('ARM requests per new connection', `${per(full)}, until ARM went quiet   (target <= 6 including DNS: ${mark(full.product.length / newConns <= 6)})`);
    console.log(`    by request (count, method, resource type), whole run:\n${table(full.product, '      ')}`);
    if (tailLog.length) console.log(`    of which after the status showed everything:\n${table(tailLog, '      ')}`);
    bench.figure('idle sweep pass ARM requests per forward', `${(sweepLog.length / FORWARDS).toFixed(2)}   (${sweepLog.length} requests, ${sweepWrites.length} writes)`);
    console.log(`  connection lists: ${listCounts.reduce((a, b) => a + b, 0)} over ${listsByPls.size}/${FORWARDS} forwards (max ${Math.max(0, ...listCounts)} for one forward)   (target one list per forward and nothing else, 0 writes: ${mark(listsByPls.size === FORWARDS && listCounts.every((n) => n === 1) && sweepLog.length === FORWARDS && sweepWrites.length === 0)})`);
    if (sweepLog.length) console.log(`  by request:\n${table(sweepLog, '      ')}`);
    const unmeasured = [...(failures.length ? [`${failures.length} endpoint creation(s) failed`] : []), ...(notApproved.length ? [`${notApproved.length} endpoint(s) not shown decided within ${TIMEOUT_MS} ms`] : [])];
    if (unmeasured.length) {
      console.error(`bench/connections could not measure every endpoint: ${unmeasured.join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await s.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench/connections failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
