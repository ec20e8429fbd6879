import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { stackConfig } from '../../tools/devhost/stack-config';
import { IDS, startTestEmulator } from '../emulator/helpers/emulator';
import { lbBody } from '../emulator/helpers/network-fixtures';
import { eventually, isAlive } from '../helpers/wait';
import { fixtureMain, repoRoot } from './fixture';

/**
 * `npm start`'s stack (node dist/tools/devhost/stack.js) as a child process, every port 0 and its data
 * in a temporary folder, so it runs beside anything else.
 */
interface Stack {
  child: ChildProcess;
  out: () => string;
  devhostUrl: string;
  emulatorUrl: string;
  caFile: string;
  tableEndpoint: string;
  exit: Promise<number | null>;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function startStack(env: Record<string, string> = {}, localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-stack-'))): Promise<Stack> {
  dirs.push(localDir);
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/tools/devhost/stack.js')], {
    env: { ...process.env, PLF_DEVHOST_PORT: '0', PLF_EMULATOR_PORT: '0', PLF_AZURITE_PORT: '0', PLF_LOCAL_DIR: localDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack not ready:\n${out}`)), 45_000);
    const check = () => {
      if (/stack: ready\./.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exit.then((code) => reject(new Error(`stack exited with ${code}:\n${out}`)));
  });
  const find = (re: RegExp) => {
    const m = re.exec(out);
    if (!m) throw new Error(`no ${re} in:\n${out}`);
    return m;
  };
  const emulator = find(/stack: emulator \(ARM\) on (https:\/\/127\.0\.0\.1:\d+) \(CA ([^)]+)\)/);
  return {
    child,
    out: () => out,
    devhostUrl: find(/devhost listening on (http:\/\/127\.0\.0\.1:\d+)/)[1],
    emulatorUrl: emulator[1],
    caFile: emulator[2],
    tableEndpoint: find(/stack: azurite tables on (\S+)/)[1],
    exit,
  };
}

/** Direct children of a process, from /proc (Linux). */
function childPids(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // Field 4 of stat is the parent pid; the name in field 2 may hold spaces, so count after ')'.
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** ARM call to the emulator with its CA (any bearer token is accepted there). */
function arm(stack: Stack, method: string, p: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(p, stack.emulatorUrl), { method, ca: fs.readFileSync(stack.caFile), headers: { authorization: 'Bearer test', 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('npm start: Azurite + emulator + devhost with the app', () => {
  it('serves /api/health wired to the emulator and Azurite, prints a first curl, and SIGTERM stops all three', async () => {
    const stack = await startStack();
    try {
      expect(stack.out()).toContain(`stack: ready. Try: curl ${stack.devhostUrl}/api/health`);
      const res = await fetch(`${stack.devhostUrl}/api/health`);
      expect(res.status).toBe(200);
      const health = (await res.json()) as { status: string; arm: { kind: string; endpoint: string; caFile: string }; storage: { tableEndpoint: string } };
      expect(health).toMatchObject({ status: 'ok', arm: { kind: 'emulator', endpoint: stack.emulatorUrl, caFile: stack.caFile }, storage: { tableEndpoint: stack.tableEndpoint } });
      expect(stack.out()).not.toMatch(/AccountKey=/);
    } finally {
      stack.child.kill('SIGTERM');
    }
    expect(await stack.exit).toBe(0);
    expect(stack.out()).toMatch(/stack: stack stopped \(SIGTERM\): devhost .*, the emulator .*, azurite /);
    // Every part is gone: the ports no longer answer.
    await expect(fetch(`${stack.devhostUrl}/api/health`)).rejects.toThrow();
    await expect(arm(stack, 'GET', '/_emulator/health')).rejects.toThrow();
    await expect(fetch(stack.tableEndpoint)).rejects.toThrow();
  });

  it('SIGKILLed (no handler runs), it leaves no Azurite or emulator behind', async () => {
    const stack = await startStack();
    const children = childPids(stack.child.pid!);
    // Azurite and the emulator; devhost runs inside the stack process.
    expect(children).toHaveLength(2);
    stack.child.kill('SIGKILL');
    await stack.exit;
    await eventually(() => !children.some(isAlive), 'Azurite and the emulator to end', 10_000);
    expect(children.filter(isAlive)).toEqual([]);
    await expect(arm(stack, 'GET', '/_emulator/health')).rejects.toThrow();
    await expect(fetch(stack.tableEndpoint)).rejects.toThrow();
  });

  it('its parent ends without signalling it (kill <npm pid>): it stops everything and says so', async () => {
    // As under npm: a shell between the stack and whoever started it. `; exit` keeps sh from
    // exec-ing node, so killing sh re-parents the stack and sends it nothing.
    const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-stack-'));
    dirs.push(localDir);
    const sh = spawn('/bin/sh', ['-c', `"${process.execPath}" "${path.join(repoRoot, 'dist/tools/devhost/stack.js')}"; exit $?`], {
      env: { ...process.env, PLF_DEVHOST_PORT: '0', PLF_EMULATOR_PORT: '0', PLF_AZURITE_PORT: '0', PLF_LOCAL_DIR: localDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    sh.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    sh.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await eventually(() => /stack: ready\./.test(out), 'the stack ready', 45_000, 100);
    const [stackPid] = childPids(sh.pid!);
    const devhostUrl = /devhost listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1];
    const tableEndpoint = /stack: azurite tables on (\S+)/.exec(out)![1];
    const [, emulatorUrl, caFile] = /stack: emulator \(ARM\) on (https:\/\/127\.0\.0\.1:\d+) \(CA ([^)]+)\)/.exec(out)!;
    const parts = childPids(stackPid);
    expect(parts).toHaveLength(2);
    sh.kill('SIGKILL');
    await eventually(() => !isAlive(stackPid), 'the stack to end', 20_000, 100);
    expect(parts.filter(isAlive)).toEqual([]);
    expect(out).toMatch(/stack: stack stopped \(its parent process \d+ ended\): devhost \(http:\/\/127\.0\.0\.1:\d+\), the emulator \(pid \d+\), azurite \(\S+\)/);
    expect(fs.existsSync(path.join(localDir, 'stack.json'))).toBe(false);
    await expect(fetch(`${devhostUrl}/api/health`)).rejects.toThrow();
    await expect(fetch(tableEndpoint)).rejects.toThrow();
    await expect(arm({ emulatorUrl, caFile } as Stack, 'GET', '/_emulator/health')).rejects.toThrow();
  });

  it('says which resources the emulator loaded Failed because it was killed mid-operation', async () => {
    // A state file as a killed emulator leaves it: an LB still Creating.
    const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-stack-'));
    const stateFile = path.join(localDir, 'emulator', 'state.json');
    const writer = await startTestEmulator({ stateFile, lroDelayMs: 600_000 });
    let snapshot = '';
    try {
      await writer.network().loadBalancers.beginCreateOrUpdate(IDS.hubRg, 'lb-interrupted', lbBody('lb-interrupted'));
      snapshot = await eventually(
        () => {
          const text = fs.existsSync(stateFile) ? fs.readFileSync(stateFile, 'utf8') : '';
          return text.includes('lb-interrupted') && text;
        },
        'the LB in the state file',
        5_000,
        50,
      );
    } finally {
      await writer.stop();
    }
    fs.writeFileSync(stateFile, snapshot);
    const stack = await startStack({}, localDir);
    try {
      expect(stack.out()).toMatch(/emulator: 1 resource\(s\) were mid-operation .* now Failed .*\/loadBalancers\/lb-interrupted/);
    } finally {
      stack.child.kill('SIGTERM');
    }
    expect(await stack.exit).toBe(0);
  });

  it('subscribes every Event Grid function of the app to the emulator: an ARM write reaches it', async () => {
    const stack = await startStack({ PLF_STACK_MAIN: fixtureMain, DEVHOST_FIXTURE_SLOW_SCHEDULE: '0 0 0 1 1 *' });
    try {
      expect(stack.out()).toContain('stack: Event Grid: subscription 00000000-0000-0000-0000-00000000a001 events -> onResourceEvent');
      const status = await arm(stack, 'PUT', '/subscriptions/00000000-0000-0000-0000-00000000a001/resourcegroups/rg-stack-test?api-version=2021-04-01', { location: 'westeurope' });
      expect(status).toBeLessThan(300);
      const deadline = Date.now() + 15_000;
      while (!/onResourceEvent: event id=\S+ type=Microsoft\.Resources\.ResourceWriteSuccess subject=\S+\/resourceGroups\/rg-stack-test/.test(stack.out())) {
        if (Date.now() > deadline) throw new Error(`no delivery:\n${stack.out()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      stack.child.kill('SIGTERM');
    }
    expect(await stack.exit).toBe(0);
  });
});

