import * as fs from 'node:fs';
import * as path from 'node:path';
import { IDS } from '../../test/emulator/helpers/emulator';
import { eventually, ROOT, startStack, type Stack } from '../../test/integration/helpers/stack';

/**
 * The connections flow under load, through the HTTP API on devhost + Azurite + the emulator (zero
 * LRO delay, linger 30 s): 10 forwards, then 100 consumer private endpoints (10 per forward, from
 * the allowed spoke, 10 created at a time). Measures per endpoint the time from its creation
 * returning to its connection shown Approved with its DNS decision made (the first endpoint of a
 * forward gets the A record, 'written'; the others in the same VNet show 'conflict' by design: one
 * name holds one IP), the time to each forward's record write, the ARM requests per new connection
 * (from the emulator's request log, the consumers' own endpoint creations set apart), and the
 * requests of one idle sweep pass. Prints figures beside their targets; asserts nothing.
 */
const FORWARDS = Number(process.env.PLF_BENCH_CONN_FORWARDS ?? 10);
const PER_FORWARD = Number(process.env.PLF_BENCH_CONN_ENDPOINTS ?? 10);
const CONCURRENCY = Number(process.env.PLF_BENCH_CONN_CONCURRENCY ?? 10);
const POLL_MS = 50;
const TIMEOUT_MS = Number(process.env.PLF_BENCH_CONN_TIMEOUT_MS ?? 180_000);
const ENDPOINTS = FORWARDS * PER_FORWARD;

type Entry = { seq?: number; method: string; path: string; kind: string; status: number; resourceType?: string };
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
const isConsumer = (e: Entry) => /\/privateEndpoints\/pe-bench-/i.test(e.path) && !/privateLinkServices/i.test(e.path);

