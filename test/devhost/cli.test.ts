import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCliArgs } from '../../tools/devhost/cli-args';
import { fixtureMain, repoRoot } from './fixture';

/** `node dist/tools/devhost/cli.js` as a developer runs it (built by `npm test`'s build). */
const CLI = path.join(repoRoot, 'dist/tools/devhost/cli.js');

interface Running {
  child: ChildProcess;
  url: string;
  out: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startCli(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [CLI, '--app', repoRoot, '--main', fixtureMain, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`devhost did not start:\n${out}`)), 20_000);
    const check = () => {
      const m = /devhost listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m) {
        clearTimeout(deadline);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    void exit.then(() => reject(new Error(`devhost exited early:\n${out}`)));
  });
  return { child, url, out: () => out, exit };
}

describe('devhost CLI as a process', () => {
  it.each([
    ['SIGTERM', 'SIGTERM' as const],
    ['SIGINT (Ctrl-C)', 'SIGINT' as const],
  ])('prints the listening line exactly once, serves, and %s stops it cleanly with exit 0', async (_s, signal) => {
    const run = await startCli([]);
    const res = await fetch(`${run.url}/api/hello/cli`);
    expect(await res.json()).toEqual({ hello: 'cli', query: {} });
    run.child.kill(signal);
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(run.out().match(/devhost listening on /g)).toHaveLength(1);
  });

  it('--json writes one JSON object per log line, with an invocation line per call', async () => {
    const run = await startCli(['--json']);
    await fetch(`${run.url}/api/hello/json`);
    run.child.kill('SIGTERM');
    await run.exit;
    const logLines = run.out().split('\n').filter((l) => l && !l.startsWith('devhost listening on '));
    const parsed = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toContainEqual(expect.objectContaining({ event: 'invocation', functionName: 'hello', outcome: 'Succeeded', durationMs: expect.any(Number), invocationId: expect.any(String) }));
    expect(parsed).toContainEqual(expect.objectContaining({ functionName: 'hello', message: 'greeting json' }));
  });

  it('the terminal log shows one readable line per invocation and the app output, never the request body', async () => {
    const run = await startCli([]);
    await fetch(`${run.url}/api/json-in`, { method: 'POST', body: JSON.stringify({ password: 'hunter2-body-secret' }), headers: { 'content-type': 'application/json' } });
    await fetch(`${run.url}/api/hello/term`);
    run.child.kill('SIGTERM');
    await run.exit;
    expect(run.out()).toMatch(/Executed 'hello' \(Succeeded, Id=[0-9a-f-]{36}, Duration=[\d.]+ms\)/);
    expect(run.out()).toMatch(/hello: greeting term/);
    // The startup list names every function, with its URL for HTTP ones, like Core Tools.
    expect(run.out()).toContain(`\n    hello: [GET] ${run.url}/api/hello/{name?}\n`);
    expect(run.out()).toContain('\n    onResourceEvent: eventGridTrigger\n');
    expect(run.out()).not.toContain('hunter2-body-secret');
  });

  it('a port that is taken fails with a clear message and exit 1', async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = spawnSync(process.execPath, [CLI, '--app', repoRoot, '--main', fixtureMain, '--port', String(port)], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is taken`);
    } finally {
      blocker.close();
    }
  });

  it.each([
    ['an unknown flag', ['--bogus'], 'unknown argument "--bogus"'],
    ['a bad port', ['--port', 'abc'], '--port must be an integer 0-65535, got "abc"'],
    ['a flag without its value', ['--main'], '--main needs a value'],
  ])('%s prints the problem and the usage and exits 2', (_s, args, problem) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`devhost: ${problem}`);
    expect(r.stderr).toContain('usage: devhost');
  });

  it('an app that turns on HTTP streaming is refused with what that means here, exit 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-stream-app-'));
    try {
      const lib = JSON.stringify(path.join(repoRoot, 'node_modules/@azure/functions'));
      fs.writeFileSync(path.join(dir, 'index.js'), `const { app } = require(${lib});\napp.setup({ enableHttpStream: true });\napp.http('x', { handler: async () => ({ body: 'x' }) });\n`);
      const r = spawnSync(process.execPath, [CLI, '--app', dir, '--main', 'index.js', '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('HTTP streaming (app.setup({ enableHttpStream: true })), which devhost does not support');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an app folder without a build says what to do and exits 1', () => {
    const r = spawnSync(process.execPath, [CLI, '--app', repoRoot, '--main', 'dist/nothing-here/*.js', '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('matches no file');
    expect(r.stderr).toContain('npm run build');
  });
});

describe('devhost flag table', () => {
  it.each([
    ['--json alone', ['--json'], { json: true }],
    ['--store memory explicitly', ['--store', 'memory'], { store: 'memory' }],
    ['--hub with letters and digits', ['--hub', 'plf2'], { hub: 'plf2' }],
    ['--app=DIR form', ['--app=/tmp/x'], { appDir: '/tmp/x' }],
  ])('%s', (_s, argv, expected) => {
    const parsed = parseCliArgs(argv);
    expect(parsed.ok && parsed.options).toMatchObject(expected);
  });

  it.each([
    ['--store tables without a connection anywhere', ['--store', 'tables'], '--store tables needs --storage-connection or the AzureWebJobsStorage setting'],
    ['a negative port', ['--port', '-1'], '--port must be an integer 0-65535, got "-1"'],
    ['a positional argument', ['extra'], 'unknown argument "extra"'],
  ])('%s is refused', (_s, argv, problem) => {
    const parsed = parseCliArgs(argv);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems).toContain(problem);
  });
});
