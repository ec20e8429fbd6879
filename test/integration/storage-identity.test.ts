import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { DefaultAzureCredential, ManagedIdentityCredential, type AccessToken, type TokenCredential } from '@azure/identity';
import { parseForwardSpec } from '../../core/forward-spec';
import { generateTls } from '../../tools/emulator/tls';
import { forwardsActions } from '../../functions/forwards-actions';
import { forwardsDelete } from '../../functions/forwards-delete';
import { forwardsGet } from '../../functions/forwards-get';
import { forwardsList } from '../../functions/forwards-list';
import { forwardsPut } from '../../functions/forwards-put';
import { ActionLog } from '../../store/action-log';
import { ConnectionStore } from '../../store/connection-store';
import { ForwardRegistry } from '../../store/forward-registry';
import { storageCredential, type StorageAccess } from '../../store/tables';

/**
 * The app's table access (registry, connection rows, action log — all built by store/tables.ts)
 * with exactly the storage settings infra/main.bicep gives the deployed app, against Azurite in
 * OAuth mode: HTTPS with a certificate generated here, `--oauth basic`, and a bearer token
 * minted here by a TokenCredential the test provides (Azurite's basic OAuth checks a JWT's
 * issuer, audience and lifetime, not its signature). No Azure needed.
 */
const ROOT = path.resolve(__dirname, '../..');
const ACCOUNT = 'devstoreaccount1';

/** The `AzureWebJobsStorage*` app settings main.bicep writes, by name, as they appear there. */
function infraStorageSettingNames(): string[] {
  const bicep = fs.readFileSync(path.join(ROOT, 'infra/main.bicep'), 'utf8');
  return [...bicep.matchAll(/name:\s*'(AzureWebJobsStorage[^']*)'/g)].map((m) => m[1]).sort();
}

/** Mints a JWT of the shape Entra ID issues for storage (HS256 with a throwaway key). */
function mintToken(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${crypto.createHmac('sha256', crypto.randomBytes(32)).update(head).digest('base64url')}`;
}

class MintedCredential implements TokenCredential {
  readonly scopes: string[] = [];
  constructor(private readonly audience = 'https://storage.azure.com') {}
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    const now = Math.floor(Date.now() / 1000);
    const token = mintToken({ aud: this.audience, iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000001/', iat: now - 60, nbf: now - 60, exp: now + 3600, oid: '00000000-0000-0000-0000-0000000000aa' });
    return { token, expiresOnTimestamp: (now + 3600) * 1000 };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startOAuthAzurite(dir: string, certFile: string, keyFile: string): Promise<{ child: ChildProcess; port: number }> {
  const main = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'table', 'main.js');
  const port = await freePort();
  const args = [main, '--tableHost', '127.0.0.1', '--tablePort', String(port), '--disableTelemetry', '--skipApiVersionCheck', '--inMemoryPersistence', '--oauth', 'basic', '--cert', certFile, '--key', keyFile];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`azurite did not start: ${out}`)), 20_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      if (/successfully started/i.test(out)) {
        clearTimeout(timer);
        resolve();
      } else if (/EADDRINUSE|error/i.test(out)) {
        clearTimeout(timer);
        reject(new Error(out));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`azurite exited ${code}: ${out}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { child, port };
}

let azurite: ChildProcess | undefined;
let dir: string;
let env: Record<string, string>;
let caPem: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-oauth-'));
  const tls = await generateTls();
  caPem = tls.caPem;
  fs.writeFileSync(path.join(dir, 'cert.pem'), tls.certPem);
  fs.writeFileSync(path.join(dir, 'key.pem'), tls.keyPem);
  const started = await startOAuthAzurite(dir, path.join(dir, 'cert.pem'), path.join(dir, 'key.pem'));
  azurite = started.child;
  // The values Azure would put in main.bicep's settings, pointed at this Azurite. The bicep's
  // `primaryEndpoints.table` ends with a slash: so does this one.
  const values: Record<string, string> = {
    AzureWebJobsStorage__accountName: ACCOUNT,
    AzureWebJobsStorage__credential: 'managedidentity',
    AzureWebJobsStorage__tableServiceUri: `https://127.0.0.1:${started.port}/${ACCOUNT}/`,
    AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-0000000000c1',
  };
  env = {};
  for (const name of infraStorageSettingNames()) {
    if (!(name in values)) throw new Error(`main.bicep sets ${name}, which this test does not know: add it here`);
    env[name] = values[name];
  }
}, 60_000);