/** Runs a command to its end with the stack's test environment plus `env`: exit code, output, duration. */
function runToEnd(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now();
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, PLF_DEVHOST_PORT: '0', PLF_EMULATOR_PORT: '0', PLF_AZURITE_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, ms: Date.now() - started })));
}

/** What a second stack must not change in the first one's folder: its CA, stack.json and lock. */
function folderSnapshot(dir: string): Record<string, string> {
  const read = (f: string) => `${fs.readFileSync(path.join(dir, f), 'utf8')} @${fs.statSync(path.join(dir, f)).mtimeMs}`;
  return { ca: read('emulator/ca.pem'), stackJson: read('stack.json'), lock: read('stack.lock') };
}

describe('one stack per local folder: a second start on a folder in use refuses at once and touches nothing', () => {
  let first: Stack;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-stack-'));
    first = await startStack({}, dir);
  }, 60_000);
  afterAll(async () => {
    first.child.kill('SIGTERM');
    await first.exit;
  });

  it.each([
    ['the stack itself started again (node dist/tools/devhost/stack.js)', process.execPath, () => [path.join(repoRoot, 'dist/tools/devhost/stack.js')]],
    // Before its build: half a minute of tsc rewriting dist/ under the running stack otherwise.
    ['npm start again: refused before it builds', 'npm', () => ['start']],
  ])('%s', async (_situation, command, args) => {
    const before = folderSnapshot(dir);
    const second = await runToEnd(command, args(), { PLF_LOCAL_DIR: dir });
    expect(second.code).not.toBe(0);
    const line = `stack: a stack already runs from ${dir} (pid ${first.child.pid}, API ${first.devhostUrl}); stop it (Ctrl-C in its terminal, or kill ${first.child.pid}) or run a second stack with a folder of its own: PLF_LOCAL_DIR=${dir}-2 npm start`;
    expect(second.out.split('\n')).toContain(line);
    expect(second.out).not.toMatch(/tsc -p|starting Azurite|emulator \(ARM\) on/);
    expect(second.ms).toBeLessThan(10_000);
    // The first stack's CA (which its app trusts), its stack.json and lock are as they were, and it still serves.
    expect(folderSnapshot(dir)).toEqual(before);
    expect((await fetch(`${first.devhostUrl}/api/health`)).status).toBe(200);
    expect(await arm(first, 'GET', '/_emulator/health')).toBe(200);
  }, 60_000);
});

