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

// A terminal ARM error on the scale set's PUT, in the hub resource group (where the roles test
// expects every product call: a made-up resource group would be a call no role grants).
const TERMINAL = { kind: 'error', status: 400, code: 'InvalidParameter', message: 'The VM size is not allowed here.', method: 'PUT', resourceType: 'Microsoft.Compute/virtualMachineScaleSets', rate: 1 };

it.each([
  ['its first generation fails (a terminal ARM error): exits 1 on Failed', 'nope', TERMINAL, 1, /nope settled: Failed/, /✗ Ready InvalidParameter: /],
  ['it reaches Ready: exits 0', 'fine', undefined, 0, /fine settled: Ready/, /✓ Ready Reconciled: generation 1 is provisioned/],
])('%s', async (_situation, name, fault, code, settledLine, conditionLine) => {
  if (fault) expect((await s.emu.control('POST', '/faults', fault)).status).toBe(201);
  try {
    const put = await s.api('PUT', `/api/forwards/${name}`, { ...example, nodes: { count: 1 } });
    expect(put.status).toBe(202);
    const started = Date.now();
    const r = await watch(name);
    expect(r).toEqual({ code, out: expect.stringMatching(settledLine) });
    expect(r.out).toMatch(conditionLine);
    // Settled, not timed out: well inside watch's own 40 s.
    expect(Date.now() - started).toBeLessThan(30_000);
  } finally {
    await s.emu.control('DELETE', '/faults');
  }
}, 60_000);
