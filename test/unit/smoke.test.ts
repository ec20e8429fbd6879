import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseForwardSpec } from '../../core/forward-spec';
import { forwardSpecOf, LOCAL, parseAzdEnv, refusal, smokePlan, type SmokeArgs, type SmokePlan } from '../../scripts/smoke/args';
import { costPerHour, formatCost, tableProblems, type Created, type PriceTable } from '../../scripts/smoke/cost';

/**
 * `npm run smoke:azure`: what it does before touching anything (the command line, the refusal to
 * start on Azure without --subscription and --yes, where values come from) and the cost it
 * prints. The story itself is proven by `npm run smoke:azure -- --local` in CI (.ci/run).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SUB = '11111111-2222-3333-4444-555555555555';
const SUBNET = `/subscriptions/${SUB}/resourceGroups/rg-consumer/providers/Microsoft.Network/virtualNetworks/vnet-consumer/subnets/endpoints`;
const PROBES = `/subscriptions/${SUB}/resourceGroups/rg-consumer/providers/Microsoft.Network/virtualNetworks/vnet-consumer/subnets/probes`;
const ZONE_ID = `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/corp.example`;
const DEFAULTS = { prices: '/repo/scripts/smoke/prices.json', suffix: 'abc123' };
const AZD = { values: { AZURE_FUNCTION_APP_URL: 'https://plf-app.azurewebsites.net', AUTH_CLIENT_ID: 'x' } };

/** A complete Azure command line; `over` changes or (undefined) removes options. */
const azure = (over: Partial<Record<keyof SmokeArgs, unknown>> = {}): SmokeArgs => {
  const a: Record<string, unknown> = { subscription: SUB, yes: true, 'resource-group': 'rg-consumer', subnet: SUBNET, 'probe-subnet': PROBES, targets: '10.20.0.4,10.20.0.5', zone: 'corp.example', token: 'jwt', ...over };
  for (const k of Object.keys(a)) if (a[k] === undefined) delete a[k];
  return a as SmokeArgs;
};
const problemsOf = (a: SmokeArgs, env: Record<string, string> = {}, azd: { values?: Record<string, string>; error?: string } = AZD) => {
  const r = smokePlan(a, env, azd, DEFAULTS);
  return r.ok ? [] : r.problems;
};
const planOf = (a: SmokeArgs, env: Record<string, string> = {}, azd: { values?: Record<string, string>; error?: string } = AZD): SmokePlan => {
  const r = smokePlan(a, env, azd, DEFAULTS);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.plan;
};

describe('on Azure it refuses to start without --subscription and --yes', () => {
  it.each([
    ['neither', {}, '--subscription <id> and --yes'],
    ['--yes alone', { yes: true }, '--subscription <id>.'],
    ['--subscription alone', { subscription: SUB }, '--yes.'],
    ['--subscription blank', { subscription: '  ', yes: true }, '--subscription <id>.'],
  ])('%s: refused, naming what is missing, before anything else is looked at', (_situation, args, missing) => {
    const lines = refusal(args as SmokeArgs);
    expect(lines[0]).toMatch(/^refusing to start: a run on Azure creates billable resources/);
    expect(lines[0]).toContain(`it needs ${missing}`);
    expect(lines.join('\n')).toContain('npm run smoke:azure -- --local');
    // The plan says the same and nothing more (no "API URL missing" before the refusal).
    expect(problemsOf(args as SmokeArgs, {}, {})).toEqual(lines);
  });

  it.each([
    ['both given', { subscription: SUB, yes: true }],
    ['--local needs neither', { local: true }],
  ])('%s: not refused', (_situation, args) => {
    expect(refusal(args as SmokeArgs)).toEqual([]);
  });
});