function table(entries: Entry[], indent = '    '): string {
  const by = new Map<string, number>();
  for (const e of entries) by.set(shape(e), (by.get(shape(e)) ?? 0) + 1);
  return [...by.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${indent}${String(n).padStart(5)}  ${k}`)
    .join('\n');
}

async function requestLog(s: Stack): Promise<Entry[]> {
  return (await s.emu.control<{ value: Entry[] }>('GET', '/requests')).body.value;
}

/** Waits until the request log stops growing (unchanged for `quietMs`), at most `capMs`. */
async function settle(s: Stack, quietMs: number, capMs: number, minEntries = 0): Promise<Entry[]> {
  const start = Date.now();
  let last = -1;
  let since = Date.now();
  for (;;) {
    const log = await requestLog(s);
    if (log.length !== last) {
      last = log.length;
      since = Date.now();
    } else if (log.length >= minEntries && Date.now() - since >= quietMs) return log;
    if (Date.now() - start > capMs) return log;
    await new Promise((r) => setTimeout(r, 100));
  }
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
    const createOrder = new Map<number, string[]>();
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
      else createOrder.set(f, [...(createOrder.get(f) ?? []), name]);
    }).finally(() => (creating = false));

    let lastProgress = Date.now();
    let lastSeen: ForwardBody[] = [];
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      lastSeen = await Promise.all(Array.from({ length: FORWARDS }, (_, i) => get(forwardName(i))));
      const now = Date.now();
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
        progress(`endpoints created ${createdAt.size}/${ENDPOINTS}, Approved + DNS decided ${decidedAt.size}/${ENDPOINTS}, records written ${writtenAt.size}/${FORWARDS}`);
        lastProgress = now;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    await creation;
    const runMs = Date.now() - t0;
    // Requests still under way (e.g. the last passes' status writes) belong to the run.
    const runLog = await settle(s, 1000, 5000);

    const latencies = [...decidedAt.entries()].map(([ep, at]) => Math.max(0, at - (createdAt.get(ep) ?? at))).sort((a, b) => a - b);
    const recordLat = [...writtenAt.entries()].map(([, w]) => Math.max(0, w.at - (createdAt.get(w.endpoint) ?? w.at))).sort((a, b) => a - b);
    const recordNotFirst = [...writtenAt.entries()].filter(([f, w]) => createOrder.get(f)?.[0] !== w.endpoint).map(([f, w]) => `${forwardName(f)}: ${w.endpoint} (first created ${createOrder.get(f)?.[0]})`);
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

    const product = runLog.filter((e) => !isConsumer(e));
    const consumer = runLog.filter(isConsumer);
    const reads = product.filter((e) => e.kind === 'read').length;
    const writes = product.filter(isWrite).length;
    const dnsReq = product.filter((e) => /privateDnsZones/i.test(e.path)).length;
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
    const sweepResp = await s.api('POST', '/admin/functions/connectionsSweep', {});
    const sweepLog = await settle(s, 1000, 8000, 1);
    const sweepWrites = sweepLog.filter(isWrite);
    const listsByPls = new Map<string, number>();
    for (const e of sweepLog.filter((x) => x.method === 'GET' && /privateEndpointConnections$/i.test(x.path.split('?')[0]))) {
      const pls = /privateLinkServices\/([^/]+)/i.exec(e.path)?.[1] ?? '?';
      listsByPls.set(pls, (listsByPls.get(pls) ?? 0) + 1);
    }
    const listCounts = [...listsByPls.values()];

    const pct = (n: number) => `${n.toFixed(0)} ms`;
    const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(`connections bench: devhost (tables on Azurite) + emulator with zero LRO delay, linger 30 s, Node ${process.version}`);
    console.log(`${FORWARDS} forwards (2 nodes each) -> all Ready   ${forwardsMs} ms`);
    console.log(`${ENDPOINTS} private endpoints from the allowed spoke (${PER_FORWARD} per forward, ${CONCURRENCY} at a time), forwards polled every ${POLL_MS} ms: run ${runMs} ms`);
    if (failures.length) console.log(`  endpoint creations that failed: ${failures.length}\n    ${failures.join('\n    ')}`);
    console.log(`  created -> Approved + DNS decided (${latencies.length}/${ENDPOINTS}; written ${dnsStates.written}, conflict ${dnsStates.conflict}):`);
    console.log(`    p50 ${pct(quantile(latencies, 0.5))}   p99 ${pct(quantile(latencies, 0.99))}   max ${pct(latencies[latencies.length - 1] ?? NaN)}   (target p99 < 1000 ms: ${mark(quantile(latencies, 0.99) < 1000)})`);
    console.log(`  created -> A record written, per forward (${recordLat.length}/${FORWARDS}): p50 ${pct(quantile(recordLat, 0.5))}   max ${pct(recordLat[recordLat.length - 1] ?? NaN)}`);
    if (recordNotFirst.length) console.log(`    record went to an endpoint other than the forward's first created: ${recordNotFirst.join('; ')}`);
    if (notApproved.length) console.log(`  NOT Approved + DNS decided (${notApproved.length}):\n    ${notApproved.slice(0, 20).join('\n    ')}${notApproved.length > 20 ? `\n    ... ${notApproved.length - 20} more` : ''}`);
    if (recordCheck.length) console.log(`  A records not matching the status (${recordCheck.length}): ${recordCheck.join('; ')}`);
    else console.log(`  A records svc-0..svc-${FORWARDS - 1} in internal.net hold the IP the status shows as written: yes`);
    console.log(`  ARM requests by the product during the run: ${product.length} (${reads} reads, ${writes} writes/actions/deletes; ${dnsReq} of them private DNS)`);
    console.log(`    per new connection: ${(product.length / newConns).toFixed(2)} (${(reads / newConns).toFixed(2)} reads, ${(writes / newConns).toFixed(2)} writes)   (target <= 6 including DNS: ${mark(product.length / newConns <= 6)})`);
    console.log(`    by request (count, method, resource type):\n${table(product, '      ')}`);
    console.log(`  (the consumers' own endpoint creations, not counted above: ${consumer.length} requests)`);
    console.log(`idle sweep pass (POST /admin/functions/connectionsSweep -> ${sweepResp.status}): ${sweepLog.length} ARM requests, ${(sweepLog.length / FORWARDS).toFixed(2)} per forward, ${sweepWrites.length} writes`);
    console.log(`  connection lists: ${listCounts.reduce((a, b) => a + b, 0)} over ${listsByPls.size}/${FORWARDS} forwards (max ${Math.max(0, ...listCounts)} for one forward)   (target one list per forward, 0 writes: ${mark(listsByPls.size === FORWARDS && listCounts.every((n) => n === 1) && sweepLog.length === FORWARDS && sweepWrites.length === 0)})`);
    if (sweepLog.length) console.log(`  by request:\n${table(sweepLog, '      ')}`);
  } finally {
    await s.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench/connections failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
