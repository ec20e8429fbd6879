import { benchArea } from '../figures';
import { progress } from '../progress';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { renderRuleset, type DataPlaneView } from '../../dataplane';
import { buildTopology, connectMany, FORWARDER_IP, netnsUnavailableReason, sleep, startServer, TARGET_IPS, writeScripts } from '../../test/dataplane/helpers/netns';

/**
 * Forwarder throughput and connection rate in the namespace topology of the data-plane tests:
 *   - iperf3 client -> target routed directly (no NAT), through the forwarder's nftables DNAT,
 *     and through a userspace proxy (socat) on the forwarder;
 *   - new TCP connections per second, direct vs through the forwarder.
 * Interleaved rounds, medians (sizes: bench/areas.ts; smoke: 1 round of 1 s runs and 200
 * connections). Prints figures and ratios (the bar: forwarder >= 0.95x direct throughput). Needs
 * root, iproute2, nftables, iperf3 and socat: without them it says what is missing and is skipped,
 * except with PLF_REQUIRE_NETNS=1 (CI), where it fails (the same rule as test/dataplane's netns tests).
 */
const bench = benchArea('dataplane');
const SECONDS = bench.sizes.seconds;
const CONNECTIONS = bench.sizes.connections;
const ROUNDS = bench.sizes.rounds;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function iperf(topo: ReturnType<typeof buildTopology>, host: string, port: number): number {
  const out = topo.exec(topo.client, 'iperf3', ['-c', host, '-p', String(port), '-t', String(SECONDS), '-J']);
  return (JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second;
}

function connRate(topo: ReturnType<typeof buildTopology>, client: string, host: string): number {
  const started = process.hrtime.bigint();
  const results = connectMany(topo, client, topo.client, { host, port: 8000, count: CONNECTIONS, concurrency: 16 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const failed = results.filter((r) => r === null).length;
  if (failed) console.log(`  (${failed} of ${CONNECTIONS} connections failed)`);
  return CONNECTIONS / seconds;
}

const gbit = (bps: number) => `${(bps / 1e9).toFixed(2)} Gbit/s`;

async function main(): Promise<void> {
  const reason = netnsUnavailableReason();
  const missing = ['iperf3', 'socat'].filter((c) => spawnSync(c, ['-h']).error);
  if (reason || missing.length) return bench.cannotRun(reason ?? `missing ${missing.join(', ')} (apt-get install ${missing.join(' ')})`);
  const topo = buildTopology();
  try {
    const scripts = writeScripts(topo.dir);
    topo.exec(topo.forwarder, 'sysctl', ['-w', 'net.ipv4.ip_forward=1']);
    topo.spawnIn(topo.targets[0], 'iperf3', ['-s', '-p', '5201']);
    await startServer(topo, scripts.server, topo.targets[0], 'target0', [8000]);
    // A userspace proxy on the forwarder (what a socat/haproxy forwarder would give), on its own port.
    topo.spawnIn(topo.forwarder, 'socat', [`TCP-LISTEN:5202,fork,reuseaddr`, `TCP:${TARGET_IPS[0]}:5201`]);
    await sleep(300);

    // The production ruleset with one target, loaded for the "forwarder" runs and deleted for the
    // others: "direct" is the same path routed by the forwarder namespace without any netfilter.
    const view: DataPlaneView = {
      forward: 'bench',
      ports: [
        { port: 5201, targetPort: 5201 },
        { port: 8000, targetPort: 8000 },
      ],
      targets: [TARGET_IPS[0]],
      allowedSources: ['10.0.1.0/26', '168.63.129.16/32'],
      healthPort: 8000,
      agent: { intervalSeconds: 5, connectTimeoutSeconds: 2 },
    };
    const forwarding = (on: boolean) =>
      on ? topo.exec(topo.forwarder, 'nft', ['-f', '-'], renderRuleset(view)) : spawnSync('ip', ['netns', 'exec', topo.forwarder, 'nft', 'delete', 'table', 'ip', 'plf']);

    // Interleaved rounds (the order alternates) and medians: a shared machine drifts a lot between runs.
    // Conntrack alone (no NAT, one accept rule): the floor any stateful kernel NAT pays per packet.
    const CONNTRACK_ONLY = 'table ip plfct {\n  chain forward {\n    type filter hook forward priority filter; policy accept;\n    ct state established accept\n  }\n}\n';
    const samples = { direct: [] as number[], forwarded: [] as number[], socat: [] as number[], conntrack: [] as number[], directRate: [] as number[], forwardedRate: [] as number[] };
    const rounds = progress('rounds', ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      rounds.tick(round);
      for (const on of round % 2 ? [true, false] : [false, true]) {
        forwarding(on);
        (on ? samples.forwarded : samples.direct).push(iperf(topo, on ? FORWARDER_IP : TARGET_IPS[0], 5201));
        (on ? samples.forwardedRate : samples.directRate).push(connRate(topo, scripts.client, on ? FORWARDER_IP : TARGET_IPS[0]));
      }
      forwarding(false);
      samples.socat.push(iperf(topo, FORWARDER_IP, 5202));
      topo.exec(topo.forwarder, 'nft', ['-f', '-'], CONNTRACK_ONLY);
      samples.conntrack.push(iperf(topo, TARGET_IPS[0], 5201));
      topo.exec(topo.forwarder, 'nft', ['delete', 'table', 'ip', 'plfct']);
    }
    const direct = median(samples.direct);
    const forwarded = median(samples.forwarded);
    const proxied = median(samples.socat);
    const tracked = median(samples.conntrack);
    const directRate = median(samples.directRate);
    const forwardedRate = median(samples.forwardedRate);
    const list = (xs: number[], f: (x: number) => string) => xs.map(f).join(', ');

    rounds.end();
    console.log(`data plane bench: ${ROUNDS} interleaved rounds of ${SECONDS} s single-stream iperf3 runs and ${CONNECTIONS} new connections (16 at a time), medians; veth pairs in network namespaces on ${os.cpus().length} CPUs`);
    bench.figure('throughput direct (routed)', `${gbit(direct)}   [${list(samples.direct, gbit)}]`);
    bench.figure('throughput via forwarder (nft DNAT)', `${gbit(forwarded)}   ${(forwarded / direct).toFixed(2)}x direct   [${list(samples.forwarded, gbit)}]   (bar: >= 0.95x)`);
    bench.figure('throughput routed + conntrack only', `${gbit(tracked)}   ${(tracked / direct).toFixed(2)}x direct   [${list(samples.conntrack, gbit)}]   (the floor of any stateful NAT; forwarder vs this: ${(forwarded / tracked).toFixed(2)}x)`);
    bench.figure('throughput via socat on forwarder', `${gbit(proxied)}   ${(proxied / direct).toFixed(2)}x direct   [${list(samples.socat, gbit)}]`);
    const paired = median(samples.forwarded.map((f, i) => f / samples.direct[i]));
    bench.figure('throughput forwarder/direct, paired per round', `median ${paired.toFixed(2)}x   [${list(samples.forwarded.map((f, i) => f / samples.direct[i]), (r) => r.toFixed(2))}]   (same minute)`);
    bench.figure('new connections/s direct', `${directRate.toFixed(0)}   [${list(samples.directRate, (r) => r.toFixed(0))}]`);
    bench.figure('new connections/s via forwarder', `${forwardedRate.toFixed(0)}   ${(forwardedRate / directRate).toFixed(2)}x direct   [${list(samples.forwardedRate, (r) => r.toFixed(0))}]`);
  } finally {
    topo.destroy();
  }
}

main().catch((err: Error) => {
  console.error(`bench/dataplane failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