describe('the Azure command line', () => {
  it.each<[string, Partial<Record<keyof SmokeArgs, unknown>>, Record<string, string>, { values?: Record<string, string>; error?: string }, string[]]>([
    ['no resource group, subnet, probe subnet, targets, zone: each named', { 'resource-group': undefined, subnet: undefined, 'probe-subnet': undefined, targets: undefined, zone: undefined }, {}, AZD, [
      '--resource-group is required: the resource group the consumer endpoint is created in',
      '--subnet is required: the resource id of the subnet the consumer endpoint goes in',
      '--probe-subnet is required: a subnet delegated to Microsoft.ContainerInstance/containerGroups the probe runs from',
      '--targets is required: the IPv4 addresses the forward sends to, comma-separated',
      "--zone is required: a private DNS zone linked to the endpoint's virtual network (a name in the hub resource group, or a zone resource id)",
    ]],
    ['a subscription that is not a GUID', { subscription: 'my-sub' }, {}, AZD, ['--subscription must be a subscription id (a GUID), got "my-sub"']],
    ['the subnet in another subscription than --subscription', { subnet: SUBNET.replace(SUB, '99999999-2222-3333-4444-555555555555') }, {}, AZD, [`--subnet is in subscription 99999999-2222-3333-4444-555555555555, not --subscription ${SUB}: a private endpoint is created in its virtual network's subscription`]],
    ['a subnet that is a VNet id', { subnet: SUBNET.replace(/\/subnets\/endpoints$/, '') }, {}, AZD, [expect.stringMatching(/^--subnet must be a subnet resource id/) as unknown as string]],
    ['a bad port', { port: ['8000', '70000', 'http'] }, {}, AZD, ['--port "70000" must be <port> or <port>:<targetPort>, each 1-65535', '--port "http" must be <port> or <port>:<targetPort>, each 1-65535']],
    ['a zone id that is not a private DNS zone', { zone: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/dnszones/corp.example` }, {}, AZD, [expect.stringMatching(/^--zone ".*" looks like a resource id but is not a private DNS zone's/) as unknown as string]],
    ['a target the product refuses, in its words', { targets: '10.20.0.4,127.0.0.1' }, {}, AZD, ['the forward would be refused: targets[1] 127.0.0.1 is in loopback 127.0.0.0/8']],
    ['a node count the product refuses', { 'node-count': '0' }, {}, AZD, [expect.stringMatching(/^the forward would be refused: nodes\.count /) as unknown as string]],
    ['a forward name that is not one', { name: 'Smoke_1' }, {}, AZD, [expect.stringMatching(/^--name "Smoke_1" must be 1-40 characters/) as unknown as string]],
    ['no API URL anywhere: says where it looked and why azd gave none', {}, {}, { error: 'azd is not installed here' }, ['no API URL: pass --api-url https://<app host>, or run where `azd env get-values` has AZURE_FUNCTION_APP_URL (or pass its output with --azd-env <file>) — azd is not installed here']],
    ['a plain-http API URL to another host: the operator token would travel in clear text', { 'api-url': 'http://plf.example.invalid' }, {}, {}, ['the API URL must be https (it carries your Forwards.Operate token); plain http is taken for 127.0.0.1/localhost only, got "http://plf.example.invalid"']],
    ['an API URL with a path', { 'api-url': 'https://plf-app.azurewebsites.net/api' }, {}, {}, ['the API URL must be http(s)://<host>[:port] without a path, got "https://plf-app.azurewebsites.net/api"']],
    ['no token: neither --token nor PLF_API_TOKEN', { token: undefined }, {}, AZD, [expect.stringMatching(/^no API token: pass --token or set PLF_API_TOKEN/) as unknown as string]],
  ])('%s', (_situation, over, env, azd, problems) => {
    expect(problemsOf(azure(over), env, azd)).toEqual(problems);
  });

  it.each<[string, Partial<Record<keyof SmokeArgs, unknown>>, Record<string, string>, Partial<SmokePlan>]>([
    ['the API URL from the azd environment, the token from PLF_API_TOKEN', { token: undefined }, { PLF_API_TOKEN: 'from-env' }, { apiUrl: 'https://plf-app.azurewebsites.net', token: 'from-env' }],
    ['--api-url and --token win over the azd environment and PLF_API_TOKEN (a trailing slash dropped)', { 'api-url': 'https://other.example/', token: 'flag' }, { PLF_API_TOKEN: 'from-env' }, { apiUrl: 'https://other.example', token: 'flag' }],
    ['defaults: the forward smoke-<random>, its endpoint and record named after it, port 8000, 2 × Standard_B1s in zones 1-3', {}, {}, { forward: 'smoke-abc123', endpointName: 'pe-smoke-abc123', recordName: 'smoke-abc123', ports: [{ port: 8000, targetPort: 8000 }], nodes: { count: 2, vmSize: 'Standard_B1s', zones: ['1', '2', '3'] }, dns: { zoneName: 'corp.example' }, pricesFile: DEFAULTS.prices }],
    ['ports with target ports, a zone id, no zones, a name, a record, a size', { port: ['443:8443', '80'], zone: ZONE_ID, zones: 'none', name: 'smoke-eu', record: 'web', 'vm-size': 'Standard_B2s', 'node-count': '3' }, {}, { forward: 'smoke-eu', recordName: 'web', ports: [{ port: 443, targetPort: 8443 }, { port: 80, targetPort: 80 }], dns: { zoneId: ZONE_ID }, nodes: { count: 3, vmSize: 'Standard_B2s', zones: [] } }],
  ])('%s', (_situation, over, env, expected) => {
    expect(planOf(azure(over), env)).toMatchObject({ mode: 'azure', subscriptionId: SUB, resourceGroup: 'rg-consumer', subnetId: SUBNET, probeSubnetId: PROBES, targets: ['10.20.0.4', '10.20.0.5'], ...expected });
  });
});

describe('--local', () => {
  it('runs on the emulator topology: the spoke consumer, its jump subnet for probes, internal.net, the sample targets', () => {
    expect(planOf({ local: true })).toEqual({
      mode: 'local',
      forward: 'smoke-abc123',
      subscriptionId: LOCAL.subscriptionId,
      resourceGroup: 'rg-spoke',
      subnetId: LOCAL.subnetId,
      endpointName: 'pe-smoke-abc123',
      probeSubnetId: LOCAL.probeSubnetId,
      targets: ['192.168.42.65', '192.168.42.66'],
      ports: [{ port: 8000, targetPort: 8000 }],
      dns: { zoneName: 'internal.net' },
      recordName: 'smoke-abc123',
      nodes: { count: 2, vmSize: 'Standard_B1s', zones: ['1', '2', '3'] },
      pricesFile: DEFAULTS.prices,
    });
  });

  it('PLF_API_TOKEN is sent when set (sign-in is off on the local stack by default, so it needs none)', () => {
    expect(planOf({ local: true }, { PLF_API_TOKEN: 'jwt' }).token).toBe('jwt');
  });

  it('Azure-only options are refused, each named', () => {
    expect(problemsOf({ local: true, subnet: SUBNET, yes: true, 'api-url': 'https://x' })).toEqual(["--local runs against the emulator's own topology; --yes, --subnet, --api-url are for Azure runs only"]);
  });
});

describe('the forward it creates', () => {
  it.each([
    ['Azure: the consumer subscription allowed, the record in the zone, a daily probe (the smoke runs it itself)', planOf(azure())],
    ['Azure with a zone id', planOf(azure({ zone: ZONE_ID }))],
    ['local', planOf({ local: true })],
  ])('%s: the product accepts it as it is', (_situation, plan) => {
    const body = forwardSpecOf(plan);
    const parsed = parseForwardSpec(body);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    expect(body.consumers.allow).toEqual([{ subscriptionId: plan.subscriptionId, virtualNetworkIds: [] }]);
    expect(body.probes).toEqual([{ subnetId: plan.probeSubnetId, every: 'P1D' }]);
    expect(body.dns).toMatchObject({ recordName: plan.recordName });
  });
});

describe('azd env get-values output', () => {
  it.each([
    ['quoted values, as azd writes them', 'AZURE_FUNCTION_APP_URL="https://plf.azurewebsites.net"\nAZURE_LOCATION="westeurope"\n', { AZURE_FUNCTION_APP_URL: 'https://plf.azurewebsites.net', AZURE_LOCATION: 'westeurope' }],
    ['escaped quotes and an = in a value', 'A="say \\"hi\\""\nB="x=y"\n', { A: 'say "hi"', B: 'x=y' }],
    ['blank lines, comments, export and CRLF', '\r\n# note\r\nexport C=plain\r\nD=\'single\'\r\n', { C: 'plain', D: 'single' }],
  ])('%s', (_situation, text, values) => {
    expect(parseAzdEnv(text)).toEqual(values);
  });
});

const entry = (kind: string, price: number | null, extra: Record<string, unknown> = {}) => ({ kind, unit: 'hour', price, region: 'eastus', read: '2026-12-08', ...(price === null ? { missing: 'not found' } : { source: `https://prices.example/${kind}` }), ...extra });
const TABLE: PriceTable = {
  read: '2026-12-08',
  currency: 'USD',
  entries: [
    entry('vm', 0.0104, { sku: 'Standard_B1s' }),
    entry('osDisk', 0.002),
    entry('loadBalancer', 0.025),
    entry('loadBalancerRule', 0.01, { unit: 'rule-hour' }),
    entry('privateLinkService', 0),
    entry('privateEndpoint', 0.01),
    entry('containerInstances', 0.00001, { sku: 'Linux vCPU', unit: 'vCPU-second' }),
    entry('containerInstances', 0.000001, { sku: 'Linux memory', unit: 'GB-second' }),
  ],
};
const created = (over: Partial<Created> = {}): Created => ({ nodes: { vmSize: 'Standard_B1s', count: 2 }, loadBalancerRules: 1, privateLinkServices: 1, privateEndpoints: 1, ...over });

describe('the cost per hour of what it created', () => {
  it.each<[string, PriceTable, Created, { lines: [string, number | undefined][]; knownTotal: number; unknownCount: number }]>([
    ['two B1s nodes, one rule, the service and an endpoint', TABLE, created(), {
      lines: [['2 × Standard_B1s node', 0.0208], ['2 × node OS disk', 0.004], ['Standard load balancer, 1 rule', 0.025], ['1 × private link service', 0], ['1 × private endpoint', 0.01]],
      knownTotal: 0.0598, unknownCount: 0,
    }],
    ['seven ports: the first 5 rules in the load balancer hour, 2 rule-hours more', TABLE, created({ loadBalancerRules: 7 }), {
      lines: [['2 × Standard_B1s node', 0.0208], ['2 × node OS disk', 0.004], ['Standard load balancer, 7 rules', 0.045], ['1 × private link service', 0], ['1 × private endpoint', 0.01]],
      knownTotal: 0.0798, unknownCount: 0,
    }],
    ['probes: 4 runs an hour of 30 s, one container of 0.1 vCPU and 0.1 GB', TABLE, created({ privateEndpoints: 0, probe: { containers: 1, cpuPerContainer: 0.1, memoryGBPerContainer: 0.1, seconds: 30, runsPerHour: 4 } }), {
      lines: [['2 × Standard_B1s node', 0.0208], ['2 × node OS disk', 0.004], ['Standard load balancer, 1 rule', 0.025], ['1 × private link service', 0], ['probes: 4 runs/h × 30 s × 1 container (0.1 vCPU, 0.1 GB each)', 120 * 0.1 * 0.00001 + 120 * 0.1 * 0.000001]],
      knownTotal: 0.0498 + 0.000132, unknownCount: 0,
    }],
    ['a VM size the table lacks and a null figure: not known, and left out of the total', { ...TABLE, entries: TABLE.entries.map((e) => (e.kind === 'osDisk' ? { ...e, price: null, missing: 'not found' } : e)) }, created({ nodes: { vmSize: 'Standard_D2s_v5', count: 2 } }), {
      lines: [['2 × Standard_D2s_v5 node', undefined], ['2 × node OS disk', undefined], ['Standard load balancer, 1 rule', 0.025], ['1 × private link service', 0], ['1 × private endpoint', 0.01]],
      knownTotal: 0.035, unknownCount: 2,
    }],
    ['nothing but an endpoint (the forward was never created): no node or load balancer line', TABLE, created({ nodes: { vmSize: 'Standard_B1s', count: 0 }, loadBalancerRules: 0, privateLinkServices: 0 }), {
      lines: [['1 × private endpoint', 0.01]],
      knownTotal: 0.01, unknownCount: 0,
    }],
  ])('%s', (_situation, table, what, expected) => {
    const r = costPerHour(table, what);
    expect(r.lines.map((l) => [l.what, l.perHour === undefined ? undefined : Number(l.perHour.toFixed(8))])).toEqual(expected.lines.map(([w, v]) => [w, v === undefined ? undefined : Number(v.toFixed(8))]));
    expect(r.knownTotal).toBeCloseTo(expected.knownTotal, 8);
    expect(r.unknownCount).toBe(expected.unknownCount);
  });

  it('prints each line with its region and source, the known total, and says when lines are not known', () => {
    const lines = formatCost(costPerHour({ ...TABLE, entries: TABLE.entries.filter((e) => e.kind !== 'osDisk') }, created()));
    expect(lines[0]).toBe("cost per hour of what the smoke created, at list prices read 2026-12-08 (scripts/smoke/prices.json; your region's prices may differ):");
    expect(lines).toContain('  2 × Standard_B1s node           0.0208 USD/h  (eastus)  [1]');
    expect(lines).toContain('  2 × node OS disk                not known: Standard_LRS OS disks not in the table');
    expect(lines).toContain('  total of the known figures: 0.0558 USD/h — 1 line not known, so the real cost is higher; per-GB charges (data processed, bandwidth) not counted');
    expect(lines).toContain('  [1] https://prices.example/vm');
  });
});

describe('the committed price table (scripts/smoke/prices.json)', () => {
  const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts/smoke/prices.json'), 'utf8')) as PriceTable;

  it('is usable: a read date and region on every entry, a source URL for every figure, a reason for every missing one', () => {
    expect(tableProblems(committed)).toEqual([]);
  });

  it('prices every kind the smoke creates (a figure, or null saying why)', () => {
    const kinds = new Set(committed.entries.map((e) => `${e.kind}${e.kind === 'containerInstances' ? ` ${e.sku}` : ''}`));
    for (const k of ['vm', 'osDisk', 'loadBalancer', 'loadBalancerRule', 'privateLinkService', 'privateEndpoint', 'containerInstances Linux vCPU', 'containerInstances Linux memory']) expect(kinds).toContain(k);
    expect(committed.entries.find((e) => e.kind === 'vm' && e.sku === 'Standard_B1s')?.price).toEqual(expect.any(Number));
  });

  it.each([
    ['a figure without its source', { ...TABLE, entries: [{ ...TABLE.entries[0], source: undefined }] }, ['entries[0] (vm Standard_B1s): a price needs the https URL it was read from in source']],
    ['a null figure without a reason', { ...TABLE, entries: [{ ...TABLE.entries[1], price: null, source: undefined }] }, ['entries[0] (osDisk): a null price must say why in missing']],
    ['no read date, no region, an unknown unit', { currency: 'USD', entries: [{ ...TABLE.entries[2], read: 'yesterday', region: '', unit: 'day' }] }, ['read must be the date the figures were read (YYYY-MM-DD)', 'entries[0] (loadBalancer): unit must be one of hour, rule-hour, vCPU-second, GB-second, zone-month', 'entries[0] (loadBalancer): region is required (where the figure applies)', 'entries[0] (loadBalancer): read must be the date its figure was read (YYYY-MM-DD)']],
  ])('a table with %s is refused, naming it', (_situation, table, problems) => {
    expect(tableProblems(table)).toEqual(problems);
  });
});
