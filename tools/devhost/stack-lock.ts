import * as fs from 'node:fs';
import * as path from 'node:path';
import { readStackFile } from './stack-file';

/**
 * One stack per local folder. Two stacks on one PLF_LOCAL_DIR break each other: the second writes
 * a new emulator CA (the first one's app then fails every ARM call), both Azurites use the same
 * data files, and stack.json is overwritten and then removed by whichever stops. So `npm start`
 * takes `<local dir>/stack.lock` before it touches anything in the folder: created exclusively
 * (O_EXCL, so of two starts at the same moment exactly one gets it), holding the owner's pid,
 * removed when that stack stops. A lock whose pid is dead (a SIGKILLed stack) is stale and taken
 * over.
 */
export const stackLockPath = (localDir: string) => path.join(localDir, 'stack.lock');

/** Who holds the folder: its pid (undefined when the lock cannot be read) and, once it is ready, its API URL. */
export interface StackHolder {
  pid?: number;
  devhost?: string;
}

export type StackLock = { ok: true; release: () => void } | { ok: false; holder: StackHolder };

/** Whether a process exists; EPERM means it does, only not ours to signal. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a lock file; undefined when it is unreadable, null when the file is gone. */
function lockPid(file: string): number | undefined | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const pid = (JSON.parse(text) as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // Empty or half written: its owner is writing it right now (or died doing so, which the
    // refusal message leaves to the user).
    return undefined;
  }
}

function holderOf(localDir: string, pid: number | undefined): StackHolder {
  const info = pid === undefined ? undefined : readStackFile(localDir);
  return { ...(pid !== undefined ? { pid } : {}), ...(info && info.pid === pid ? { devhost: info.devhost } : {}) };
}

/** The stack that holds `localDir` now, if any; reads only (a stale lock is left for the next start). */
export function stackHolder(localDir: string): StackHolder | undefined {
  const pid = lockPid(stackLockPath(localDir));
  if (pid === null || (pid !== undefined && !alive(pid))) return undefined;
  return holderOf(localDir, pid);
}

/**
 * Moves a stale lock (of dead `stalePid`) out of the way. Renaming is atomic, so of two starts
 * that both found it stale only one moves it; should the other move the first one's fresh lock
 * instead, it puts it back (a hard link never replaces a file).
 */
export function removeStale(file: string, stalePid: number): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (lockPid(aside) !== stalePid) {
    try {
      fs.linkSync(aside, file);
    } catch {
      /* yet another start holds the folder now: it stays the holder */
    }
  }
  fs.rmSync(aside, { force: true });
}

/** Takes `localDir` for the stack of process `pid`, or names who holds it. */
export function acquireStackLock(localDir: string, pid = process.pid): StackLock {
  fs.mkdirSync(localDir, { recursive: true });
  const file = stackLockPath(localDir);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      fs.writeFileSync(file, `${JSON.stringify({ pid, since: new Date().toISOString() })}\n`, { flag: 'wx' });
      return {
        ok: true,
        // Only our own lock: never one a later start wrote after taking ours over.
        release: () => {
          if (lockPid(file) === pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = lockPid(file);
    // Released between our attempt and this read: try again.
    if (held === null) continue;
    if (held === undefined || alive(held)) return { ok: false, holder: holderOf(localDir, held) };
    removeStale(file, held);
  }
  return { ok: false, holder: holderOf(localDir, lockPid(file) ?? undefined) };
}

/**
 * The one line a refused start prints: which stack holds the folder (pid, and its URL once ready),
 * how to stop it, and how to run a second stack beside it.
 */
export function refusalMessage(localDir: string, holder: StackHolder, cwd = process.cwd()): string {
  const rel = path.relative(cwd, localDir);
  const dir = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : localDir;
  const file = path.join(dir, path.basename(stackLockPath(localDir)));
  const who =
    holder.pid === undefined
      ? `another stack holds ${dir} (${file} names no pid yet; remove it if no stack runs)`
      : `a stack already runs from ${dir} (pid ${holder.pid}, ${holder.devhost ? `API ${holder.devhost}` : 'still starting'})`;
  const stop = holder.pid === undefined ? '' : ` stop it (Ctrl-C in its terminal, or kill ${holder.pid}) or`;
  return `stack: ${who};${stop} run a second stack with a folder of its own: PLF_LOCAL_DIR=${dir}-2 npm start`;
}
