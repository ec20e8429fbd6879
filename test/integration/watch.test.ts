import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, startStack, type Stack } from './helpers/stack';

/**
 * `npm run watch -- <forward>` (node dist/scripts/watch.js) against the product: it ends as soon
 * as the forward's current generation has settled, with the exit code of how it ended — also
 * when that generation failed before anything was ever provisioned (observedGeneration stays 0).
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  s = await startStack();
}, 90_000);
afterAll(() => s?.stop());

/** Runs watch until it exits; its timeout is long enough to tell "settled" (0/1) from "gave up" (3). */
function watch(name: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/scripts/watch.js'), name, '--url', s.url, '--interval-ms', '200', '--timeout-s', '40'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

it.each([
  ['its first generation fails (the resource group does not exist): exits 1 on Failed', 'nope', { ...example, nodes: { count: 1 }, placement: { resourceGroup: 'rg-nope' } }, 1, /nope settled: Failed/, /✗ Ready ResourceGroupNotFound: /],
  ['it reaches Ready: exits 0', 'fine', { ...example, nodes: { count: 1 } }, 0, /fine settled: Ready/, /✓ Ready Reconciled: generation 1 is provisioned/],
])('%s', async (_situation, name, spec, code, settledLine, conditionLine) => {
  const put = await s.api('PUT', `/api/forwards/${name}`, spec);
  expect(put.status).toBe(202);
  const started = Date.now();
  const r = await watch(name);
  expect(r).toEqual({ code, out: expect.stringMatching(settledLine) });
  expect(r.out).toMatch(conditionLine);
  // Settled, not timed out: well inside watch's own 40 s.
  expect(Date.now() - started).toBeLessThan(30_000);
}, 60_000);
