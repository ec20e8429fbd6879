import { benchArea } from '../figures';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { azureClients } from '../../azure/client-factory';
import { ENSURE_ORDER, SERVICES } from '../../azure/order';
import { listNodes } from '../../azure/scale-set/instances';
import { parseForwardSpec, type ForwardSpec } from '../../core/forward-spec';
import { ForwardRegistry } from '../../store/forward-registry';
import { IDS } from '../../test/emulator/helpers/emulator';
import { TEST_SSH_KEY } from '../../test/emulator/helpers/forwarder-fixture';
import { eventually, ROOT, startStack, type Stack } from '../../test/integration/helpers/stack';
import { loadTopology, type Topology } from '../../tools/emulator/topology/topology';

/**
 * The health watch at scale (devhost + Azurite + the emulator, real SDK clients). Its own
 * topology: the hub VNet 10.0.0.0/16 with the forwards' subnet 10.0.16.0/20 (the default /26
 * holds about 19 forwards). N forwards (bench/areas.ts: 1000, smoke 5) of 1 node each
 * are seeded straight through ARM — the product's own ensure() of LB, scale set and PLS, no
 * orchestration — and registered in the registry with their status (resources, nodes), as a
 * converged reconcile would leave them. Then, with the emulator's metric grain at 5 s (smoke: 2 s;
 * points published 10 s after their grain closes, smoke 1 s; PLF_HEALTH_METRIC_DELAY_SECONDS set to
 * match) and sweeps invoked through devhost's admin endpoint one grain apart, it measures:
 *  - metrics batch calls per sweep (target <= 20 for DipAvailability + <= 20 for PLSNatPortsUsage),
 *  - ARM (non-metrics) requests per sweep when all are healthy (target 0), from the emulator's log,
 *  - sweep wall time (first sweep: writes every health section; steady: writes nothing),
 *  - from one node broken (hung) to healthy again, in sweeps and seconds.
 * Prints figures; asserts nothing; exits 1 when the broken node was not healed within 40 sweeps.
 * Most of its wall time is waiting on real metric grains (first point published, then one grain
 * between sweeps).
 */
const bench = benchArea('health');
const N = bench.sizes.forwards;
const CONCURRENCY = 20;
const GRAIN_S = bench.sizes.grainSeconds;
const DELAY_S = bench.sizes.publicationDelaySeconds;
const progress = (line: string) => process.stderr.write(`  .. ${line}\n`);
type Entry = { method: string; path: string; resourceType?: string };

/** The emulator's default topology (a copy, from the loader the emulator itself uses) with the hub VNet widened. */
function topology(): Topology {
  const t = loadTopology();
  for (const sub of t.subscriptions) for (const rg of sub.resourceGroups) for (const v of rg.virtualNetworks ?? []) {
    if (v.name !== 'vnet-hub') continue;
    v.addressPrefixes = ['10.0.0.0/16'];
    for (const sn of v.subnets) if (sn.name === 'shared') sn.addressPrefix = '10.0.16.0/20';
  }
  return t;
}

async function pool<T>(items: T[], n: number, work: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  }));
}

