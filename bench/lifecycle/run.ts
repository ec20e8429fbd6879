import { benchArea } from '../figures';
import { progress } from '../progress';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IDS } from '../../test/emulator/helpers/emulator';
import { eventually, ROOT, startStack, type Stack } from '../../test/integration/helpers/stack';

/**
 * Forward lifecycle through the HTTP API on devhost + Azurite + the emulator (zero LRO delay):
 * ARM reads and writes per create, per no-op reconcile pass and per delete (from the emulator's
 * request log), time to Ready for one forward, and time until 50 forwards created at once are
 * all Ready (sizes: bench/areas.ts, PLF_BENCH_SMOKE=1 for the smoke size). Prints figures;
 * asserts nothing; exits 1 when a forward does not get Ready (then nothing was measured).
 */
const bench = benchArea('lifecycle');
const MANY = bench.sizes.forwards;
const BIG_SUBNET = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/virtualNetworks/vnet-bench/subnets/forwards`;
type Entry = { method: string; kind: string };

async function counts(s: Stack): Promise<{ reads: number; writes: number; deletes: number; total: number }> {
  const log = (await s.emu.control<{ value: Entry[] }>('GET', '/requests')).body.value;
  await s.emu.control('DELETE', '/requests');
  return { reads: log.filter((e) => e.kind === 'read').length, writes: log.filter((e) => e.kind === 'write' || e.kind === 'action').length, deletes: log.filter((e) => e.kind === 'delete').length, total: log.length };
}

const fmt = (c: { reads: number; writes: number; deletes: number }) => `ARM ${c.reads} reads, ${c.writes} writes/actions, ${c.deletes} deletes`;

async function main(): Promise<void> {
  const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown>;
  const s = await startStack({ PLF_HUB_SUBNET_ID: BIG_SUBNET, PLF_POLL_INTERVAL_MS: '50' });
  try {
    // A /20 so 50 forwards (frontend, NAT IP and nodes each) fit.
    await s.emu.network().virtualNetworks.beginCreateOrUpdateAndWait(IDS.hubRg, 'vnet-bench', {
      location: IDS.location,
      addressSpace: { addressPrefixes: ['10.50.0.0/16'] },
      subnets: [{ name: 'forwards', addressPrefix: '10.50.0.0/20', privateLinkServiceNetworkPolicies: 'Disabled', privateEndpointNetworkPolicies: 'Disabled' }],
    });
    const ready = (name: string, generation = 1) =>
      eventually(async () => {
        const r = await s.api<{ status: { phase: string; observedGeneration: number } }>('GET', `/api/forwards/${name}`);
        return r.status === 200 && r.body.status.observedGeneration >= generation && r.body.status.phase === 'Ready' ? r.body : undefined;
      }, `${name} Ready`, 600_000);
    const updatedAt = async (name: string) => (await s.api<{ updatedAt: string }>('GET', `/api/forwards/${name}`)).body.updatedAt;

    await counts(s);
    let t0 = Date.now();
    await s.api('PUT', '/api/forwards/one', example);
    await ready('one');
    const createMs = Date.now() - t0;
    const create = await counts(s);

    const before = await updatedAt('one');
    await s.api('PUT', '/api/forwards/one', example);
    await eventually(async () => ((await updatedAt('one')) !== before ? true : undefined), 'a no-op pass');
    const noop = await counts(s);

    await s.api('DELETE', '/api/forwards/one');
    await eventually(async () => ((await s.api('GET', '/api/forwards/one')).status === 404 ? true : undefined), 'delete');
    const del = await counts(s);

    t0 = Date.now();
    await Promise.all(Array.from({ length: MANY }, (_, i) => s.api('PUT', `/api/forwards/f${i}`, { ...example, nodes: { count: 1 } })));
    const readyProgress = progress(`${MANY} forwards Ready`, MANY);
    let readyCount = 0;
    await Promise.all(Array.from({ length: MANY }, (_, i) => ready(`f${i}`).then(() => readyProgress.tick(++readyCount))));
    readyProgress.end();
    const manyMs = Date.now() - t0;
    const many = await counts(s);

    console.log(`lifecycle bench: devhost (tables on Azurite) + emulator with zero LRO delay, poll interval 50 ms, Node ${process.version}`);
    bench.figure('create one forward (2 nodes) -> Ready', `${createMs} ms, ${fmt(create)}`);
    bench.figure('no-op reconcile pass (identical PUT)', fmt(noop));
    bench.figure('delete', fmt(del));
    bench.figure('forwards (1 node each) at once -> all Ready', `${MANY} forwards in ${manyMs} ms, ARM ${many.total} requests (${(many.total / MANY).toFixed(1)} per forward)`);
  } finally {
    await s.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench/lifecycle failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