afterAll(async () => {
  if (azurite && azurite.exitCode === null) {
    const exited = new Promise((r) => azurite!.once('exit', r));
    azurite.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const spec = (() => {
  const r = parseForwardSpec({ ports: [{ port: 8000 }], targets: ['192.168.42.65'] });
  if (!r.ok) throw new Error('bad spec');
  return r.spec;
})();

describe('storage by identity, with the settings infra writes', () => {
  it('infra gives the app identity-based storage only: no connection string, no key', () => {
    const names = infraStorageSettingNames();
    expect(names).toEqual(expect.arrayContaining(['AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__tableServiceUri']));
    expect(names).not.toContain('AzureWebJobsStorage');
    expect(env.AzureWebJobsStorage).toBeUndefined();
  });

  it('the registry, the connection rows and the action log work over HTTPS with a bearer token', async () => {
    const credential = new MintedCredential();
    const access: StorageAccess = { credential, tlsCa: caPem };
    const registry = ForwardRegistry.fromEnv(env, access);
    const put = await registry.putSpec('by-identity', spec);
    expect(put.kind).toBe('created');
    expect((await registry.get('by-identity'))?.generation).toBe(1);
    expect((await registry.list()).map((r) => r.name)).toContain('by-identity');

    const rows = ConnectionStore.fromEnv(env, access);
    await rows.replace('by-identity', [], [{ name: 'pe-1', privateEndpointId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-1', subscriptionId: 's', state: 'Approved', decision: 'keep', reason: 'r', firstSeen: '2026-01-01T00:00:00Z' }]);
    expect((await rows.list('by-identity')).map((r) => r.name)).toEqual(['pe-1']);

    const log = ActionLog.fromEnv(env, access);
    const page = await log.page('by-identity', 10);
    expect(page.value).toEqual([]);

    // Every token was asked for storage's scope.
    expect(new Set(credential.scopes)).toEqual(new Set(['https://storage.azure.com/.default']));
  });

  it('Azurite really checks the token: one for another audience is refused', async () => {
    const registry = ForwardRegistry.fromEnv(env, { credential: new MintedCredential('https://management.azure.com'), tlsCa: caPem });
    await expect(registry.get('by-identity')).rejects.toMatchObject({ statusCode: expect.any(Number) });
    await expect(registry.get('by-identity')).rejects.toThrow(/audience|authentic/i);
  });

  it('without a supplied credential the settings pick the (user-assigned) managed identity', () => {
    expect(storageCredential(env)).toBeInstanceOf(ManagedIdentityCredential);
    expect(storageCredential({ ...env, AzureWebJobsStorage__credential: undefined })).toBeInstanceOf(DefaultAzureCredential);
  });
});

describe('registry unreachable: every route answers 503 problem+json', () => {
  let saved: NodeJS.ProcessEnv;
  let closedPort: number;
  beforeAll(async () => {
    saved = { ...process.env };
    closedPort = await freePort();
  });
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  const body = JSON.stringify({ ports: [{ port: 8000 }], targets: ['192.168.42.65'] });
  // Every row has all four cells: a test function with more parameters than the row would be taken to want `done`.
  const routes: [string, (r: HttpRequest, c: InvocationContext) => Promise<HttpResponseInit>, string, string | undefined][] = [
    ['PUT /forwards/{name}', forwardsPut, 'PUT', body],
    ['GET /forwards/{name}', forwardsGet, 'GET', undefined],
    ['GET /forwards', forwardsList, 'GET', undefined],
    ['DELETE /forwards/{name}', forwardsDelete, 'DELETE', undefined],
    ['GET /forwards/{name}/actions', forwardsActions, 'GET', undefined],
  ];
  const settings: [string, () => Record<string, string>][] = [
    ['a connection string to a closed port', () => ({ AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${Buffer.from('k').toString('base64')};TableEndpoint=http://127.0.0.1:${closedPort}/${ACCOUNT};` })],
    ['no storage setting at all', () => ({})],
  ];

  // The routes of a setting go side by side: with a closed port each one waits out the Tables
  // SDK's retries of the refused connection (about 5 s) before it answers.
  it.each(settings)('every route with %s', async (_setting, make) => {
    delete process.env.AzureWebJobsStorage;
    for (const k of Object.keys(process.env)) if (k.startsWith('AzureWebJobsStorage__')) delete process.env[k];
    Object.assign(process.env, { PLF_AUTH: 'off' }, make());
    const answers = await Promise.all(
      routes.map(async ([route, handler, method, text]) => {
        const request = new HttpRequest({ method, url: 'http://127.0.0.1/api/forwards/f1', params: { name: 'f1' }, ...(text ? { headers: { 'content-type': 'application/json' }, body: { string: text } } : {}) });
        const context = new InvocationContext({ functionName: 'test' });
        jest.spyOn(context, 'error').mockImplementation(() => undefined);
        const res = await handler(request, context);
        const problem = JSON.parse(res.body as string) as { status?: number; title?: string };
        return [route, { status: res.status, contentType: (res.headers as Record<string, string>)['Content-Type'], problem: { status: problem.status, title: problem.title } }] as const;
      }),
    );
    const unavailable = { status: 503, contentType: 'application/problem+json', problem: { status: 503, title: 'Registry unavailable' } };
    expect(Object.fromEntries(answers)).toEqual(Object.fromEntries(routes.map(([route]) => [route, unavailable])));
  }, 60_000);
});
