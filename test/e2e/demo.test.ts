import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../integration/helpers/stack';

/**
 * `npm run demo` end to end, as a newcomer runs it with no stack running: it starts its own stack,
 * every step behaves, it exits 0 and stops what it started.
 */
it('npm run demo: every step behaves and the stack it started is stopped', async () => {
  const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-demo-test-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/scripts/demo.js')], { cwd: ROOT, env: { ...process.env, PLF_LOCAL_DIR: localDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect({ code, out }).toEqual({ code: 0, out: expect.stringContaining('demo: every step behaved') });
  expect(out).not.toMatch(/^✗/m);
  const api = /demo: stack up — API (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  expect(api).toBeDefined();
  await expect(fetch(`${api}/api/health`)).rejects.toThrow();
  fs.rmSync(localDir, { recursive: true, force: true });
}, 300_000);
