/**
 * Every benchmark area (a folder bench/<area>/ with a run.ts) and what it needs from one place:
 *  - `sizes`: each size knob (forwards, requests, seconds, rounds…) with its full value (today's
 *    figures), its smoke value (`PLF_BENCH_SMOKE=1`: small enough for CI, bench/size.ts) and the
 *    environment variable that overrides both;
 *  - `figures`: the labels of the figure lines it prints (bench/figures.ts), the same in both modes;
 *    `npm run bench` fails an area that exits 0 without printing every one of them (bench/verdict.ts).
 * test/unit/bench-areas.test.ts checks that every bench/<area>/ folder has an entry here, so an area
 * added later honours PLF_BENCH_SMOKE and is checked like the others.
 */
export interface SizeKnob {
  /** Overrides the value in both modes (a positive number). */
  readonly env: string;
  readonly full: number;
  readonly smoke: number;
  /** What the number counts, e.g. "forwards", "s per phase". */
  readonly unit: string;
}

export interface AreaEntry {
  readonly sizes: Readonly<Record<string, SizeKnob>>;
  /** Figure labels: constant text (no ": ", sizes go in the value), printed as `[area] label: value`. */
  readonly figures: readonly string[];
  /**
   * Why this area may be skipped (it needs what a developer's machine may lack): it may print
   * `[area] skipped: <reason>` and exit 0, except with PLF_REQUIRE_NETNS=1 (CI), where it must run.
   */
  readonly mayBeSkipped?: string;
}

export const AREAS = {
  connections: {
    sizes: {
      forwards: { env: 'PLF_BENCH_CONN_FORWARDS', full: 10, smoke: 2, unit: 'forwards' },
      endpointsPerForward: { env: 'PLF_BENCH_CONN_ENDPOINTS', full: 10, smoke: 2, unit: 'private endpoints per forward' },
      concurrency: { env: 'PLF_BENCH_CONN_CONCURRENCY', full: 10, smoke: 4, unit: 'endpoint creations at a time' },
      timeoutMs: { env: 'PLF_BENCH_CONN_TIMEOUT_MS', full: 180_000, smoke: 60_000, unit: 'ms until every endpoint is shown decided' },
    },
    figures: [
      'forwards (2 nodes each) -> all Ready',
      'created -> shown Approved + DNS decided',
      'created -> approval PUT sent to ARM',
      'created -> A record PUT sent, per forward',
      'ARM requests per new connection',
      'idle sweep pass ARM requests per forward',
    ],
  },
  dataplane: {
    sizes: {
      seconds: { env: 'PLF_BENCH_SECONDS', full: 3, smoke: 1, unit: 's per iperf3 run' },
      connections: { env: 'PLF_BENCH_CONNECTIONS', full: 2000, smoke: 200, unit: 'new connections per rate sample' },
      rounds: { env: 'PLF_BENCH_ROUNDS', full: 3, smoke: 1, unit: 'interleaved rounds' },
    },
    figures: [
      'throughput direct (routed)',
      'throughput via forwarder (nft DNAT)',
      'throughput routed + conntrack only',
      'throughput via socat on forwarder',
      'throughput forwarder/direct, paired per round',
      'new connections/s direct',
      'new connections/s via forwarder',
    ],
    mayBeSkipped: 'needs root, iproute2, nftables, iperf3 and socat (network namespaces)',
  },
  devhost: {
    sizes: {
      requests: { env: 'PLF_BENCH_REQUESTS', full: 5000, smoke: 200, unit: 'requests per phase' },
      concurrency: { env: 'PLF_BENCH_CONCURRENCY', full: 32, smoke: 8, unit: 'callers' },
    },
    figures: ['HTTP GET /api/hello/{name}', 'HTTP PUT /api/echo/{*rest} with 16 KiB raw body', 'Event Grid delivery of 10 events'],
  },
  emulator: {
    sizes: {
      seconds: { env: 'PLF_BENCH_SECONDS', full: 3, smoke: 1, unit: 's per phase' },
      concurrency: { env: 'PLF_BENCH_CONCURRENCY', full: 8, smoke: 2, unit: 'callers' },
    },
    figures: ['GET virtualNetworks/vnet-hub', 'PUT loadBalancers (LRO, AndWait)', 'PUT+DELETE VMSS, 3 instances (LRO)', 'memory (bench + emulator in one process)'],
  },
  engine: {
    sizes: {
      orchestrations: { env: 'PLF_BENCH_ORCHESTRATIONS', full: 1000, smoke: 20, unit: 'orchestrations per store' },
    },
    figures: ['in-memory store', 'Azure Tables store (Azurite)'],
  },
  health: {
    sizes: {
      forwards: { env: 'PLF_BENCH_HEALTH_FORWARDS', full: 1000, smoke: 5, unit: 'forwards of 1 node' },
      grainSeconds: { env: 'PLF_BENCH_HEALTH_GRAIN_SECONDS', full: 5, smoke: 2, unit: 's metric grain (and between sweeps)' },
      publicationDelaySeconds: { env: 'PLF_BENCH_HEALTH_PUBLICATION_DELAY_SECONDS', full: 10, smoke: 1, unit: 's from a grain closing to its point published' },
    },
    figures: ['metrics batch calls per sweep', 'ARM reads made by a healthy sweep', 'non-metrics ARM requests per sweep', 'sweep wall time', 'node broken (hung) -> healthy again'],
  },
  lifecycle: {
    sizes: {
      forwards: { env: 'PLF_BENCH_FORWARDS', full: 50, smoke: 3, unit: 'forwards created at once' },
    },
    figures: ['create one forward (2 nodes) -> Ready', 'no-op reconcile pass (identical PUT)', 'delete', 'forwards (1 node each) at once -> all Ready'],
  },
  probes: {
    sizes: {
      runs: { env: 'PLF_BENCH_PROBE_RUNS', full: 10, smoke: 2, unit: 'manual runs per forward' },
    },
    figures: [
      'ARM requests per run, 1 port',
      'wall time per run, 1 port',
      'ARM requests per run, 3 ports',
      'wall time per run, 3 ports',
      'probes timer tick with the cleanup sweep due',
      'probes timer idle tick',
    ],
  },
} as const satisfies Readonly<Record<string, AreaEntry>>;

export type AreaName = keyof typeof AREAS;
export type FigureLabel<A extends AreaName> = (typeof AREAS)[A]['figures'][number];
export type SizeName<A extends AreaName> = keyof (typeof AREAS)[A]['sizes'];

export function isAreaName(name: string): name is AreaName {
  return Object.prototype.hasOwnProperty.call(AREAS, name);
}
