import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AppRoles } from '../../core/auth';
import {
  applicationBody,
  applicationUrl,
  AZURE_CLI_APP_ID,
  GRAPH,
  HookError,
  loadRoles,
  postprovision,
  preprovision,
  uniqueNameFor,
  uuidV5,
  webBody,
  type Exec,
  type ExecResult,
} from '../../infra/hooks/app-registration.cjs';

/**
 * The Entra ID app registration that signs callers in, created and kept by azd's hooks
 * (infra/hooks/app-registration.cjs: Microsoft Graph through `az rest`), not by Bicep. What is
 * checked: the roles the code checks are the roles the registration declares; the bodies the hook
 * sends (pure functions); what it does against a small in-memory Graph standing in for
 * `az rest` (Graph cannot be reached here); the script as azd runs it; azure.yaml's hooks.
 */
const ROOT = path.resolve(__dirname, '../..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const declared = (JSON.parse(read('infra/app-roles.json')) as { appRoles: { key: string; value: string; displayName: string; description: string }[] }).appRoles;
const HOOK = 'infra/hooks/app-registration.cjs';

describe('the roles the code checks are the roles the registration declares', () => {
  it.each(Object.entries(AppRoles))('the code checks role %s as %s: app-roles.json declares it under the same key', (key, value) => {
    expect(declared.filter((r) => r.key === key).map((r) => r.value)).toEqual([value]);
  });

  it('app-roles.json declares no role the code does not check, and each once', () => {
    expect(declared.map((r) => r.value).sort()).toEqual(Object.values(AppRoles).sort());
    expect(new Set(declared.map((r) => r.key)).size).toBe(declared.length);
  });

  it.each(declared.map((r) => [r.value, r] as const))('role %s is valid for Entra ID (value characters, a name and a description)', (_, r) => {
    expect(r.value).toMatch(/^[A-Za-z0-9!#$%&'()*+,\-./:;=?@[\]^_{}~]{1,120}$/);
    expect(r.value.startsWith('.')).toBe(false);
    expect(r.displayName.length).toBeGreaterThan(0);
    expect(r.description.length).toBeGreaterThan(0);
  });

  it('the registration declares exactly the roles of app-roles.json, for people and applications, enabled', () => {
    const body = applicationBody({ displayName: 'x', roles: loadRoles() });
    expect(body.appRoles.map((r) => [r.value, r.displayName, r.description])).toEqual(declared.map((r) => [r.value, r.displayName, r.description]));
    for (const r of body.appRoles) {
      expect(r.allowedMemberTypes).toEqual(['User', 'Application']);
      expect(r.isEnabled).toBe(true);
    }
  });
});

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('stable ids and names', () => {
  it.each([
    // RFC 4122 appendix B / Python's uuid.uuid5(NAMESPACE_DNS, 'www.example.com').
    ['the published example (DNS namespace)', 'www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '2ed6657d-e927-568b-95e1-2665a8aea6a2'],
    ['another name, another id', 'python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '886313e1-3b8a-5372-9b90-0c9aee199e5d'],
  ])('uuidV5: %s', (_situation, name, namespace, id) => {
    expect(uuidV5(name, namespace)).toBe(id);
  });

  it('role and scope ids are version-5 UUIDs, distinct, and the same on every run', () => {
    const a = applicationBody({ displayName: 'a', roles: loadRoles(), appId: 'x' });
    const b = applicationBody({ displayName: 'b', roles: loadRoles() });
    const ids = [...a.appRoles.map((r) => r.id), ...a.api.oauth2PermissionScopes.map((s) => s.id)];
    for (const id of ids) expect(id).toMatch(UUID_V5);
    expect(new Set(ids).size).toBe(ids.length);
    expect(b.appRoles.map((r) => r.id)).toEqual(a.appRoles.map((r) => r.id));
    expect(b.api.oauth2PermissionScopes[0].id).toBe(a.api.oauth2PermissionScopes[0].id);
  });

  it.each([
    ['same subscription and environment: the same name', ['s1', 'dev'], ['s1', 'dev'], true],
    ['subscription id case does not matter', ['ABC', 'dev'], ['abc', 'dev'], true],
    ['another subscription: another name', ['s1', 'dev'], ['s2', 'dev'], false],
    ['another environment: another name', ['s1', 'dev'], ['s1', 'prod'], false],
  ] as const)('uniqueNameFor: %s', (_situation, a, b, same) => {
    expect(uniqueNameFor(a[0], a[1]) === uniqueNameFor(b[0], b[1])).toBe(same);
  });

  it.each([
    ['a plain name', 'dev'],
    ['capitals, dots and spaces', 'My Env.Prod 2'],
    ['nothing usable', '___'],
    ['very long', 'x'.repeat(200)],
  ])('uniqueNameFor gives a usable OData key for %s', (_situation, envName) => {
    const name = uniqueNameFor('00000000-0000-0000-0000-000000000001', envName);
    expect(name).toMatch(/^private-link-forwarder-[a-z0-9-]+-[0-9a-f]{10}$/);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(applicationUrl(name)).toBe(`${GRAPH}/applications(uniqueName='${name}')`);
  });

  it('applicationUrl refuses a name that would need quoting', () => {
    expect(() => applicationUrl("x')/owners(")).toThrow(/not a uniqueName/);
  });
});

describe('the application body', () => {
  const first = applicationBody({ displayName: 'n', roles: loadRoles() });
  const second = applicationBody({ displayName: 'n', roles: loadRoles(), appId: 'app-1' });
  it.each([
    ['single tenant, v2 access tokens (issuer .../<tenant>/v2.0, aud = client id), in both passes', () => {
      for (const b of [first, second]) {
        expect(b.signInAudience).toBe('AzureADMyOrg');
        expect(b.api.requestedAccessTokenVersion).toBe(2);
      }
    }],
    ['the user_impersonation scope for people, enabled, in both passes (Graph replaces `api` whole)', () => {
      for (const b of [first, second]) expect(b.api.oauth2PermissionScopes.map((s) => [s.value, s.type, s.isEnabled])).toEqual([['user_impersonation', 'User', true]]);
    }],
    ['before the appId is known: no identifier URI, no pre-authorization (its scope must exist first)', () => {
      expect(first.identifierUris).toBeUndefined();
      expect(first.api.preAuthorizedApplications).toBeUndefined();
    }],
    ['with the appId: api://<appId>, and the Azure CLI pre-authorized for the scope', () => {
      expect(second.identifierUris).toEqual(['api://app-1']);
      expect(second.api.preAuthorizedApplications).toEqual([{ appId: AZURE_CLI_APP_ID, delegatedPermissionIds: [second.api.oauth2PermissionScopes[0].id] }]);
      expect(AZURE_CLI_APP_ID).toBe('04b07795-8ddb-461a-bbee-02f9e1bf7b46');
    }],
  ] as const)('%s', (_, check) => check());
});

describe('the web settings postprovision adds', () => {
  const uri = 'https://plf-func-abc.azurewebsites.net/.auth/login/aad/callback';
  it.each([
    ['no web settings yet', undefined, { web: { redirectUris: [uri], implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: true } } }],
    ['both there already: nothing to send', { redirectUris: [uri], implicitGrantSettings: { enableIdTokenIssuance: true } }, undefined],
    [
      'other redirect URIs, a logout URL and access tokens kept (Graph replaces `web` whole)',
      { redirectUris: ['https://other/cb'], logoutUrl: 'https://other/logout', implicitGrantSettings: { enableAccessTokenIssuance: true, enableIdTokenIssuance: false } },
      { web: { logoutUrl: 'https://other/logout', redirectUris: ['https://other/cb', uri], implicitGrantSettings: { enableAccessTokenIssuance: true, enableIdTokenIssuance: true } } },
    ],
    ['the URI there, ID tokens off', { redirectUris: [uri] }, { web: { redirectUris: [uri], implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: true } } }],
  ])('%s', (_situation, web, expected) => {
    expect(webBody(web, uri)).toEqual(expected);
  });

  it.each([['empty', ''], ['not https', 'http://h/.auth/login/aad/callback'], ['not the callback', 'https://h/api/ui']])('refuses a redirect URI that is %s', (_situation, bad) => {
    expect(() => webBody(undefined, bad)).toThrow(/not an Easy Auth redirect URI/);
  });
});

/**
 * A small Microsoft Graph behind a stand-in for `az rest` / `az account show` / `azd env set`:
 * applications by uniqueName (upsert with Prefer: create-if-missing, 201 with the object when
 * created, 204 when updated; complex properties replaced whole), service principals by appId.
 * `lag` hides a new application from GETs that many times (Graph replicates).
 */
class FakeGraph {
  apps = new Map<string, Record<string, unknown>>();
  sps = new Set<string>();
  calls: string[] = [];
  envSet: Record<string, string> = {};
  tenant = 'tenant-1';
  lag = 0;
  createdAnswersBody = true;
  failPatch?: string;
  private next = 1;

  exec: Exec = (cmd, args) => {
    const ok = (body?: unknown): ExecResult => ({ status: 0, stdout: body === undefined ? '' : JSON.stringify(body), stderr: '' });
    const notFound: ExecResult = { status: 1, stdout: '', stderr: 'ERROR: Not Found({"error":{"code":"Request_ResourceNotFound","message":"Resource does not exist"}})' };
    if (cmd === 'azd') {
      this.calls.push(`azd ${args.join(' ')}`);
      this.envSet[args[2]] = args[3];
      return ok();
    }
    if (args[0] === 'account') return { status: 0, stdout: `${this.tenant}\n`, stderr: '' };
    const opt = (name: string) => args[args.indexOf(name) + 1];
    const method = opt('--method');
    const url = opt('--url');
    const headers = args.slice(args.indexOf('--headers') + 1).filter((a) => /^[\w-]+=/.test(a));
    const body = args.includes('--body') ? (JSON.parse(opt('--body')) as Record<string, unknown>) : undefined;
    const app = /\/applications\(uniqueName='([^']+)'\)(\?.*)?$/.exec(url);
    const sp = /\/servicePrincipals\(appId='([^']+)'\)/.exec(url);
    this.calls.push(`${method} ${url.replace(GRAPH, '')}${headers.includes('Prefer=create-if-missing') ? ' [upsert]' : ''}${body?.identifierUris ? ' +identifierUris' : ''}`);
    if (app && method === 'GET') {
      const a = this.apps.get(app[1]);
      if (!a || this.lag-- > 0) return notFound;
      return ok(a);
    }
    if (app && method === 'PATCH') {
      if (this.failPatch) return { status: 1, stdout: '', stderr: this.failPatch };
      const existing = this.apps.get(app[1]);
      if (!existing) {
        if (!headers.includes('Prefer=create-if-missing')) return notFound;
        const created = { id: `obj-${this.next}`, appId: `app-${this.next++}`, uniqueName: app[1], ...body };
        this.apps.set(app[1], created);
        return ok(this.createdAnswersBody ? created : undefined);
      }
      Object.assign(existing, body);
      return ok();
    }
    if (sp && method === 'GET') return this.sps.has(sp[1]) ? ok({ id: `sp-${sp[1]}` }) : notFound;
    if (url.endsWith('/servicePrincipals') && method === 'POST') {
      this.sps.add(String(body?.appId));
      return ok({ id: `sp-${String(body?.appId)}` });
    }
    return { status: 1, stdout: '', stderr: `unexpected ${method} ${url}` };
  };
}

const ENV = { AZURE_ENV_NAME: 'dev', AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001' };
const NAME = uniqueNameFor(ENV.AZURE_SUBSCRIPTION_ID, ENV.AZURE_ENV_NAME);
const quiet = { log: () => undefined, pauseMs: 0 };

describe('preprovision against a Graph', () => {
  it('a new registration: created by upsert, then api://<appId> and the pre-authorization, its service principal, the client id in the azd environment', async () => {
    const g = new FakeGraph();
    await preprovision(ENV, { ...quiet, exec: g.exec });
    expect(g.calls).toEqual([
      `GET /applications(uniqueName='${NAME}')?$select=id,appId`,
      `PATCH /applications(uniqueName='${NAME}') [upsert]`,
      `PATCH /applications(uniqueName='${NAME}') [upsert] +identifierUris`,
      "GET /servicePrincipals(appId='app-1')?$select=id",
      'POST /servicePrincipals',
      "GET /servicePrincipals(appId='app-1')?$select=id",
      'azd env set PLF_AUTH_CLIENT_ID app-1',
      `azd env set PLF_AUTH_APP_UNIQUE_NAME ${NAME}`,
    ]);
    const app = g.apps.get(NAME) as unknown as ReturnType<typeof applicationBody>;
    expect(app).toMatchObject(applicationBody({ displayName: 'private-link-forwarder API (dev)', roles: loadRoles(), appId: 'app-1' }));
    expect(g.sps).toEqual(new Set(['app-1']));
  });

  it('run again with the environment it left: nothing is touched', async () => {
    const g = new FakeGraph();
    await preprovision(ENV, { ...quiet, exec: g.exec });
    const before = g.calls.length;
    await preprovision({ ...ENV, PLF_AUTH_CLIENT_ID: g.envSet.PLF_AUTH_CLIENT_ID }, { ...quiet, exec: g.exec });
    expect(g.calls.slice(before)).toEqual([]);
  });

  it('the registration exists but the environment lost its client id: one full update of the same registration, no second service principal', async () => {
    const g = new FakeGraph();
    await preprovision(ENV, { ...quiet, exec: g.exec });
    g.calls = [];
    await preprovision(ENV, { ...quiet, exec: g.exec });
    expect(g.calls.filter((c) => !c.startsWith('azd'))).toEqual([
      `GET /applications(uniqueName='${NAME}')?$select=id,appId`,
      `PATCH /applications(uniqueName='${NAME}') [upsert] +identifierUris`,
      "GET /servicePrincipals(appId='app-1')?$select=id",
    ]);
    expect(g.apps.size).toBe(1);
    expect(g.envSet.PLF_AUTH_CLIENT_ID).toBe('app-1');
  });

  it('Graph answers the creation without a body and replicates slowly: the appId is read again until it shows', async () => {
    const g = new FakeGraph();
    g.createdAnswersBody = false;
    g.lag = 2;
    await preprovision(ENV, { ...quiet, exec: g.exec });
    expect(g.envSet.PLF_AUTH_CLIENT_ID).toBe('app-1');
    // The one before creation, two that do not see it yet, the one that does.
    expect(g.calls.filter((c) => c.startsWith('GET /applications')).length).toBe(4);
  });

  it.each([
    ['the CLI signed in to another tenant than the deployment', (g: FakeGraph) => ({ env: { ...ENV, AZURE_TENANT_ID: 'tenant-2' }, g }), /signed in to tenant tenant-1, the azd environment deploys to tenant tenant-2: run `az login --tenant tenant-2`/],
    ['no azd environment', (g: FakeGraph) => ({ env: {}, g }), /AZURE_ENV_NAME and AZURE_SUBSCRIPTION_ID are not set/],
    ['Graph refuses the registration (no right to register applications)', (g: FakeGraph) => {
      g.failPatch = 'ERROR: Forbidden({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}})';
      return { env: ENV, g };
    }, /az rest --method PATCH .* failed \(exit 1\): .*Authorization_RequestDenied/],
  ] as const)('%s: a HookError naming it, nothing stored', async (_situation, setup, message) => {
    const { env, g } = setup(new FakeGraph());
    await expect(preprovision(env, { ...quiet, exec: g.exec })).rejects.toThrow(message);
    await expect(preprovision(env, { ...quiet, exec: g.exec })).rejects.toBeInstanceOf(HookError);
    expect(g.envSet).toEqual({});
  });

  it('az not installed: a HookError saying so', async () => {
    const missing: Exec = () => ({ status: null, stdout: '', stderr: '', error: Object.assign(new Error('spawn az ENOENT'), { code: 'ENOENT' }) });
    await expect(preprovision(ENV, { ...quiet, exec: missing })).rejects.toThrow(/az is not installed or not on PATH/);
  });
});

describe('postprovision against a Graph', () => {
  const redirect = 'https://plf-func-abc.azurewebsites.net/.auth/login/aad/callback';
  it('a registration the hook manages: the redirect URI and ID tokens added once', async () => {
    const g = new FakeGraph();
    await preprovision(ENV, { ...quiet, exec: g.exec });
    const env = { ...ENV, ...g.envSet, AUTH_REDIRECT_URI: redirect };
    g.calls = [];
    await postprovision(env, { ...quiet, exec: g.exec });
    await postprovision(env, { ...quiet, exec: g.exec });
    expect(g.calls).toEqual([`GET /applications(uniqueName='${NAME}')?$select=appId,web`, `PATCH /applications(uniqueName='${NAME}')`, `GET /applications(uniqueName='${NAME}')?$select=appId,web`]);
    expect(g.apps.get(NAME)?.web).toEqual({ redirectUris: [redirect], implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: true } });
  });

  it('a registration given in PLF_AUTH_CLIENT_ID: not touched, the deployer is told what to add', async () => {
    const g = new FakeGraph();
    const lines: string[] = [];
    await postprovision({ PLF_AUTH_CLIENT_ID: 'given-1', AUTH_REDIRECT_URI: redirect }, { exec: g.exec, log: (l) => lines.push(l) });
    expect(g.calls).toEqual([]);
    expect(lines.join('\n')).toContain(`given-1 is not managed by this hook. For browser sign-in, add the web redirect URI ${redirect} and turn on ID tokens`);
  });

  it('without main.bicep\'s output: a HookError naming it', async () => {
    await expect(postprovision({ PLF_AUTH_APP_UNIQUE_NAME: NAME }, { ...quiet, exec: new FakeGraph().exec })).rejects.toThrow(/AUTH_REDIRECT_URI is not set/);
  });
});

describe('the hook as azd runs it', () => {
  /** Runs the script with only node's own folder on PATH (no az, no azd). */
  const runHook = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [path.join(ROOT, HOOK), ...args], { encoding: 'utf8', env: { PATH: path.dirname(process.execPath), ...env } });

  it.each([
    ['PLF_AUTH_CLIENT_ID already set: leaves it alone, exit 0', ['preprovision'], { PLF_AUTH_CLIENT_ID: 'given-1' }, 0, /PLF_AUTH_CLIENT_ID is set \(given-1\): leaving that registration as it is/],
    ['no Azure CLI: exit 1 naming it', ['preprovision'], ENV, 1, /app registration \(preprovision\): az is not installed or not on PATH/],
    ['an unknown hook: exit 2 with the usage', ['predeploy'], {}, 2, /usage: node infra\/hooks\/app-registration\.cjs preprovision\|postprovision/],
    ['no hook named: exit 2', [], {}, 2, /usage:/],
  ])('%s', (_situation, args, env, status, output) => {
    const r = runHook(args, env);
    expect(r.status).toBe(status);
    expect(r.stdout + r.stderr).toMatch(output);
  });

  it('azure.yaml runs it before and after provisioning, in the run form with sh; the Graph Bicep extension is gone', () => {
    const yaml = parseYaml(read('azure.yaml')) as { hooks: Record<string, { shell?: string; run?: string }> };
    expect(yaml.hooks.preprovision).toEqual({ shell: 'sh', run: `node ./${HOOK} preprovision` });
    expect(yaml.hooks.postprovision).toEqual({ shell: 'sh', run: `node ./${HOOK} postprovision` });
    expect(fs.existsSync(path.join(ROOT, 'infra/app-registration.bicep'))).toBe(false);
    expect(JSON.parse(read('infra/bicepconfig.json'))).not.toHaveProperty('extensions');
  });

  it("main.bicep's authClientId comes from the environment the hook fills, with no default", () => {
    const params = (JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> }).parameters;
    expect(params.authClientId).toEqual({ value: '${PLF_AUTH_CLIENT_ID}' });
  });
});
