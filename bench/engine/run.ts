import { benchArea } from '../figures';
import { progress } from '../progress';
import * as path from 'node:path';
import { startAzurite } from '../../tools/devhost/durable/azurite';
import { startDevhost } from '../../tools/devhost/index';
import { createLogger } from '../../tools/devhost/log';

/**
 * Durable engine throughput: N orchestrations (bench/areas.ts: 1000, smoke 20) of three
 * activities each (`Sequence` of the fixture app), started through the management API 50 at a
 * time, with the in-memory store and with Azure Tables on Azurite. Prints orchestrations/s and
 * p50/p99 start-to-complete latency (created -> completed, the engine's own timestamps). Exits 1
 * when an orchestration does not complete (the figure would not be of what it names).
 */
const bench = benchArea('engine');
const COUNT = bench.sizes.orchestrations;
const WAVE = 50;
const appDir = path.resolve(__dirname, '../../../test/fixtures/app');

async function runOnce(store: 'memory' | 'tables', connection?: string): Promise<void> {
  const host = await startDevhost({
    appDir,
    port: 0,
    store,
    ...(connection ? { storageConnection: connection, hub: `bench${Date.now() % 100000}` } : {}),
    logger: createLogger({ write: () => undefined }),
  });
  try {
    const started = Date.now();
    const ids: string[] = [];
    for (let at = 0; at < COUNT; at += WAVE) {
      const wave = await Promise.all(
        Array.from({ length: Math.min(WAVE, COUNT - at) }, async (_, i) => {
          const res = await fetch(`${host.url}/runtime/webhooks/durabletask/orchestrators/Sequence/b${at + i}`, { method: 'POST', body: JSON.stringify(['a', 'b', 'c']) });
          if (res.status !== 202) throw new Error(`start failed: ${res.status} ${await res.text()}`);
          return `b${at + i}`;
        }),
      );
      ids.push(...wave);
    }
    const finished = progress('orchestrations completed', ids.length);
    let count = 0;
    const done = await Promise.all(ids.map((id) => host.durable.engine.waitForTerminal(id, 600_000).then((r) => (finished.tick(++count), r))));
    finished.end();
    const elapsed = (Date.now() - started) / 1000;
    const failed = done.filter((d) => d?.status !== 'Completed').length;
    const latencies = done.map((d) => Date.parse(d!.lastUpdatedTime) - Date.parse(d!.createdTime)).sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
    bench.figure(
      store === 'memory' ? 'in-memory store' : 'Azure Tables store (Azurite)',
      `${COUNT} orchestrations x 3 activities: ${(COUNT / elapsed).toFixed(0)} orchestrations/s ` +
        `(${elapsed.toFixed(1)} s), start-to-complete p50 ${pct(50)} ms, p99 ${pct(99)} ms, failed ${failed}, rss ${rss} MiB`,
    );
    if (failed) {
      console.error(`bench/engine: ${failed} of ${COUNT} orchestrations did not complete (${store} store)`);
      process.exitCode = 1;
    }
  } finally {
    await host.stop();
  }
}

async function main(): Promise<void> {
  console.log(`durable engine bench: Node ${process.version}, host.json limits of the fixture app (4 activities / 4 orchestrators at once)`);
  await runOnce('memory');
  const azurite = await startAzurite({ inMemory: true });
  try {
    await runOnce('tables', azurite.connectionString);
  } finally {
    await azurite.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench/engine failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
