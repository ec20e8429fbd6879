import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopChild } from '../../tools/devhost/processes';
import { readyStack, type StackInfo } from '../../tools/devhost/stack-file';
import { out, since } from './steps';

/**
 * A local stack of a tool's own (npm run demo, npm run smoke:azure -- --local): the compiled
 * `dist/tools/devhost/stack.js` started as a child with `settings` (free ports, fast timings) and
 * its data in a new temporary folder `<tmp>/<prefix>XXXXXX`, so it never changes or depends on a
 * stack the user runs (`npm start`). Resolves once its stack.json names an API that answers
 * /api/health (at most 120 s); rejects with the end of its log when it exits or does not get there,
 * having stopped it and removed the folder (unless `keep`).
 *
 * `keep`: the stack outlives the tool on purpose (detached, PLF_STACK_STOP_WITH_PARENT=0); the
 * caller unrefs the child. Otherwise `stopOwnStack` stops it (SIGTERM, then SIGKILL after 15 s)
 * and removes the folder. `ownProcessGroup`: the stack does not get the terminal's Ctrl-C, so a
 * tool that cleans up on Ctrl-C still has it to talk to (it stops when the tool ends all the
 * same: the stack watches its parent, tools/devhost/stack.ts).
 */
/**
 * Settings a tool's own stack runs with: any free ports; fast polls, connection lingering and
 * metrics so each step takes seconds; no health grace period for brand-new nodes.
 */
export const FAST_SETTINGS: Readonly<Record<string, string>> = {
  PLF_DEVHOST_PORT: '0',
  PLF_EMULATOR_PORT: '0',
  PLF_AZURITE_PORT: '0',
  PLF_POLL_INTERVAL_MS: '300',
  PLF_CONNECTIONS_LINGER_SECONDS: '10',
  PLF_HEALTH_GRACE_SECONDS: '0',
  PLF_HEALTH_WINDOW_SECONDS: '120',
};

export interface OwnStack {
  info: StackInfo;
  child: ChildProcess;
  dir: string;
}

export async function startOwnStack(root: string, o: { prefix: string; settings: Readonly<Record<string, string>>; keep?: boolean; ownProcessGroup?: boolean }): Promise<OwnStack> {
  const keep = !!o.keep;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), o.prefix));
  const logFile = path.join(dir, 'stack.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [path.join(root, 'dist/tools/devhost/stack.js')], {
    cwd: root,
    env: { ...process.env, ...o.settings, PLF_LOCAL_DIR: dir, ...(keep ? { PLF_STACK_STOP_WITH_PARENT: '0' } : {}) },
    stdio: ['ignore', log, log],
    detached: keep || !!o.ownProcessGroup,
  });
  fs.closeSync(log);
  const t = Date.now();
  try {
    for (;;) {
      const info = await readyStack(dir);
      if (info) return { info, child, dir };
      if (child.exitCode !== null) throw new Error(`the stack exited (${child.exitCode})`);
      if (Date.now() - t > 120_000) throw new Error('the stack did not start in 120 s');
      if (process.stdout.isTTY) out(`\r  … starting the local stack (${since(t)})\x1b[K`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } catch (err) {
    // Its log goes with the folder: show its end here.
    const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
    await stopChild(child, 15_000);
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}; the end of its log:\n${tail}`);
  }
}

/** Stops the stack and removes its folder. */
export async function stopOwnStack(own: OwnStack): Promise<void> {
  await stopChild(own.child, 15_000);
  fs.rmSync(own.dir, { recursive: true, force: true });
}
