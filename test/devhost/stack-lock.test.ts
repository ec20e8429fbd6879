import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireStackLock, refusalMessage, removeStale, stackHolder, stackLockPath } from '../../tools/devhost/stack-lock';

/**
 * The local folder's lock (tools/devhost/stack-lock.ts) on real files: who may take it, who is
 * named when it is held, and what the refused start says. Starts of real stacks against each
 * other are in stack.test.ts.
 */
const DEAD = 2 ** 22 + 1; // above Linux's largest pid_max: never a live process
const dirs: string[] = [];
const folder = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const writeLock = (dir: string, text: string) => fs.writeFileSync(stackLockPath(dir), text);
const writeStackJson = (dir: string, pid: number) => fs.writeFileSync(path.join(dir, 'stack.json'), JSON.stringify({ pid, devhost: 'http://127.0.0.1:7123', emulator: 'https://127.0.0.1:8123', caFile: '/x/ca.pem' }));

describe('taking the folder', () => {
  it.each([
    ['a folder that does not exist yet: created and taken', (d: string) => fs.rmSync(d, { recursive: true }), { ok: true }],
    ['a free folder: taken', () => undefined, { ok: true }],
    ['a stale lock (its pid dead): taken over', (d: string) => writeLock(d, JSON.stringify({ pid: DEAD })), { ok: true }],
    ['a live stack still starting (no stack.json yet): refused, naming its pid', (d: string) => writeLock(d, JSON.stringify({ pid: process.pid })), { ok: false, holder: { pid: process.pid } }],
    ['a live stack that is ready: refused, naming its pid and API', (d: string) => (writeLock(d, JSON.stringify({ pid: process.pid })), writeStackJson(d, process.pid)), { ok: false, holder: { pid: process.pid, devhost: 'http://127.0.0.1:7123' } }],
    ['a live lock beside a stale stack.json of another pid: refused, no URL of the wrong stack', (d: string) => (writeLock(d, JSON.stringify({ pid: process.pid })), writeStackJson(d, process.ppid)), { ok: false, holder: { pid: process.pid } }],
    ['a lock being written (empty): refused, no pid to name', (d: string) => writeLock(d, ''), { ok: false, holder: {} }],
  ])('%s', (_situation, arrange, expected) => {
    const dir = folder();
    arrange(dir);
    const lock = acquireStackLock(dir, 4242);
    expect(lock.ok ? { ok: true } : lock).toEqual(expected);
    if (lock.ok) expect(JSON.parse(fs.readFileSync(stackLockPath(dir), 'utf8'))).toMatchObject({ pid: 4242 });
  });
});

describe('moving a stale lock aside (two starts found it stale at once)', () => {
  it.each([
    ['it is still the stale one: removed', JSON.stringify({ pid: DEAD }), false],
    ['the other start already replaced it with its own, live lock: put back', JSON.stringify({ pid: process.pid }), true],
    ['the other start already released its lock: nothing to move', undefined, false],
  ])('%s', (_situation, now, kept) => {
    const dir = folder();
    if (now !== undefined) writeLock(dir, now);
    removeStale(stackLockPath(dir), DEAD);
    expect(stackHolder(dir)).toEqual(kept ? { pid: process.pid } : undefined);
    expect(fs.readdirSync(dir)).toEqual(kept ? ['stack.lock'] : []);
  });
});

describe('letting it go', () => {
  it.each([
    ['its own lock: removed, and the folder is free again', () => undefined, false],
    ['a lock another start wrote after taking ours over: left alone', (d: string) => writeLock(d, JSON.stringify({ pid: process.pid })), true],
  ])('%s', (_situation, meanwhile, lockLeft) => {
    const dir = folder();
    const lock = acquireStackLock(dir, DEAD);
    if (!lock.ok) throw new Error('not taken');
    meanwhile(dir);
    lock.release();
    expect(fs.existsSync(stackLockPath(dir))).toBe(lockLeft);
    expect(stackHolder(dir)).toEqual(lockLeft ? { pid: process.pid } : undefined);
  });
});

describe('the line a refused start prints', () => {
  it.each([
    ['a ready stack in the default folder (relative to where npm runs)', '/repo/.local', { pid: 123, devhost: 'http://127.0.0.1:7071' }, 'stack: a stack already runs from .local (pid 123, API http://127.0.0.1:7071); stop it (Ctrl-C in its terminal, or kill 123) or run a second stack with a folder of its own: PLF_LOCAL_DIR=.local-2 npm start'],
    ['a stack still starting in a folder elsewhere', '/tmp/plf', { pid: 9 }, 'stack: a stack already runs from /tmp/plf (pid 9, still starting); stop it (Ctrl-C in its terminal, or kill 9) or run a second stack with a folder of its own: PLF_LOCAL_DIR=/tmp/plf-2 npm start'],
    ['a lock naming no pid', '/repo/.local', {}, 'stack: another stack holds .local (.local/stack.lock names no pid yet; remove it if no stack runs); run a second stack with a folder of its own: PLF_LOCAL_DIR=.local-2 npm start'],
  ])('%s', (_situation, localDir, holder, line) => {
    expect(refusalMessage(localDir, holder, '/repo')).toBe(line);
  });
});
