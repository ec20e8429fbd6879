import { spawn } from 'node:child_process';
import { exitWithParentArgs } from '../../tools/devhost/exit-with-parent';
import { eventually, isAlive } from '../helpers/wait';

/**
 * A parent node process starts a child with the watcher, prints the child's pid, and is then
 * SIGKILLed (no handler of the parent runs). The child must end on its own.
 */
/**
 * Runs a parent that spawns `childCode` with the watcher; resolves with the child's pid and the
 * parent once the child's own code runs ("ready"): the watcher is preloaded (`--import`), so by
 * then it watches — no fixed wait that a loaded machine can outrun.
 */
function startParent(childCode: string) {
  const parentCode = `
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, [...${JSON.stringify(exitWithParentArgs())}, '-e', ${JSON.stringify(`console.log('ready'); ${childCode}`)}], { stdio: ['pipe', 'inherit', 'inherit'] });
    console.log('child ' + child.pid);
    setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise<{ parent: typeof parent; childPid: number }>((resolve, reject) => {
    let out = '';
    parent.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /child (\d+)/.exec(out);
      if (m && /^ready$/m.test(out)) resolve({ parent, childPid: Number(m[1]) });
    });
    parent.once('exit', (code) => reject(new Error(`parent exited with ${code}: ${out}`)));
  });
}

describe('a child started with exitWithParentArgs', () => {
  // Side by side: each situation has its own parent and child, and one waits out the watcher's five seconds.
  it.concurrent.each([
    ['that handles SIGTERM ends at once when its parent is SIGKILLed', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000);", 3_000],
    ['that ignores SIGTERM is ended within five seconds', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);", 8_000],
    ['with no SIGTERM handler ends by the default action', 'setInterval(() => {}, 1000);', 3_000],
  ])('%s', async (_situation, childCode, within) => {
    const { parent, childPid } = await startParent(childCode);
    expect(isAlive(childPid)).toBe(true);
    parent.kill('SIGKILL');
    await eventually(() => !isAlive(childPid), `child ${childPid} to end`, within, 50);
    expect(isAlive(childPid)).toBe(false);
  });

  it('is not held open by the watch: a child with nothing left to do exits while its parent lives', async () => {
    const child = spawn(process.execPath, [...exitWithParentArgs(), '-e', "console.log('done')"], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, out: out.trim() }).toEqual({ code: 0, out: 'done' });
  });
});
