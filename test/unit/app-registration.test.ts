import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppRoles } from '../../core/auth';

/**
 * The Entra ID app registration that signs callers in: created by infra/app-registration.bicep
 * when main.bicep's authClientId is empty, else the one given. No Bicep compiler runs here, so
 * drift is caught by reading the files: the role values the code checks (core/auth.ts) are the
 * roles declared for the registration (infra/app-roles.json, the one list the Bicep loads);
 * main.bicep uses the module only when authClientId is empty and hands Easy Auth the client id
 * from the module or the parameter; README tells a deployer what happens and what it needs.
 */
const ROOT = path.resolve(__dirname, '../..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const declared = (JSON.parse(read('infra/app-roles.json')) as { appRoles: { key: string; value: string; displayName: string; description: string }[] }).appRoles;
const main = read('infra/main.bicep');
const moduleBicep = read('infra/app-registration.bicep');
/** Bicep without its comments, so a rule is not met by a sentence about it. */
const code = (bicep: string) =>
  bicep
    .split('\n')
    .filter((l) => !l.trim().startsWith('//'))
    .join('\n');

function bicepFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = `${dir}/${e.name}`;
    return e.isDirectory() ? bicepFiles(p) : e.name.endsWith('.bicep') ? [p] : [];
  });
}

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

  it('the registration takes its roles from app-roles.json, for people and applications alike, not from a copy', () => {
    const m = code(moduleBicep);
    expect(m).toMatch(/loadJsonContent\('app-roles\.json'\)\.appRoles/);
    expect(m).toMatch(/value: role\.value/);
    expect(m).toMatch(/id: guid\([^)]*role\.value\)/); // stable ids, one per value
    expect(m).toMatch(/allowedMemberTypes: \[ 'User', 'Application' \]/);
    expect(m).toMatch(/isEnabled: true/);
    // Both passes over the registration state the same roles.
    expect([...m.matchAll(/^\s*appRoles: appRoles$/gm)]).toHaveLength(2);
    // No role value is spelled out in any Bicep file: the JSON is the one list.
    for (const f of bicepFiles('infra')) for (const r of declared) expect(`${f}: ${code(read(f)).includes(r.value)}`).toBe(`${f}: false`);
  });
});

