import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Drift between the code and infra/ that reading the files shows: the functions Event Grid and
 * the timers need exist under the names infra uses; the Event Grid subscription takes its filters
 * from eventgrid-filters.json; monitoring and azd conventions; the consumer roles; the hook
 * scripts pass shellcheck. What needs the compiled templates (app settings, sign-in, the hub role,
 * names) is asserted by `npm run check:infra` on the Bicep CLI's own output (tools/infra-check/).
 */
const ROOT = path.resolve(__dirname, '../..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) return filesUnder(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Function names by trigger kind, from the app's registrations (`app.eventGrid(FunctionNames.x`...). */
function registered(kind: 'eventGrid' | 'timer' | 'http'): string[] {
  const names = read('functions/names.ts');
  const value = (key: string) => new RegExp(`\\b${key}:\\s*'([^']+)'`).exec(names)?.[1];
  return filesUnder('functions').flatMap((f) => [...read(f).matchAll(new RegExp(`app\\.${kind}\\(\\s*FunctionNames\\.(\\w+)`, 'g'))].map((m) => value(m[1]) ?? `?${m[1]}`));
}

const filters = JSON.parse(read('infra/eventgrid-filters.json')) as { functionName: string; includedEventTypes: string[]; advancedFilters: unknown[] };

describe('infra and code agree', () => {
  it("the Event Grid subscription's function is the app's Event Grid trigger", () => {
    expect(registered('eventGrid')).toContain(filters.functionName);
    expect(registered('eventGrid').every((n) => !n.startsWith('?'))).toBe(true);
  });

  it('the timers infra relies on (the sweeps that stand in for lost events) are registered', () => {
    expect(registered('timer')).toEqual(expect.arrayContaining(['reconcileSweep', 'connectionsSweep']));
  });

  it('the event subscription takes its function name and filters from eventgrid-filters.json, not a copy', () => {
    const module = read('infra/eventgrid-subscription.bicep');
    expect(module).toMatch(/loadJsonContent\('eventgrid-filters\.json'\)/);
    expect(module).toMatch(/includedEventTypes:\s*filters\.includedEventTypes/);
    expect(module).toMatch(/advancedFilters:\s*filters\.advancedFilters/);
    expect(module).toMatch(/'Microsoft\.Web\/sites\/functions',\s*functionAppName,\s*filters\.functionName/);
    expect(module).toMatch(/endpointType:\s*'AzureFunction'/);
    // No operation name is spelled out in a bicep file: the JSON is the one list.
    for (const f of ['infra/main.bicep', 'infra/eventgrid-subscription.bicep', 'infra/consumer/eventgrid.bicep']) expect(read(f)).not.toMatch(/Microsoft\.Network\/privateEndpoints\/write/);
  });

  it('the subscription is created after deploy, on the system topic main.bicep creates or takes', () => {
    const main = read('infra/main.bicep');
    expect(main).toMatch(/topicType:\s*'Microsoft\.Resources\.Subscriptions'/);
    expect(main).toMatch(/param existingSystemTopicName string = ''/);
    expect(main).toMatch(/output EVENTGRID_SYSTEM_TOPIC_NAME string/);
    expect(main).toMatch(/output FUNCTION_APP_NAME string/);
    const hook = read('infra/hooks/postdeploy.sh');
    expect(hook).toMatch(/eventgrid-subscription\.bicep/);
    expect(hook).toMatch(/EVENTGRID_SYSTEM_TOPIC_NAME/);
    expect(read('azure.yaml')).toMatch(/postdeploy:\s*\n\s*shell: sh\s*\n\s*run: \.\/infra\/hooks\/postdeploy\.sh/);
    const consumer = read('infra/consumer/eventgrid.bicep');
    expect(consumer).toMatch(/module \w+ '\.\.\/eventgrid-subscription\.bicep'/);
    const code = consumer.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n');
    expect(code).not.toMatch(/key|secret|code=|listKeys/i);
  });
});

/** Tools CI installs (shellcheck); locally it may be missing: skipped loudly, required with PLF_REQUIRE_NETNS=1 (CI). */
function describeWithTool(cmd: string, name: string, body: () => void): void {
  const missing = spawnSync(cmd, ['--version'], { encoding: 'utf8' }).error;
  if (!missing) return describe(name, body);
  const reason = `"${cmd}" is not installed (apt-get install ${cmd})`;
  if (process.env.PLF_REQUIRE_NETNS === '1') {
    describe(name, () => it(`needs ${cmd}`, () => { throw new Error(`PLF_REQUIRE_NETNS=1 but ${reason}`); }));
    return;
  }
  console.warn(`\n*** SKIPPING "${name}": ${reason}. ***\n`);
  describe.skip(name, body);
}

const hookScripts = fs.readdirSync(path.join(ROOT, 'infra/hooks')).filter((f) => f.endsWith('.sh'));
describeWithTool('shellcheck', 'the azd hook scripts pass shellcheck', () => {
  it('there are shell hooks to check', () => expect(hookScripts.length).toBeGreaterThan(0));
  it.each(hookScripts)('infra/hooks/%s: no findings at any severity', (f) => {
    const r = spawnSync('shellcheck', ['--severity=style', '--shell=sh', path.join(ROOT, 'infra/hooks', f)], { encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('monitoring and azd conventions in infra', () => {
  const main = read('infra/main.bicep');
  it('Application Insights sits on Log Analytics with local auth off; the app signs in to it', () => {
    expect(main).toMatch(/Microsoft\.OperationalInsights\/workspaces/);
    expect(main).toMatch(/WorkspaceResourceId: logs\.id/);
    expect(main).toMatch(/DisableLocalAuth: true/);
    expect(main).toMatch(/name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=\$\{identity\.properties\.clientId\};Authorization=AAD'/);
    expect(main).toMatch(/3913510d-42f4-4e42-8a64-420c390055eb/); // Monitoring Metrics Publisher
  });

  it('environmentName tags every resource with azd-env-name; parameters come from the azd environment', () => {
    expect(main).toMatch(/param environmentName string/);
    const resources = [...main.matchAll(/^resource (\w+) '([^']+)'[^\n]*\n([\s\S]*?)^\}/gm)].filter(([, , type]) => !/roleAssignments|\/config@|blobServices|roleDefinitions/.test(type));
    expect(resources.length).toBeGreaterThan(5);
    expect(resources.filter(([, , , body]) => !/tags: (tags|union\(tags)/.test(body)).map(([, name]) => name)).toEqual([]);
    const params = (JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> }).parameters;
    const declared = [...main.matchAll(/^param (\w+) \w+( =)?/gm)].filter((m) => !m[2]).map((m) => m[1]);
    expect(declared.filter((p) => !(p in params))).toEqual([]); // every required parameter is supplied
  });
});

/**
 * Consumer-side roles: infra/consumer/roles.bicep turns each `consumer` group of roles.json into a
 * custom role (actions loaded from roles.json, never copied) assigned per resource group through
 * roles-assignment.bicep; README tells the owner how to deploy it. `consumerRoleDrift` reads the
 * files and names every disagreement; the table below shows it catches each kind.
 */
interface ConsumerInfra {
  consumer: Record<string, string[]>;
  bicep: string;
  assignment: string;
  readme: string;
}

/** Intentional overlaps between consumer groups (`'groupA/groupB: action'`); none today. */
const CONSUMER_OVERLAPS: string[] = [];
const SUBNET_JOIN = 'Microsoft.Network/virtualNetworks/subnets/join/action';

const codeOf = (bicep: string) =>
  bicep
    .split('\n')
    .filter((l) => !l.trim().startsWith('//'))
    .join('\n');

function consumerRoleDrift({ consumer, bicep, assignment, readme }: ConsumerInfra): string[] {
  const problems: string[] = [];
  const code = codeOf(bicep);
  if (!/^targetScope = 'subscription'$/m.test(code)) problems.push("roles.bicep is not targetScope = 'subscription'");
  const rolesVar = /^var (\w+) = loadJsonContent\('\.\.\/roles\.json'\)$/m.exec(code)?.[1];
  if (!rolesVar) problems.push("roles.bicep does not load roles.json with loadJsonContent('../roles.json')");
  const params = new Map([...code.matchAll(/^param (\w+) (\w+)/gm)].map((m) => [m[1], m[2]]));

  // Groups: non-empty, disjoint unless intended, the subnet join among them.
  const groups = Object.entries(consumer);
  for (const [name, actions] of groups) if (!Array.isArray(actions) || actions.length === 0) problems.push(`group ${name} is empty`);
  for (const [i, [a, aActions]] of groups.entries()) {
    for (const [b, bActions] of groups.slice(i + 1)) {
      for (const action of aActions.filter((x) => bActions.some((y) => y.toLowerCase() === x.toLowerCase()))) {
        if (!CONSUMER_OVERLAPS.includes(`${a}/${b}: ${action}`)) problems.push(`${action} is in groups ${a} and ${b}`);
      }
    }
  }
  if (!groups.some(([, actions]) => actions.includes(SUBNET_JOIN))) problems.push(`no consumer group grants ${SUBNET_JOIN} (ARM checks it when a probe joins its subnet)`);

  // Roles: one per group, actions from roles.json, assignable in this subscription only.
  const roles = [...code.matchAll(/^resource (\w+) 'Microsoft\.Authorization\/roleDefinitions@[^']+' = \{\n([\s\S]*?)^\}/gm)].map((m) => ({ symbol: m[1], body: m[2] }));
  const grantedGroups = new Map<string, string>();
  for (const role of roles) {
    const group = rolesVar ? new RegExp(`^\\s*actions: ${rolesVar}\\.consumer\\.(\\w+)$`, 'm').exec(role.body)?.[1] : undefined;
    if (!group) problems.push(`role ${role.symbol} does not take its actions from a roles.json consumer group`);
    else if (!(group in consumer)) problems.push(`role ${role.symbol} grants roles.consumer.${group}, which is not in roles.json`);
    else if (grantedGroups.has(group)) problems.push(`group ${group} is granted by roles ${grantedGroups.get(group)} and ${role.symbol}`);
    else grantedGroups.set(group, role.symbol);
    if (!/assignableScopes: \[ subscription\(\)\.id \]/.test(role.body)) problems.push(`role ${role.symbol} is not assignable in this subscription only`);
    if (!/name: guid\(subscription\(\)\.id, '[^']+'\)/.test(role.body)) problems.push(`role ${role.symbol} is not named by guid(subscription().id, ...)`);
  }
  for (const [name] of groups) if (!grantedGroups.has(name)) problems.push(`group ${name} is granted by no role`);

  // Assignments: per resource group of an array parameter, through roles-assignment.bicep.
  const modules = [...code.matchAll(/^module (\w+) '([^']+)' = \[for (\w+) in (\w+): \{\n([\s\S]*?)^\}\]/gm)].map((m) => ({ symbol: m[1], file: m[2], item: m[3], list: m[4], body: m[5] }));
  const assigned = new Set<string>();
  for (const m of modules) {
    if (m.file !== 'roles-assignment.bicep') problems.push(`module ${m.symbol} is not roles-assignment.bicep`);
    if (params.get(m.list) !== 'array') problems.push(`module ${m.symbol} loops over ${m.list}, not an array parameter`);
    if (!new RegExp(`^\\s*scope: resourceGroup\\(${m.item}\\)$`, 'm').test(m.body)) problems.push(`module ${m.symbol} is not scoped to each resource group of ${m.list}`);
    if (!/^\s*principalId: principalId$/m.test(m.body)) problems.push(`module ${m.symbol} does not assign to principalId`);
    const role = /^\s*roleDefinitionId: (\w+)\.id$/m.exec(m.body)?.[1];
    if (!role || !roles.some((r) => r.symbol === role)) problems.push(`module ${m.symbol} assigns no role of this file`);
    else assigned.add(role);
  }
  for (const role of roles) if (!assigned.has(role.symbol)) problems.push(`role ${role.symbol} is assigned by no module`);
  if (params.get('principalId') !== 'string') problems.push('roles.bicep has no principalId string parameter');

  const a = codeOf(assignment);
  if (!/^targetScope = 'resourceGroup'$/m.test(a)) problems.push("roles-assignment.bicep is not targetScope = 'resourceGroup'");
  if (!/resource \w+ 'Microsoft\.Authorization\/roleAssignments@[^']+'/.test(a)) problems.push('roles-assignment.bicep assigns no role');
  if (!/name: guid\(resourceGroup\(\)\.id, principalId, roleDefinitionId\)/.test(a)) problems.push('roles-assignment.bicep does not name the assignment by guid(resource group, principal, role)');
  if (!/principalType: 'ServicePrincipal'/.test(a)) problems.push("roles-assignment.bicep does not set principalType: 'ServicePrincipal'");
  // No secret, and no built-in role (Owner, Contributor, Network Contributor, VM Contributor, Reader) instead of the custom ones.
  for (const [file, text] of [['roles.bicep', code], ['roles-assignment.bicep', a]]) {
    if (/key|secret|password|listKeys/i.test(text)) problems.push(`${file} mentions a key or secret`);
    if (/8e3af657-a8ff-443c-a75c-2fe8c4bcb635|b24988ac-6180-42a0-ab88-20f7382dd24c|4d97b98b-1d4f-4787-a291-c67834d212e7|9980e02c-c2be-4d73-94e8-173b1dc7cf3c|acdd72a7-3385-48ef-bd42-f606fba81ae7/.test(text)) problems.push(`${file} assigns a built-in role`);
  }

  // README: the deploy command and every parameter, in "Pointing a consumer at it".
  const section = /\*\*Pointing a consumer at it\.\*\*([\s\S]*?)(\n## |$)/.exec(readme)?.[1] ?? '';
  if (!section.includes('infra/consumer/roles.bicep')) problems.push('README "Pointing a consumer at it" does not mention infra/consumer/roles.bicep');
  if (!/az deployment sub create [^\n]*-f infra\/consumer\/roles\.bicep/.test(section)) problems.push('README "Pointing a consumer at it" has no az deployment sub create -f infra/consumer/roles.bicep');
  for (const p of params.keys()) if (!section.includes(p)) problems.push(`README "Pointing a consumer at it" does not explain parameter ${p}`);
  return problems;
}

function consumerInfra(): ConsumerInfra {
  return {
    consumer: (JSON.parse(read('infra/roles.json')) as { consumer: Record<string, string[]> }).consumer,
    bicep: read('infra/consumer/roles.bicep'),
    assignment: read('infra/consumer/roles-assignment.bicep'),
    readme: read('README.md'),
  };
}

/** `text` with `from` replaced once; throws when `from` is not there (a row that changes nothing proves nothing). */
function replaced(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`not found: ${String(from)}`);
  return out;
}

type Drift = (x: ConsumerInfra) => ConsumerInfra;
const withGroups = (f: (c: Record<string, string[]>) => Record<string, string[]>): Drift => (x) => ({ ...x, consumer: f(structuredClone(x.consumer)) });
const inBicep = (from: string | RegExp, to: string): Drift => (x) => ({ ...x, bicep: replaced(x.bicep, from, to) });

const CONSUMER_DRIFT: [string, Drift, RegExp][] = [
  ['a group added to roles.json that no role grants', withGroups((c) => ({ ...c, routes: ['Microsoft.Network/routeTables/read'] })), /^group routes is granted by no role$/],
  ['an action moved to a new group that no role grants', withGroups((c) => ({ ...c, dns: c.dns.slice(1), zones: c.dns.slice(0, 1) })), /^group zones is granted by no role$/],
  ['an empty group', withGroups((c) => ({ ...c, dns: [] })), /^group dns is empty$/],
  ['an action in two groups', withGroups((c) => ({ ...c, endpoints: [...c.endpoints, 'Microsoft.Network/virtualNetworks/read'] })), /^Microsoft\.Network\/virtualNetworks\/read is in groups endpoints and probeSubnets$/],
  ['the subnet join left out', withGroups((c) => ({ ...c, probeSubnets: c.probeSubnets.filter((a) => a !== SUBNET_JOIN) })), /^no consumer group grants .*subnets\/join\/action/],
  ['a role naming a group roles.json does not have', inBicep('roles.consumer.dns', 'roles.consumer.zones'), /^role dnsRole grants roles\.consumer\.zones, which is not in roles\.json$/],
  ['a role with its actions copied instead of loaded', inBicep('actions: roles.consumer.probes', "actions: [ 'Microsoft.ContainerInstance/containerGroups/read' ]"), /^group probes is granted by no role$/],
  ['roles.json not loaded', inBicep("loadJsonContent('../roles.json')", "loadJsonContent('roles.json')"), /does not load roles\.json/],
  ['a role assignable beyond this subscription', inBicep('assignableScopes: [ subscription().id ]', "assignableScopes: [ '/' ]"), /^role endpointsRole is not assignable in this subscription only$/],
  ['a role defined but assigned nowhere', inBicep(/^module dnsGrants [\s\S]*?^\}\]\n/m, ''), /^role dnsRole is assigned by no module$/],
  ['an assignment on the whole subscription instead of each resource group', inBicep('scope: resourceGroup(rg)', 'scope: subscription()'), /^module endpointsGrants is not scoped to each resource group/],
  ['an assignment looping over a list that is no parameter', inBicep('in probeResourceGroups:', 'in probeGroups:'), /^module probesGrants loops over probeGroups, not an array parameter$/],
  ['the assignment without principalType', (x) => ({ ...x, assignment: replaced(x.assignment, /^\s*principalType: 'ServicePrincipal'\n/m, '') }), /principalType: 'ServicePrincipal'/],
  ['a built-in Contributor assignment added', (x) => ({ ...x, assignment: `${x.assignment}\nvar contributor = 'b24988ac-6180-42a0-ab88-20f7382dd24c'\n` }), /^roles-assignment\.bicep assigns a built-in role$/],
  ['a key in the template', inBicep(/^targetScope = 'subscription'$/m, "targetScope = 'subscription'\nparam storageKey string = ''"), /^roles\.bicep mentions a key or secret$/],
  ['a parameter README does not explain', inBicep(/^targetScope = 'subscription'$/m, "targetScope = 'subscription'\nparam routeTableResourceGroups array = []"), /does not explain parameter routeTableResourceGroups$/],
  ['README without the deploy command', (x) => ({ ...x, readme: x.readme.replaceAll('az deployment sub create', 'az deployment create') }), /has no az deployment sub create/],
];

describe('consumer roles in infra', () => {
  it('roles.bicep grants every consumer group of roles.json, each on its own resource groups, and README says how to deploy it', () => {
    const x = consumerInfra();
    expect(Object.keys(x.consumer).length).toBeGreaterThan(1);
    expect(consumerRoleDrift(x)).toEqual([]);
  });

  it.each(CONSUMER_DRIFT)('%s is caught', (_situation, drift, problem) => {
    const found = consumerRoleDrift(drift(consumerInfra()));
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});
