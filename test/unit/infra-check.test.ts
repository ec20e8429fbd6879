import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ANALYZER_PROBES, analyzerProblems, errorRules, parseDiagnostics, probeFile } from '../../tools/infra-check/analyzers';
import { bicepPath, pinnedVersion } from '../../tools/infra-check/bicep';
import { bicepLiteral, bicepparamFor, SAMPLES, substitute } from '../../tools/infra-check/sample-params';
import { documentedWithDefault, NOT_SET_ON_AZURE, productSettingsRead, settingsCoverage, settingsReadIn } from '../../tools/infra-check/settings-read';
import { parseSnapshot, resolveLoginExpression, type Snapshot } from '../../tools/infra-check/snapshot';
import { checkHubRole, checkSignIn, checkStorageNames, EXCLUDED_PATHS, storageNameProblem, type Sample } from '../../tools/infra-check/template-checks';

/**
 * The logic of `npm run check:infra` (tools/infra-check/) on small fixtures: each check finds
 * what it is for and names it. The real assertions run in check:infra on the Bicep CLI's real
 * output (`.ci/run`); these show a check cannot pass what it should catch.
 */
const ROOT = path.resolve(__dirname, '../..');

describe('storage account names', () => {
  it.each([
    ['lower-case letters and digits', 'plfdev0abc', true],
    ['24 characters', 'a'.repeat(24), true],
    ['a hyphen (a prefix taken as is)', 'plf-devabc', false],
    ['capitals', 'PlfDev', false],
    ['too short', 'ab', false],
    ['too long', 'a'.repeat(25), false],
  ])('%s', (_situation, name, valid) => {
    expect(storageNameProblem(name) === undefined).toBe(valid);
  });
});

describe('resolving the Entra ID URL expressions', () => {
  it.each([
    ['the issuer', "[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, 'ten-1')]", 'https://login.microsoftonline.com/ten-1/v2.0'],
    ['the keys URL', "[format('{0}{1}/discovery/v2.0/keys', environment().authentication.loginEndpoint, 'ten-1')]", 'https://login.microsoftonline.com/ten-1/discovery/v2.0/keys'],
    ['a quote doubled in a literal', "[format('{0}', 'it''s')]", "it's"],
    ['a plain value', 'entra', 'entra'],
    ['another expression', "[reference('x').y]", undefined],
    ['a function the resolver does not know', "[format('{0}', tenant().tenantId)]", undefined],
    ['not a string', 42, undefined],
  ])('%s', (_situation, value, resolved) => {
    expect(resolveLoginExpression(value)).toBe(resolved);
  });
});

describe('the settings the product reads', () => {
  it.each([
    ['process.env.X', 'const a = process.env.PLF_A;', ['PLF_A']],
    ['env.X and env[\'X\']', "f(env.PLF_B, env['AzureWebJobsStorage__accountName'])", ['PLF_B', 'AzureWebJobsStorage__accountName']],
    ['not an env read', 'const environment = x.env2; myenv.PLF_C;', []],
  ])('%s', (_situation, text, names) => {
    expect(settingsReadIn(text)).toEqual(names);
  });

  it('the product reads settings, and every one NOT_SET_ON_AZURE names is one it reads', () => {
    const read = productSettingsRead(ROOT);
    expect(read.size).toBeGreaterThan(5);
    expect(Object.keys(NOT_SET_ON_AZURE).filter((n) => !read.has(n))).toEqual([]);
  });

  it("README rows that say what applies when unset count as documented defaults; others do not", () => {
    const readme = [
      '## App settings',
      '| setting | meaning |',
      '|---|---|',
      '| `PLF_A` | how often (default 5) |',
      '| `PLF_B`, `PLF_C` | optional: a thing |',
      '| `PLF_D` | where forwards go |',
      '| `PLF_E` | unset = anonymous |',
      '## Next',
      '| `PLF_F` | (default 1) |',
    ].join('\n');
    expect([...documentedWithDefault(readme)].sort()).toEqual(['PLF_A', 'PLF_B', 'PLF_C', 'PLF_E']);
  });

  const read = new Map([
    ['PLF_SET', ['core/a.ts']],
    ['PLF_ARM_ENDPOINT', ['core/a.ts']],
    ['PLF_TUNABLE', ['core/b.ts']],
  ]);
  it.each([
    ['all accounted for', read, ['PLF_SET', 'PLF_AUTH'], [], []],
    ['a setting read but neither set, local-only nor documented', new Map([...read, ['PLF_NEW', ['azure/x.ts']]]), ['PLF_SET', 'PLF_AUTH'], [], [/^PLF_NEW is read by the product \(azure\/x\.ts\) but main\.bicep does not set it/]],
    ['a required setting not set', read, ['PLF_SET'], [], [/^PLF_AUTH is required on Azure but main\.bicep does not set it$/]],
    ['a setting set that nothing reads', read, ['PLF_SET', 'PLF_AUTH', 'PLF_STALE'], [], [/^main\.bicep sets PLF_STALE, which neither the product nor the Functions host reads$/]],
    ['a local-only setting set on Azure', read, ['PLF_SET', 'PLF_AUTH', 'PLF_ARM_ENDPOINT'], [], [/^main\.bicep sets PLF_ARM_ENDPOINT, which NOT_SET_ON_AZURE says stays unset/]],
    ['host settings may be set without the product reading them', read, ['PLF_SET', 'PLF_AUTH', 'AzureWebJobsStorage__accountName', 'APPLICATIONINSIGHTS_CONNECTION_STRING'], [], []],
  ] as const)('coverage: %s', (_situation, r, set, _unused, problems) => {
    const c = settingsCoverage(r as Map<string, string[]>, new Set(set), { required: ['PLF_AUTH'], documented: new Set(['PLF_TUNABLE']) });
    expect(c.problems).toEqual(problems.map((p) => expect.stringMatching(p)));
    if (!problems.length) {
      expect(c.localOnly).toEqual(['PLF_ARM_ENDPOINT']);
      expect(c.defaults).toEqual(['PLF_TUNABLE']);
    }
  });
});