async function main(): Promise<void> {
  const s: Stack = await startStack({ PLF_HEALTH_SCHEDULE: '0 0 0 1 1 *', PLF_HEALTH_GRACE_SECONDS: '0', PLF_HEALTH_WINDOW_SECONDS: '120', PLF_POLL_INTERVAL_MS: '500', PLF_CONNECTIONS_SCHEDULE: '0 0 0 1 1 *', PLF_RECONCILE_SCHEDULE: '0 0 0 1 1 *' }, { topology: topology() }, { grainSeconds: GRAIN_S, publicationDelaySeconds: DELAY_S });
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-bench-health-'));
    const caFile = path.join(dir, 'ca.pem');
    fs.writeFileSync(caFile, s.emu.emu.caPem);
    const clients = azureClients({ PLF_ARM_ENDPOINT: s.emu.emu.url, PLF_ARM_CA_FILE: caFile });
    const registry = new ForwardRegistry(s.azurite.connectionString);
    const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown> & { nodes: object };
    const parsed = parseForwardSpec({ ...example, nodes: { ...example.nodes, count: 1 }, probes: [] });
    if (!parsed.ok) throw new Error('bad spec');
    const spec: ForwardSpec = parsed.spec;
    const placement = { subscriptionId: IDS.hubSub, resourceGroup: IDS.hubRg, subnetId: IDS.hubShared.replace(/\/shared$/, '/shared'), location: IDS.location };
    const t0 = Date.now();
    await pool(Array.from({ length: N }, (_, i) => `h${i}`), CONCURRENCY, async (name, i) => {
      const ids: Record<string, string> = {};
      // The scale set needs the nodes' SSH key (the ensure activity supplies the operator's or a generated one): the tests' key.
      for (const kind of ENSURE_ORDER) ids[kind] = (await SERVICES[kind].ensure({ clients, forward: name, spec, placement, natSubnetPrefix: '10.0.16.0/20', sshPublicKey: TEST_SSH_KEY })).id;
      const nodes = await listNodes(clients, name, placement);
      const put = await registry.putSpec(name, spec);
      await registry.setStatus(name, { phase: 'Ready', observedGeneration: put.record.generation, conditions: [], resources: { loadBalancerId: ids.loadBalancer, scaleSetId: ids.scaleSet, privateLinkServiceId: ids.privateLinkService }, nodes });
      if ((i + 1) % 100 === 0) progress(`seeded ${i + 1}/${N} forwards (${Math.round((Date.now() - t0) / 1000)} s)`);
    });
    const seedMs = Date.now() - t0;
    // Points are published late (the emulator's delay of two grains, as Azure publishes minutes
    // late): wait for the last seeded forward's first published point, so the first sweep has data.
    const lastLb = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/plf-h${N - 1}-lb`;
    await eventually(async () => {
      const [r] = await s.emu.metrics().queryResources([lastLb], ['DipAvailability'], 'Microsoft.Network/loadBalancers', { startTime: new Date(Date.now() - 120_000), endTime: new Date() });
      return r.metrics[0]?.timeseries[0]?.data?.some((p) => typeof p.average === 'number') ? true : undefined;
    }, 'a published metric point', 120_000, 1000);

    const sweepLines = () => s.output().split('\n').filter((l) => /health sweep: /.test(l));
    const sweep = async (): Promise<{ ms: number; line: string; arm: number; metrics: number }> => {
      await s.emu.control('DELETE', '/requests');
      const before = sweepLines().length;
      const start = Date.now();
      await s.api('POST', '/admin/functions/healthSweep', {});
      await eventually(async () => (sweepLines().length > before ? true : undefined), 'sweep', 600_000, 50);
      const ms = Date.now() - start;
      const log = (await s.emu.control<{ value: Entry[] }>('GET', '/requests')).body.value;
      const metrics = log.filter((e) => /metrics:getBatch/i.test(e.path)).length;
      return { ms, line: sweepLines().pop()!, arm: log.length - metrics, metrics };
    };
    const first = await sweep();
    progress(`first sweep: ${first.line.replace(/^.*health sweep: /, '')}`);
    await new Promise((r) => setTimeout(r, GRAIN_S * 1000));
    const steady = await sweep();

    // One node broken (hung: a single-node forward is recycled only on node-level evidence).
    const victim = (await registry.get('h0'))!.status.nodes[0];
    const brokeAt = Date.now();
    await s.emu.control('POST', '/nodes/break', { target: victim.ip, mode: 'hung' });
    let sweeps = 0;
    let healed = false;
    while (!healed && sweeps < 40) {
      await new Promise((r) => setTimeout(r, GRAIN_S * 1000));
      await sweep();
      sweeps++;
      const r = await s.api<{ status: { nodes: { health: string }[]; conditions: { type: string; status: string }[] } }>('GET', '/api/forwards/h0');
      const recycled = (await s.api<{ value: { action: string }[] }>('GET', '/api/forwards/h0/actions')).body.value.some((a) => a.action === 'verify-verified');
      healed = recycled && r.body.status.nodes.every((n) => n.health === 'healthy');
    }
    const healMs = Date.now() - brokeAt;

    console.log(`\nhealth watch, ${N} forwards x 1 node (metric grain ${GRAIN_S} s, points published ${DELAY_S} s after their grain closes; sweeps invoked through devhost's admin endpoint)`);
    console.log(`  seeding through ARM + registry: ${Math.round(seedMs / 1000)} s (not the product's provisioning path)`);
    bench.figure('metrics batch calls per sweep', `${steady.metrics}   (target <= 40: <= 20 DipAvailability + <= 20 PLSNatPortsUsage; ${Math.ceil(N / 50)} + ${Math.ceil(N / 50)} at 50 ids per call for ${N} forwards)`);
    const armOf = (line: string) => Number(/(\d+) ARM read\(s\)/.exec(line)?.[1] ?? NaN);
    bench.figure('ARM reads made by a healthy sweep', `first ${armOf(first.line)}, steady ${armOf(steady.line)}   (target 0; the sweep's own count)`);
    bench.figure('non-metrics ARM requests per sweep', `first ${first.arm}, steady ${steady.arm}   (the emulator's log; the reconcile sweep is off here: the seeded forwards get no reconcile loops)`);
    bench.figure('sweep wall time', `first ${first.ms} ms (writes ${N} health sections), steady ${steady.ms} ms`);
    bench.figure('node broken (hung) -> healthy again', healed ? `${sweeps} sweeps, ${Math.round(healMs / 1000)} s (sweeps ${GRAIN_S} s apart, grace 0, 2 samples)` : `not within ${sweeps} sweeps`);
    console.log(`  sweep log: ${steady.line.replace(/^.*health sweep: /, '')}`);
    if (!healed) {
      console.error(`bench/health could not measure the heal: the broken node was not healthy again within ${sweeps} sweeps`);
      process.exitCode = 1;
    }
  } finally {
    await s.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