describe('the registration azd creates', () => {
  const m = code(moduleBicep);
  const config = JSON.parse(read('infra/bicepconfig.json')) as { extensions?: Record<string, string> };
  /** Body of `resource <name> '<type>' = { ... }` (top-level braces). */
  const body = (name: string) => new RegExp(`^resource ${name} '([^']+)' = \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(m) ?? [];

  it.each([
    ['the Microsoft Graph extension is declared, pinned to a released version', () => {
      expect(m).toMatch(/^extension microsoftGraphV1$/m);
      expect(config.extensions?.microsoftGraphV1).toMatch(/^br:mcr\.microsoft\.com\/bicep\/extensions\/microsoftgraph\/v1\.0:\d+\.\d+\.\d+$/);
    }],
    ['it is single-tenant and asks v2 tokens, whose issuer is the one Easy Auth is given', () => {
      for (const name of ['registration', 'registrationUris']) {
        expect(body(name)[2]).toMatch(/signInAudience: 'AzureADMyOrg'/);
        expect(body(name)[2]).toMatch(/requestedAccessTokenVersion: 2/);
      }
      expect(main).toMatch(/openIdIssuer: '\$\{environment\(\)\.authentication\.loginEndpoint\}\$\{tenant\(\)\.tenantId\}\/v2\.0'/);
    }],
    ['the Application ID URI is api://<client id>, set in a second pass over the same registration (the appId exists only after creation)', () => {
      expect(body('registration')[1]).toBe('Microsoft.Graph/applications@v1.0');
      expect(body('registrationUris')[1]).toBe('Microsoft.Graph/applications@v1.0');
      expect(body('registration')[2]).not.toMatch(/identifierUris/);
      expect(body('registrationUris')[2]).toMatch(/identifierUris: \[ 'api:\/\/\$\{registration\.appId\}' \]/);
      for (const name of ['registration', 'registrationUris']) expect(body(name)[2]).toMatch(/^\s*uniqueName: uniqueName$/m);
    }],
    ['the Azure CLI may ask tokens for people, pre-authorized only once the scope exists', () => {
      expect(body('registration')[2]).not.toMatch(/preAuthorizedApplications/);
      expect(body('registrationUris')[2]).toMatch(/preAuthorizedApplications: \[\s*\{ appId: azureCliAppId, delegatedPermissionIds: \[ userScopeId \] \}/);
      expect(m).toMatch(/azureCliAppId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'/);
    }],
    ['it has its service principal (tokens are issued for it, roles assigned on it) and the deployer stays an owner', () => {
      expect(body('servicePrincipal')[1]).toBe('Microsoft.Graph/servicePrincipals@v1.0');
      expect(body('servicePrincipal')[2]).toMatch(/appId: registrationUris\.appId/);
      expect(body('registration')[2]).toMatch(/owners: \{ relationships: \[ deployer\(\)\.objectId \] \}/);
    }],
    ['every module output main.bicep reads is declared', () => {
      const reads = [...main.matchAll(/appRegistration!?\.outputs\.(\w+)/g)].map((x) => x[1]);
      expect(reads.length).toBeGreaterThan(0);
      for (const o of reads) expect(m).toMatch(new RegExp(`^output ${o} string = `, 'm'));
    }],
  ] as const)('%s', (_, check) => check());
});

describe('main.bicep creates the registration only when no client id is given', () => {
  const mc = code(main);
  it.each([
    ['authClientId may be empty, in the template and in the azd environment', () => {
      expect(mc).toMatch(/^param authClientId string = ''$/m);
      expect(read('infra/main.parameters.json')).toMatch(/"authClientId": \{ "value": "\$\{PLF_AUTH_CLIENT_ID=\}" \}/);
    }],
    ['empty: the module is deployed; given: it is not', () => {
      expect(mc).toMatch(/^module appRegistration 'app-registration\.bicep' = if \(empty\(authClientId\)\) \{$/m);
    }],
    ['Easy Auth takes the client id from the module when it ran, else from the parameter', () => {
      expect(mc).toMatch(/^var signInClientId = empty\(authClientId\) \? appRegistration!\.outputs\.clientId : authClientId$/m);
      expect(mc).toMatch(/clientId: signInClientId\n/);
      expect(mc).toMatch(/allowedAudiences: \[ 'api:\/\/\$\{signInClientId\}', signInClientId \]/);
      // authClientId itself is read only to decide: parameter, module condition, the choice.
      expect(mc.match(/\bauthClientId\b/g)).toHaveLength(4);
    }],
    ['the client id in use is an output, so azd shows it and scripts can ask tokens for it', () => {
      expect(mc).toMatch(/^output AUTH_CLIENT_ID string = signInClientId$/m);
    }],
    ['Event Grid deliveries and the health probe still pass without sign-in', () => {
      expect(mc).toMatch(/excludedPaths: \[ '\/runtime\/webhooks\/eventgrid', '\/api\/health' \]/);
    }],
  ] as const)('%s', (_, check) => check());
});

describe('README tells a deployer about the registration', () => {
  const readme = read('README.md');
  const section = /## Deploy to Azure\n([\s\S]*?)(\n## |$)/.exec(readme)?.[1] ?? '';
  const row = section.split('\n').find((l) => l.startsWith('| `authClientId`')) ?? '';
  it.each([
    ['the parameter table marks authClientId optional and says what empty does', () => {
      expect(row).toMatch(/PLF_AUTH_CLIENT_ID`?, optional/);
      expect(row).toMatch(/app-registration\.bicep/);
    }],
    ['the Entra permission the deployer needs', () => {
      expect(section).toMatch(/Application Developer/);
      expect(section).toMatch(/Application\.ReadWrite\.OwnedBy/);
    }],
    ['the fallback: an existing registration, with the same roles and URI', () => {
      expect(section).toMatch(/azd env set PLF_AUTH_CLIENT_ID/);
      expect(section).toMatch(/infra\/app-roles\.json/);
      expect(section).toMatch(/api:\/\/<client id>/);
    }],
    ['that roles still have to be assigned, and the registration outlives azd down', () => {
      for (const r of declared) expect(section).toContain(r.value);
      expect(section).toMatch(/azd down/);
    }],
  ] as const)('%s', (_, check) => check());
});