describe('the analyzers at error', () => {
  it('reads the rules set to error, and none when analyzers are off', () => {
    const config = { analyzers: { core: { rules: { b: { level: 'error' }, a: { level: 'error' }, c: { level: 'warning' } } } } };
    expect(errorRules(config)).toEqual(['a', 'b']);
    expect(errorRules({ analyzers: { core: { enabled: false, rules: { a: { level: 'error' } } } } })).toEqual([]);
  });

  it("infra's bicepconfig.json sets exactly the probed rules to error, and no extension (nothing to restore from a registry)", () => {
    const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra/bicepconfig.json'), 'utf8')) as Record<string, unknown>;
    expect(errorRules(config)).toEqual(Object.keys(ANALYZER_PROBES).sort());
    expect(config).not.toHaveProperty('extensions');
  });

  it("each probe's lines are where probeFile says", () => {
    const rules = Object.keys(ANALYZER_PROBES);
    const { text, lines } = probeFile(rules);
    const all = text.split('\n');
    for (const rule of rules) {
      const [from, to] = lines.get(rule)!;
      expect(all.slice(from - 1, to).join('\n')).toBe(ANALYZER_PROBES[rule]);
      expect(all[from - 2]).toBe(`// ${rule}`);
    }
  });

  it('parses the CLI diagnostic lines', () => {
    const out = "/tmp/x/probe.bicep(12,7) : Error no-unused-vars: Variable \"v\" is declared but never used. [https://aka.ms/bicep/linter-diagnostics#no-unused-vars]\nsomething else\n";
    expect(parseDiagnostics(out)).toEqual([{ file: '/tmp/x/probe.bicep', line: 12, column: 7, level: 'Error', code: 'no-unused-vars', message: 'Variable "v" is declared but never used. [https://aka.ms/bicep/linter-diagnostics#no-unused-vars]' }]);
  });

  const lines = new Map<string, [number, number]>([['no-unused-vars', [10, 10]]]);
  const hit = { file: 'p.bicep', line: 10, column: 5, level: 'Error', code: 'no-unused-vars', message: '' };
  it.each([
    ['reported on its probe', ['no-unused-vars'], [hit], []],
    ['not reported (a misspelled rule is accepted silently)', ['no-unused-vars'], [], [/^analyzer no-unused-vars did not report its probe/]],
    ['reported as a Warning only', ['no-unused-vars'], [{ ...hit, level: 'Warning' }], [/did not report its probe/]],
    ['reported on another line', ['no-unused-vars'], [{ ...hit, line: 3 }], [/did not report its probe/]],
    ['at error without a probe', ['no-unused-vars', 'made-up-rule'], [hit], [/^bicepconfig\.json sets made-up-rule to error but .* has no probe/]],
  ] as const)('a rule %s', (_situation, enabled, diagnostics, problems) => {
    const found = analyzerProblems(enabled, lines, diagnostics).filter((p) => !/has a probe but bicepconfig\.json does not set it/.test(p));
    expect(found).toEqual(problems.map((p) => expect.stringMatching(p)));
  });
});

