import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../integration/helpers/stack';

/**
 * `npm run demo` end to end, as a newcomer runs it: it starts its own stack (on free ports, its
 * data in a temporary folder, whatever else runs), every step behaves, it exits 0, stops what it
 * started and removes the folder.
 */
it('npm run demo: every step behaves, the stack it started is stopped and its folder removed', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/scripts/demo.js')], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect({ code, out }).toEqual({ code: 0, out: expect.stringContaining('demo: every step behaved') });
  expect(out).not.toMatch(/^✗/m);
  const up = /demo: stack up — API (http:\/\/127\.0\.0\.1:\d+), emulator \S+ \(data and log in (\S+), removed at the end\)/.exec(out);
  expect(up).not.toBeNull();
  await expect(fetch(`${up![1]}/api/health`)).rejects.toThrow();
  expect(fs.existsSync(up![2])).toBe(false);
}, 300_000);