describe('one stack per local folder: when the folder is free', () => {
  it.each([
    ['a stale stack.json and lock (their stack was SIGKILLed: pid dead): the start goes ahead', true],
    ['a free folder: the start goes ahead', false],
  ])('%s', async (_situation, stale) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-stack-'));
    const dead = 2 ** 22 + 1; // above Linux's largest pid_max: never a live process
    if (stale) {
      fs.writeFileSync(path.join(dir, 'stack.lock'), JSON.stringify({ pid: dead }));
      fs.writeFileSync(path.join(dir, 'stack.json'), JSON.stringify({ pid: dead, devhost: 'http://127.0.0.1:1', emulator: 'https://127.0.0.1:2', caFile: '/x' }));
    }
    const stack = await startStack({}, dir);
    try {
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'stack.lock'), 'utf8'))).toMatchObject({ pid: stack.child.pid });
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'stack.json'), 'utf8'))).toMatchObject({ pid: stack.child.pid, devhost: stack.devhostUrl });
    } finally {
      stack.child.kill('SIGTERM');
    }
    expect(await stack.exit).toBe(0);
    // Stopped, it frees the folder: no lock and no stack.json left.
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('stack.'))).toEqual([]);
  }, 60_000);

  it('two starts at the same moment on one folder: exactly one runs, the other refuses', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-stack-'));
    dirs.push(dir);
    const spawnOne = () => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'dist/tools/devhost/stack.js')], {
        env: { ...process.env, PLF_DEVHOST_PORT: '0', PLF_EMULATOR_PORT: '0', PLF_AZURITE_PORT: '0', PLF_LOCAL_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const run = { child, out: '', exit: new Promise<number | null>((resolve) => child.once('exit', resolve)) };
      child.stdout!.on('data', (c: Buffer) => (run.out += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (run.out += c.toString()));
      return run;
    };
    const both = [spawnOne(), spawnOne()];
    try {
      const refused = await Promise.race(both.map((r) => r.exit.then(() => r)));
      expect(refused.out).toMatch(/^stack: a stack already runs from \S+ \(pid \d+, still starting\);/m);
      const runner = both.find((r) => r !== refused)!;
      expect(refused.out).toContain(`(pid ${runner.child.pid}, still starting)`);
      await eventually(() => /stack: ready\./.test(runner.out), 'the other stack ready', 45_000, 100);
    } finally {
      for (const r of both) r.child.kill('SIGTERM');
    }
    expect(await Promise.all(both.map((r) => r.exit))).toEqual(expect.arrayContaining([0, 1]));
  }, 60_000);
});