describe('main.parameters.json as azd fills it', () => {
  it.each([
    ['a value', '${A}', { A: 'x' }, 'x', []],
    ['a default', '${B=plf}', {}, 'plf', []],
    ['an empty default', '${C=}', {}, '', []],
    ['the value over the default', '${B=plf}', { B: 'mine' }, 'mine', []],
    ['no value, no default', '${D}', {}, '', ['p needs D, which the sample environment does not set']],
  ])('%s', (_situation, value, env, out, problems) => {
    const found: string[] = [];
    expect(substitute(value, env, found, 'p')).toBe(out);
    expect(found).toEqual(problems);
  });

  it.each([
    ['a plain string', 'abc', "'abc'"],
    ['quotes, backslashes and interpolation escaped', "it's ${x} \\", "'it\\'s \\${x} \\\\'"],
    ['a number and a boolean', 3, '3'],
  ])('Bicep literal of %s', (_situation, value, literal) => {
    expect(bicepLiteral(value)).toBe(literal);
  });

  it("every sample fills every parameter of infra's main.parameters.json", () => {
    const file = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra/main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };
    for (const s of SAMPLES) {
      const { text, problems } = bicepparamFor('../main.bicep', file, s.env);
      expect(problems).toEqual([]);
      expect(text.split('\n')[0]).toBe("using '../main.bicep'");
      for (const name of Object.keys(file.parameters)) expect(text).toMatch(new RegExp(`^param ${name} = `, 'm'));
    }
  });

  it('the samples cover a hyphenated prefix and a hub subnet in another subscription than the deployment', () => {
    expect(SAMPLES.some((s) => s.env.PLF_NAME_PREFIX?.includes('-'))).toBe(true);
    expect(SAMPLES.some((s) => !s.env.PLF_HUB_SUBNET_ID.includes(`/subscriptions/${s.subscriptionId}/`))).toBe(true);
  });
});

