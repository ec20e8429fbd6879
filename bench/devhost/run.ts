import { benchArea } from '../figures';
import type { FigureLabel } from '../areas';
import * as path from 'node:path';
import { startDevhost } from '../../tools/devhost/index';
import { createLogger } from '../../tools/devhost/log';

/**
 * devhost's own overhead: HTTP trigger round trips and Event Grid deliveries through real HTTP on
 * 127.0.0.1 with the fixture app (test/fixtures/devhost-app, compiled by npm run build). Prints
 * requests/s and p50/p99 latency; sizes: bench/areas.ts (requests 5000, smoke 200; concurrency 32,
 * smoke 8). Exits 1 when a request is answered wrongly.
 */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const bench = benchArea('devhost');
const REQUESTS = bench.sizes.requests;
const CONCURRENCY = bench.sizes.concurrency;

async function measure(label: FigureLabel<'devhost'>, count: number, once: (i: number) => Promise<void>): Promise<void> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await once(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);
  bench.figure(label, `${count} in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(0)}/s, p50 ${pct(50)} ms, p99 ${pct(99)} ms (concurrency ${CONCURRENCY})`);
}

async function main(): Promise<void> {
  const host = await startDevhost({
    appDir: REPO_ROOT,
    main: 'dist/test/fixtures/devhost-app/*.js',
    port: 0,
    logger: createLogger({ write: () => undefined }),
    env: { DEVHOST_FIXTURE_SLOW_SCHEDULE: '0 0 0 1 1 *' },
  });
  try {
    const expectOk = (res: Response, status: number) => {
      if (res.status !== status) throw new Error(`unexpected ${res.status}`);
    };
    await measure('HTTP GET /api/hello/{name}', REQUESTS, async (i) => {
      const res = await fetch(`${host.url}/api/hello/n${i}`);
      await res.arrayBuffer();
      expectOk(res, 200);
    });
    const body = Buffer.alloc(16 * 1024, 7);
    await measure('HTTP PUT /api/echo/{*rest} with 16 KiB raw body', REQUESTS, async (i) => {
      const res = await fetch(`${host.url}/api/echo/a/${i}`, { method: 'PUT', body });
      await res.arrayBuffer();
      expectOk(res, 201);
    });
    const batch = Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, eventType: 'Bench', subject: '/bench', eventTime: new Date().toISOString(), dataVersion: '1', data: {} }));
    await measure('Event Grid delivery of 10 events', Math.max(1, Math.floor(REQUESTS / 10)), async () => {
      const res = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=onResourceEvent`, { method: 'POST', body: JSON.stringify(batch), headers: { 'aeg-event-type': 'Notification' } });
      await res.arrayBuffer();
      expectOk(res, 200);
    });
  } finally {
    await host.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench/devhost: ${err.message}\n`);
  process.exit(1);
});