describe('stack settings from the environment', () => {
  it.each([
    ['defaults', {}, { devhost: { port: 7071, explicit: false }, emulator: { port: 8443, explicit: false }, azurite: { port: 10002, explicit: false }, localDir: path.join(repoRoot, '.local'), json: false, clock: 'real' }],
    ['every port 0 and a data folder', { PLF_DEVHOST_PORT: '0', PLF_EMULATOR_PORT: '0', PLF_AZURITE_PORT: '0', PLF_LOCAL_DIR: '/tmp/x' }, { devhost: { port: 0, explicit: true }, emulator: { port: 0, explicit: true }, azurite: { port: 0, explicit: true }, localDir: '/tmp/x', json: false }],
    ['JSON logs and another app entry', { PLF_LOG_JSON: '1', PLF_STACK_MAIN: 'dist/x/*.js' }, { json: true, main: 'dist/x/*.js' }],
    ['the controllable clock (npm run demo -- --fast-clock)', { PLF_STACK_CLOCK: 'controllable' }, { clock: 'controllable' }],
  ])('%s', (_s, env, expected) => {
    const parsed = stackConfig(env, repoRoot);
    expect(parsed.ok && parsed.config).toMatchObject(expected);
  });

  it('names every problem at once', () => {
    expect(stackConfig({ PLF_DEVHOST_PORT: 'abc', PLF_EMULATOR_PORT: '70000', PLF_AZURITE_PORT: '7071', PLF_STACK_CLOCK: 'fast' }, repoRoot)).toEqual({
      ok: false,
      problems: [
        'PLF_DEVHOST_PORT must be a port number 0-65535 (0 = any free port), got "abc"',
        'PLF_EMULATOR_PORT must be a port number 0-65535 (0 = any free port), got "70000"',
        'PLF_STACK_CLOCK must be real or controllable, got "fast"',
        'devhost and azurite cannot both use port 7071',
      ],
    });
  });
});
