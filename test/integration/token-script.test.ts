import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeJwt } from 'jose';
import { ROOT } from './helpers/stack';

/**
 * `PLF_AUTH=entra npm start` and `npm run token` together, as a developer runs them: the stack
 * (node dist/tools/devhost/stack.js, every port free, its folder temporary) with sign-in on, and
 * the token script finding it through that folder (PLF_LOCAL_DIR) and printing a token as the
 * last line of its output, which the stack's app takes with the roles it carries. `npm run
 * watch` sends PLF_API_TOKEN to it.
 */
let stack: ChildProcess;
let out = '';
let devhost = '';
const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-token-'));
const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-token-none-'));

beforeAll(async () => {
  stack = spawn(process.execPath, [path.join(ROOT, 'dist/tools/devhost/stack.js')], {
    cwd: ROOT,
    env: { ...process.env, PLF_AUTH: 'entra', PLF_DEVHOST_PORT: '0', PLF_EMULATOR_PORT: '0', PLF_AZURITE_PORT: '0', PLF_LOCAL_DIR: localDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  stack.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack not ready:\n${out}`)), 60_000);
    stack.stdout!.on('data', () => {
      if (/stack: ready\./.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    stack.once('exit', (code) => reject(new Error(`stack exited with ${code}:\n${out}`)));
  });
  devhost = /devhost listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1];
}, 90_000);
afterAll(async () => {
  if (stack && stack.exitCode === null) {
    await new Promise<void>((resolve) => {
      stack.once('exit', () => resolve());
      stack.kill('SIGTERM');
    });
  }
  for (const d of [localDir, emptyDir]) fs.rmSync(d, { recursive: true, force: true });
});

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, PLF_LOCAL_DIR: localDir, PLF_API_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}
const tokenScript = (...args: string[]) => run(process.execPath, [path.join(ROOT, 'dist/scripts/token.js'), ...args]);
const lastLine = (s: string) => s.trimEnd().split('\n').pop()!;
const api = (method: string, p: string, token: string, body?: unknown) =>
  fetch(`${devhost}${p}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) }).then((r) => r.status);
const spec = { ...(JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as object), nodes: { count: 1 } };

describe('PLF_AUTH=entra npm start', () => {
  it('says sign-in is on and how to get a token, and records the local issuer in stack.json', () => {
    expect(out).toMatch(/stack: sign-in on \(PLF_AUTH=entra\): tokens of https:\/\/127\.0\.0\.1:\d+\/[-0-9a-f]+\/v2\.0 for /);
    const info = JSON.parse(fs.readFileSync(path.join(localDir, 'stack.json'), 'utf8')) as { auth: { mode: string; jwksUrl: string; signingKeyFile: string } };
    expect(info.auth).toMatchObject({ mode: 'entra', jwksUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/[-0-9a-f]+\/discovery\/v2\.0\/keys$/), signingKeyFile: path.join(localDir, 'emulator', 'signing-key.json') });
  });

  it('answers 401 to a call without a token, and /api/health without one', async () => {
    expect((await fetch(`${devhost}/api/forwards`)).status).toBe(401);
    expect((await fetch(`${devhost}/api/health`)).status).toBe(200);
  });
});

describe('npm run token', () => {
  it('npm run token -- --role Forwards.Read: the last line is a token the stack takes for reads and refuses for writes (403)', async () => {
    const r = await run('npm', ['run', 'token', '--', '--role', 'Forwards.Read']);
    expect(r.code).toBe(0);
    const token = lastLine(r.stdout);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(r.stderr).toMatch(/token: Forwards\.Read for the stack at http:\/\/127\.0\.0\.1:\d+ .* valid 60 min/);
    expect(await api('GET', '/api/forwards', token)).toBe(200);
    expect(await api('PUT', '/api/forwards/token-reader', token, spec)).toBe(403);
  });

  it('--role Forwards.Operate --minutes 5: a 5-minute operator token; the stack takes its PUT', async () => {
    const r = await tokenScript('--role', 'Forwards.Operate', '--minutes', '5');
    expect(r.code).toBe(0);
    const token = lastLine(r.stdout);
    const claims = decodeJwt(token);
    expect({ roles: claims.roles, life: claims.exp! - claims.iat! }).toEqual({ roles: ['Forwards.Operate'], life: 300 });
    expect(await api('PUT', '/api/forwards/token-operator', token, spec)).toBe(202);
  });

  it.each([
    ['no --role', [], 2, /token: --role is missing/],
    ['a role the API does not have', ['--role', 'Forwards.Admin'], 2, /token: --role Forwards\.Admin is not an app role of the API \(Forwards\.Read, Forwards\.Operate\)/],
    ['--minutes out of range', ['--role', 'Forwards.Read', '--minutes', '0'], 2, /token: --minutes must be a whole number from 1 to 1440, got "0"/],
    ['an unknown flag', ['--role', 'Forwards.Read', '--tenant', 'x'], 2, /token: Unknown option '--tenant'/],
  ])('%s: exit 2 (usage), nothing on stdout, the problem named', async (_situation, args, code, message) => {
    const r = await tokenScript(...args);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code, stdout: '' });
    expect(r.stderr).toMatch(message);
  });

  it('no stack running in PLF_LOCAL_DIR: exit 1 saying so, no token', async () => {
    const r = await run(process.execPath, [path.join(ROOT, 'dist/scripts/token.js'), '--role', 'Forwards.Read'], { PLF_LOCAL_DIR: emptyDir });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.stderr).toContain(`token: no running stack in ${emptyDir}`);
  });
});

describe('npm run watch with sign-in on', () => {
  const watch = (env: Record<string, string>) => run(process.execPath, [path.join(ROOT, 'dist/scripts/watch.js'), 'token-watched', '--once', '--interval-ms', '200'], env);

  it('sends PLF_API_TOKEN: with a reader token it follows the forward; without, it says sign-in is on (exit 2)', async () => {
    const operator = lastLine((await tokenScript('--role', 'Forwards.Operate')).stdout);
    expect(await api('PUT', '/api/forwards/token-watched', operator, spec)).toBe(202);
    const reader = lastLine((await tokenScript('--role', 'Forwards.Read')).stdout);
    const withToken = await watch({ PLF_API_TOKEN: reader });
    expect({ code: withToken.code, out: withToken.stdout }).toEqual({ code: 0, out: expect.stringMatching(/token-watched settled: /) });
    const without = await watch({});
    expect({ code: without.code, err: without.stderr }).toEqual({ code: 2, err: expect.stringMatching(/refused the call \(GET \/api\/forwards\/token-watched -> 401\): sign-in is on; set PLF_API_TOKEN/) });
  });
});
