import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventually, isAlive } from '../helpers/wait';
import { ROOT } from '../integration/helpers/stack';

/**
 * `npm run demo` end to end, as a newcomer runs it: it starts its own stack (on free ports, its
 * data in a temporary folder, whatever else runs), every step behaves and it exits 0. Without
 * --keep it deletes the forward, stops what it started and removes the folder; with --keep the
 * stack, the folder and the forward stay, so the status page it points at shows the forward.
 * (--fast-clock: scripts/demo.ts; without it the same story waits on real 5-second grains.)
 */
function demo(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/scripts/demo.js'), ...args], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

/** Without --keep: the forward deleted, the stack stopped, its folder removed. */
async function leftNothing(out: string): Promise<void> {
  expect(out).toMatch(/^✓ delete demo-web: nothing is left — /m);
  const up = /demo: stack up — API (http:\/\/127\.0\.0\.1:\d+), emulator \S+ \(data and log in (\S+), removed at the end\)/.exec(out);
  expect(up).not.toBeNull();
  await expect(fetch(`${up![1]}/api/health`)).rejects.toThrow();
  expect(fs.existsSync(up![2])).toBe(false);
}

/** With --keep: the delete skipped and said so; the status page shows the forward and its consumers. */
async function keptTheForward(out: string): Promise<void> {
  // Found on their own, so the kept stack is stopped even when the line around them is wrong.
  const api = /status page (http:\/\/127\.0\.0\.1:\d+)\/api\/ui/.exec(out)?.[1];
  const stop = /\(stop it: kill (\d+); then rm -r (\S+)\)/.exec(out);
  const pid = stop ? Number(stop[1]) : undefined;
  const dir = stop?.[2];
  try {
    expect(out).toContain(`demo: the stack keeps running with the forward demo-web — status page ${api}/api/ui; data and log in ${dir} (stop it: kill ${pid}; then rm -r ${dir})`);
    expect(out).toContain(`– delete demo-web: skipped with --keep, so the status page has the forward and its two consumer endpoints to show (delete it yourself: curl -X DELETE ${api}/api/forwards/demo-web)`);
    expect(out).not.toMatch(/^▶ delete/m);
    // --fast-clock moved the kept stack's clock: the demo says how far ahead it stays.
    expect(out).toMatch(/^demo: its clock stays \d+ min ahead of real time \(moved by --fast-clock\), so its times read that far ahead$/m);
    const page = await (await fetch(`${api}/api/ui`)).text();
    expect(page).toContain('demo-web');
    expect(page).not.toContain('No forwards yet');
    const forward = (await (await fetch(`${api}/api/forwards/demo-web`)).json()) as { status: { phase: string; connections?: { state: string }[] } };
    expect(forward.status.phase).toBe('Ready');
    expect(forward.status.connections?.map((c) => c.state).sort()).toEqual(['Approved', 'Pending']);
  } finally {
    // What the demo left running is this test's to stop, as the demo's last line says.
    if (pid) {
      process.kill(pid, 'SIGTERM');
      await eventually(() => !isAlive(pid), 'the kept stack to stop', 20_000);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** With --fast-clock: the health steps moved the stack's clock (and said so) instead of waiting. */
function movedTheClock(out: string): void {
  expect(out).toContain('on the controllable clock (--fast-clock');
  expect(out).toMatch(/^ {2}⏩ advanced the stack's clock 1 min \(one metric grain\) instead of waiting$/m);
}

// The two runs go side by side: each demo starts its own stack on free ports with its own folder
// (what the first test proves it cleans up). Both run with --fast-clock: the health steps advance
// the stack's controllable clock a metric grain (Azure's minute) at a time instead of waiting on
// real grains, so a run takes seconds; every step and its checks are the same as in real time.
it.concurrent.each([
  ['npm run demo: every step behaves, the forward is deleted, the stack it started is stopped and its folder removed', ['--fast-clock'], leftNothing],
  ['npm run demo -- --keep: the delete step is skipped, so the status page it prints shows the forward and its consumers', ['--keep', '--fast-clock'], keptTheForward],
])('%s', async (_situation, args, after) => {
  const { code, out } = await demo(args);
  try {
    expect({ code, out }).toEqual({ code: 0, out: expect.stringContaining('demo: every step behaved') });
    expect(out).not.toMatch(/^✗/m);
    movedTheClock(out);
  } finally {
    await after(out);
  }
}, 300_000);