describe('check:infra without dotnet', () => {
  /** Runs the compiled CLI (npm test builds first) with a PATH holding node and nothing else. */
  const runCli = (env: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-nodotnet-'));
    try {
      fs.symlinkSync(process.execPath, path.join(dir, 'node'));
      return spawnSync(process.execPath, [path.join(ROOT, 'dist/tools/infra-check/cli.js')], { encoding: 'utf8', env: { PATH: dir, ...env } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  it.each([
    ['on a developer machine: skipped loudly, exit 0', {}, 0, /\*\*\* check:infra SKIPPED: dotnet is not installed\. infra\/ was NOT compiled, linted or checked\./],
    ['in CI (CI=true): a failure, exit 1', { CI: 'true' }, 1, /check:infra: FAILED: dotnet is not installed, and CI=true requires the Bicep checks/],
  ])('%s', (_situation, env, status, message) => {
    const r = runCli(env);
    expect(r.status).toBe(status);
    expect(r.stdout + r.stderr).toMatch(message);
  });

  it('an argument it does not take: exit 2 with the usage', () => {
    const bad = spawnSync(process.execPath, [path.join(ROOT, 'dist/tools/infra-check/cli.js'), '--keep'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/usage: npm run check:infra \(no arguments\)/);
  });
});

describe('the Bicep CLI from NuGet', () => {
  it('the tools project pins the version exactly', () => {
    expect(pinnedVersion(fs.readFileSync(path.join(ROOT, 'tools/bicep/bicep-cli.csproj'), 'utf8'))).toBe('0.49.2');
    expect(pinnedVersion('<PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="0.49.2" />')).toBeUndefined();
  });

  it('finds the binary in the package folder the restore used', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plf-nuget-'));
    try {
      const bin = path.join(dir, 'azure.bicep.commandline.linux-x64', '0.49.2', 'tools', 'bicep');
      fs.mkdirSync(path.dirname(bin), { recursive: true });
      fs.writeFileSync(bin, '');
      const assets = JSON.stringify({ packageFolders: { [`${dir}/`]: {} } });
      expect(bicepPath(assets, '0.49.2')).toBe(bin);
      expect(bicepPath(assets, '0.50.0')).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A small predicted deployment with what the checks look at, as `bicep snapshot` writes it. */
const SUB = '33333333-3333-3333-3333-333333333333';
const HUB_SUB = '11111111-1111-1111-1111-111111111111';
const TENANT = '44444444-4444-4444-4444-444444444444';
const CLIENT = '22222222-2222-2222-2222-222222222222';
const SAMPLE: Sample = {
  title: 'fixture',
  subscriptionId: SUB,
  resourceGroup: 'rg-plf',
  tenantId: TENANT,
  location: 'westeurope',
  env: { PLF_HUB_RESOURCE_GROUP: 'rg-hub', PLF_HUB_SUBNET_ID: `/subscriptions/${HUB_SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/s`, PLF_AUTH_CLIENT_ID: CLIENT, PLF_NAME_PREFIX: 'plf-dev' },
};
const HUB = { actions: ['Microsoft.Network/loadBalancers/read', 'Microsoft.Network/loadBalancers/write'], linkedActions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] };
const SITE_ID = `/subscriptions/${SUB}/resourceGroups/rg-plf/providers/Microsoft.Web/sites/plf-func`;
const HUB_RG = `/subscriptions/${HUB_SUB}/resourceGroups/rg-hub`;
const ROLE_DEF = `${HUB_RG}/providers/Microsoft.Authorization/roleDefinitions/role-1`;
const issuer = `[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, '${TENANT}')]`;
const host = `reference('${SITE_ID}', '2024-04-01').defaultHostName`;

function fixture(): Snapshot {
  return parseSnapshot(
    JSON.stringify({
      predictedResources: [
        { id: `/subscriptions/${SUB}/resourceGroups/rg-plf/providers/Microsoft.Storage/storageAccounts/plfdevabc`, type: 'Microsoft.Storage/storageAccounts', name: 'plfdevabc' },
        {
          id: SITE_ID,
          type: 'Microsoft.Web/sites',
          name: 'plf-func',
          apiVersion: '2024-04-01',
          properties: {
            siteConfig: {
              appSettings: [
                { name: 'PLF_HUB_SUBSCRIPTION_ID', value: HUB_SUB },
                { name: 'PLF_HUB_RESOURCE_GROUP', value: 'rg-hub' },
                { name: 'PLF_HUB_SUBNET_ID', value: SAMPLE.env.PLF_HUB_SUBNET_ID },
                { name: 'PLF_AUTH', value: 'entra' },
                { name: 'PLF_AUTH_ISSUER', value: issuer },
                { name: 'PLF_AUTH_AUDIENCE', value: CLIENT },
                { name: 'PLF_AUTH_JWKS_URL', value: `[format('{0}{1}/discovery/v2.0/keys', environment().authentication.loginEndpoint, '${TENANT}')]` },
              ],
            },
          },
        },
        {
          id: `${SITE_ID}/config/authsettingsV2`,
          type: 'Microsoft.Web/sites/config',
          name: 'plf-func/authsettingsV2',
          properties: {
            platform: { enabled: true },
            globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401', excludedPaths: [...EXCLUDED_PATHS] },
            identityProviders: { azureActiveDirectory: { enabled: true, registration: { clientId: CLIENT, openIdIssuer: issuer }, validation: { allowedAudiences: [CLIENT, `api://${CLIENT}`] } } },
            login: { tokenStore: { enabled: true } },
          },
        },
        { id: ROLE_DEF, type: 'Microsoft.Authorization/roleDefinitions', name: 'role-1', properties: { assignableScopes: [HUB_RG], permissions: [{ actions: [...HUB.actions, ...HUB.linkedActions], notActions: [] }] } },
        {
          id: `[resourceId('${HUB_SUB}', 'rg-hub', 'Microsoft.Authorization/roleAssignments', guid('x'))]`,
          type: 'Microsoft.Authorization/roleAssignments',
          name: '[guid(x)]',
          properties: { roleDefinitionId: ROLE_DEF, principalType: 'ServicePrincipal' },
        },
      ],
      outputs: {
        SIGN_IN_URL: `[format('https://{0}/.auth/login/aad?post_login_redirect_uri=/api/ui', ${host})]`,
        AUTH_REDIRECT_URI: `[format('https://{0}/.auth/login/aad/callback', ${host})]`,
        AUTH_CLIENT_ID: CLIENT,
      },
      diagnostics: [],
    }),
  );
}

type Mutation = (s: Snapshot) => void;
const resource = (s: Snapshot, type: string) => s.predictedResources.find((r) => r.type === type)!;
const props = (s: Snapshot, type: string) => resource(s, type).properties as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const setting = (name: string, value: unknown): Mutation => (s) => {
  const list = props(s, 'Microsoft.Web/sites').siteConfig.appSettings as { name: string; value: unknown }[];
  list.find((x) => x.name === name)!.value = value;
};

describe('the template checks on a predicted deployment', () => {
  it('the fixture passes every check', () => {
    const s = fixture();
    expect([...checkStorageNames(s), ...checkHubRole(s, SAMPLE, HUB), ...checkSignIn(s, SAMPLE)]).toEqual([]);
  });

  it.each<[string, Mutation, RegExp]>([
    ['(a) the prefix taken with its hyphen', (s) => void (resource(s, 'Microsoft.Storage/storageAccounts').name = 'plf-devabc'), /storage account name "plf-devabc" is not 3-24 lower-case letters and digits/],
    ['(a) no storage account at all', (s) => void (s.predictedResources = s.predictedResources.filter((r) => r.type !== 'Microsoft.Storage/storageAccounts')), /no storage account/],
    ['(b) the role defined in the deployment subscription (scope without the subnet\'s subscription)', (s) => {
      const def = resource(s, 'Microsoft.Authorization/roleDefinitions');
      def.id = def.id.replace(HUB_SUB, SUB);
    }, /expected one role definition in the hub resource group \/subscriptions\/1111.*\/resourceGroups\/rg-hub, found 0/],
    ['(b) the role assigned elsewhere', (s) => void (resource(s, 'Microsoft.Authorization/roleAssignments').id = `[resourceId('${SUB}', 'rg-hub', 'Microsoft.Authorization/roleAssignments', guid('x'))]`), /the hub role is assigned at \/subscriptions\/3333.*, not in the hub resource group/],
    ['(b) assignable beyond the hub resource group', (s) => void (props(s, 'Microsoft.Authorization/roleDefinitions').assignableScopes = [`/subscriptions/${HUB_SUB}`]), /the hub role is assignable at .*, not only at/],
    ['(b) PLF_HUB_SUBSCRIPTION_ID from the deployment', setting('PLF_HUB_SUBSCRIPTION_ID', SUB), /app setting PLF_HUB_SUBSCRIPTION_ID is "3333.*", expected "1111/],
    ['(e) an action roles.json does not list', (s) => void props(s, 'Microsoft.Authorization/roleDefinitions').permissions[0].actions.push('Microsoft.Compute/virtualMachineScaleSets/virtualMachines/delete'), /grants actions roles\.json does not list: Microsoft\.Compute\/virtualMachineScaleSets\/virtualMachines\/delete/],
    ['(e) a linked action missing', (s) => void props(s, 'Microsoft.Authorization/roleDefinitions').permissions[0].actions.pop(), /lacks roles\.json hub actions: Microsoft\.Network\/virtualNetworks\/subnets\/join\/action/],
    ['(c) /api/openapi.json not excluded', (s) => void props(s, 'Microsoft.Web/sites/config').globalValidation.excludedPaths.pop(), /excludedPaths are .*, expected exactly/],
    ['(c) one path too many excluded', (s) => void props(s, 'Microsoft.Web/sites/config').globalValidation.excludedPaths.push('/api/ui'), /excludedPaths are .*, expected exactly/],
    ['(c) the token store off', (s) => void (props(s, 'Microsoft.Web/sites/config').login.tokenStore.enabled = false), /token store is not on/],
    ['(c) a redirect instead of 401', (s) => void (props(s, 'Microsoft.Web/sites/config').globalValidation.unauthenticatedClientAction = 'RedirectToLoginPage'), /unauthenticatedClientAction is "RedirectToLoginPage", not Return401/],
    ['(c) v1 issuer', (s) => void (props(s, 'Microsoft.Web/sites/config').identityProviders.azureActiveDirectory.registration.openIdIssuer = `https://sts.windows.net/${TENANT}/`), /openIdIssuer is .*, expected https:\/\/login\.microsoftonline\.com\/4444.*\/v2\.0/],
    ['(c) only the api:// audience', (s) => void (props(s, 'Microsoft.Web/sites/config').identityProviders.azureActiveDirectory.validation.allowedAudiences = [`api://${CLIENT}`]), /allowedAudiences are/],
    ['(c) the old mode', setting('PLF_AUTH', 'easyauth'), /app setting PLF_AUTH is "easyauth", expected entra/],
    ['(c) the keys of another tenant', setting('PLF_AUTH_JWKS_URL', 'https://login.microsoftonline.com/common/discovery/v2.0/keys'), /PLF_AUTH_JWKS_URL is .*, expected https:\/\/login\.microsoftonline\.com\/4444/],
    ['(c) the audience api://<client id> (v1 tokens)', setting('PLF_AUTH_AUDIENCE', `api://${CLIENT}`), /PLF_AUTH_AUDIENCE is .*, expected 2222/],
    ['(c) the sign-in URL back to another page', (s) => void (s.outputs.SIGN_IN_URL = `[format('https://{0}/.auth/login/aad', ${host})]`), /output SIGN_IN_URL is/],
  ])('%s is caught', (_situation, mutate, problem) => {
    const s = fixture();
    mutate(s);
    expect([...checkStorageNames(s), ...checkHubRole(s, SAMPLE, HUB), ...checkSignIn(s, SAMPLE)]).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});
