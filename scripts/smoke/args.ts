import { forwardNameProblems, parseForwardSpec, type ForwardSpec } from '../../core/forward-spec';
import { GUID, RESOURCE_GROUP } from '../../core/patterns';
import { refOfType } from '../../core/resource-id';

/**
 * `npm run smoke:azure` command line -> the smoke's plan, or every problem with it. Pure: the
 * caller reads the azd environment (a file, or `azd env get-values`) and the process environment
 * and hands them in. Problems end the run with exit 2 before anything is created.
 *
 * On Azure the run creates billable resources, so it refuses to start without both
 * `--subscription <id>` (the subscription the consumer endpoint is created in, said out loud) and
 * `--yes`; that refusal comes first and needs nothing else (refusal()).
 *
 * Where the values come from (Azure): the API URL from --api-url, else AZURE_FUNCTION_APP_URL of
 * the azd environment (infra/main.bicep's output); the API token from --token, else PLF_API_TOKEN
 * (the deployed API answers 401 without one).
 */
export interface Port {
  port: number;
  targetPort: number;
}

export interface SmokePlan {
  mode: 'local' | 'azure';
  /** Azure: the control plane's base URL (https://<app host>); local: filled in once the stack is up. */
  apiUrl?: string;
  token?: string;
  forward: string;
  /** Where the consumer endpoint goes (its subnet's subscription). */
  subscriptionId: string;
  resourceGroup: string;
  subnetId: string;
  endpointName: string;
  probeSubnetId: string;
  targets: string[];
  ports: Port[];
  dns: { zoneName: string } | { zoneId: string };
  recordName: string;
  nodes: { count: number; vmSize: string; zones: string[] };
  pricesFile: string;
}

/** The command line as node:util parseArgs gives it (strings, booleans, repeated strings). */
export interface SmokeArgs {
  help?: boolean;
  local?: boolean;
  yes?: boolean;
  subscription?: string;
  'resource-group'?: string;
  subnet?: string;
  'probe-subnet'?: string;
  targets?: string;
  port?: string[];
  zone?: string;
  record?: string;
  name?: string;
  'node-count'?: string;
  'vm-size'?: string;
  zones?: string;
  'api-url'?: string;
  token?: string;
  'azd-env'?: string;
  prices?: string;
}

export const PARSE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  local: { type: 'boolean' },
  yes: { type: 'boolean' },
  subscription: { type: 'string' },
  'resource-group': { type: 'string' },
  subnet: { type: 'string' },
  'probe-subnet': { type: 'string' },
  targets: { type: 'string' },
  port: { type: 'string', multiple: true },
  zone: { type: 'string' },
  record: { type: 'string' },
  name: { type: 'string' },
  'node-count': { type: 'string' },
  'vm-size': { type: 'string' },
  zones: { type: 'string' },
  'api-url': { type: 'string' },
  token: { type: 'string' },
  'azd-env': { type: 'string' },
  prices: { type: 'string' },
} as const;

export const USAGE = `usage:
  npm run smoke:azure -- --local
      the whole story against a local stack of its own (free ports, a temporary folder)
  npm run smoke:azure -- --subscription <id> --yes --resource-group <rg> --subnet <subnet id>
      --probe-subnet <subnet id> --targets <ip>[,<ip>...] --zone <zone name | zone id> [options]
      the same story against your deployed control plane; it creates billable resources

Azure (all required):
  --subscription <id>      the subscription the consumer endpoint is created in (the --subnet's)
  --yes                    you accept that it creates billable resources and deletes them again
  --resource-group <rg>    where the consumer private endpoint is created
  --subnet <id>            the endpoint's subnet (resource id)
  --probe-subnet <id>      a subnet delegated to Microsoft.ContainerInstance/containerGroups for the probe
  --targets <ip,...>       the forward's targets (IPv4, reachable from the hub)
  --zone <name | id>       a private DNS zone linked to the endpoint's VNet: a name (in the hub
                           resource group) or a zone resource id
Options:
  --port <port>[:<targetPort>]   repeatable; default 8000
  --name <forward>         default smoke-<random>; it must not exist yet
  --record <name>          the A record's name, default the forward's name
  --node-count <n>         default 2     --vm-size <size>  default Standard_B1s
  --zones <1,2,3 | none>   availability zones of the nodes, default 1,2,3
  --api-url <url>          default AZURE_FUNCTION_APP_URL of the azd environment
  --azd-env <file>         the output of \`azd env get-values\` (default: run it)
  --token <jwt>            default PLF_API_TOKEN: a token for the API with the Forwards.Operate role
  --prices <file>          default scripts/smoke/prices.json
  -h, --help               this text

Exit: 0 every step behaved; 1 a step did not (what it made is deleted all the same); 2 bad usage.`;

// Ids are parsed by core/resource-id.ts, the patterns are core/patterns.ts's.
const SUBNET_ID = { test: (id: string) => !!refOfType(id, 'Microsoft.Network/virtualNetworks/subnets') };
const ZONE_ID = { test: (id: string) => !!refOfType(id, 'Microsoft.Network/privateDnsZones') };
const AZURE_ONLY = ['subscription', 'yes', 'resource-group', 'subnet', 'probe-subnet', 'targets', 'port', 'zone', 'record', 'node-count', 'vm-size', 'zones', 'api-url', 'azd-env', 'token'] as const;

/** The emulator topology's consumer side (tools/emulator/topology/default.json) the local run uses. */
export const LOCAL = {
  subscriptionId: '00000000-0000-0000-0000-00000000c001',
  resourceGroup: 'rg-spoke',
  subnetId: '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/linked',
  probeSubnetId: '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/jump',
  targets: ['192.168.42.65', '192.168.42.66'],
  zoneName: 'internal.net',
};

/** The subscription a subnet id names, or undefined. */
export const subscriptionOfSubnet = (id: string) => refOfType(id, 'Microsoft.Network/virtualNetworks/subnets')?.subscriptionId;

/**
 * On Azure (no --local): the refusal to create billable resources without --subscription and
 * --yes, as lines to print (empty: not refused).
 */
export function refusal(a: SmokeArgs): string[] {
  if (a.local) return [];
  const missing = [...(a.subscription?.trim() ? [] : ['--subscription <id>']), ...(a.yes ? [] : ['--yes'])];
  if (!missing.length) return [];
  return [
    `refusing to start: a run on Azure creates billable resources (a forward's nodes, load balancer and private link service, a private endpoint, a container group) in your subscriptions; it needs ${missing.join(' and ')}.`,
    'Say which subscription the consumer endpoint goes in with --subscription <id>, and that you accept the cost with --yes (the run deletes what it made and prints the cost per hour).',
    'To try it without Azure: npm run smoke:azure -- --local',
  ];
}

/** `azd env get-values` output (KEY="value" lines, values quoted and escaped as azd writes them) -> a map. */
export function parseAzdEnv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1').replace(/\\n/g, '\n');
    else if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1);
    values[m[1]] = v;
  }
  return values;
}

/** Whether the Azure run needs the azd environment (no --api-url). */
export const needsAzdEnv = (a: SmokeArgs) => !a.local && !a['api-url']?.trim();

function parsePort(text: string): Port | undefined {
  const m = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[1]);
  const targetPort = Number(m[2] ?? m[1]);
  return port >= 1 && port <= 65535 && targetPort >= 1 && targetPort <= 65535 ? { port, targetPort } : undefined;
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/**
 * The plan, or every problem. `env`: the process environment (PLF_API_TOKEN); `azd`: the azd
 * environment's values when read (undefined when not needed or not readable: then `azdError` says
 * why); `defaults.prices`: the committed price table; `defaults.suffix`: the random part of the
 * default forward name.
 */
export function smokePlan(
  a: SmokeArgs,
  env: Readonly<Record<string, string | undefined>>,
  azd: { values?: Record<string, string>; error?: string },
  defaults: { prices: string; suffix: string },
): { ok: true; plan: SmokePlan } | { ok: false; problems: string[] } {
  const refused = refusal(a);
  if (refused.length) return { ok: false, problems: refused };
  const problems: string[] = [];
  const forward = a.name?.trim() || `smoke-${defaults.suffix}`;
  problems.push(...forwardNameProblems(forward).map((p) => `--name "${forward}" ${p.message}`));
  const token = a.token?.trim() || env.PLF_API_TOKEN?.trim() || undefined;
  const pricesFile = a.prices?.trim() || defaults.prices;

  if (a.local) {
    const given = AZURE_ONLY.filter((k) => a[k] !== undefined);
    if (given.length) problems.push(`--local runs against the emulator's own topology; ${given.map((k) => `--${k}`).join(', ')} ${given.length > 1 ? 'are' : 'is'} for Azure runs only`);
    if (problems.length) return { ok: false, problems };
    return {
      ok: true,
      plan: {
        mode: 'local',
        ...(token ? { token } : {}),
        forward,
        subscriptionId: LOCAL.subscriptionId,
        resourceGroup: LOCAL.resourceGroup,
        subnetId: LOCAL.subnetId,
        endpointName: `pe-${forward}`,
        probeSubnetId: LOCAL.probeSubnetId,
        targets: [...LOCAL.targets],
        ports: [{ port: 8000, targetPort: 8000 }],
        dns: { zoneName: LOCAL.zoneName },
        recordName: forward,
        nodes: { count: 2, vmSize: 'Standard_B1s', zones: ['1', '2', '3'] },
        pricesFile,
      },
    };
  }

  const subscriptionId = a.subscription!.trim();
  if (!GUID.test(subscriptionId)) problems.push(`--subscription must be a subscription id (a GUID), got "${subscriptionId}"`);
  const resourceGroup = a['resource-group']?.trim() ?? '';
  if (!resourceGroup) problems.push('--resource-group is required: the resource group the consumer endpoint is created in');
  else if (!RESOURCE_GROUP.test(resourceGroup)) problems.push(`--resource-group "${resourceGroup}" is not a resource group name (1-90 letters, digits, -_.())`);
  const subnetId = a.subnet?.trim() ?? '';
  if (!subnetId) problems.push('--subnet is required: the resource id of the subnet the consumer endpoint goes in');
  else if (!SUBNET_ID.test(subnetId)) problems.push(`--subnet must be a subnet resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<name>), got "${subnetId}"`);
  else if (GUID.test(subscriptionId) && subscriptionOfSubnet(subnetId)!.toLowerCase() !== subscriptionId.toLowerCase()) {
    problems.push(`--subnet is in subscription ${subscriptionOfSubnet(subnetId)}, not --subscription ${subscriptionId}: a private endpoint is created in its virtual network's subscription`);
  }
  const probeSubnetId = a['probe-subnet']?.trim() ?? '';
  if (!probeSubnetId) problems.push('--probe-subnet is required: a subnet delegated to Microsoft.ContainerInstance/containerGroups the probe runs from');
  else if (!SUBNET_ID.test(probeSubnetId)) problems.push(`--probe-subnet must be a subnet resource id, got "${probeSubnetId}"`);
  const targets = list(a.targets ?? '');
  if (!targets.length) problems.push('--targets is required: the IPv4 addresses the forward sends to, comma-separated');
  const ports: Port[] = [];
  for (const p of a.port?.length ? a.port : ['8000']) {
    const parsed = parsePort(p);
    if (parsed) ports.push(parsed);
    else problems.push(`--port "${p}" must be <port> or <port>:<targetPort>, each 1-65535`);
  }
  const zone = a.zone?.trim() ?? '';
  let dns: SmokePlan['dns'] = { zoneName: zone };
  if (!zone) problems.push('--zone is required: a private DNS zone linked to the endpoint\'s virtual network (a name in the hub resource group, or a zone resource id)');
  else if (zone.startsWith('/')) {
    if (ZONE_ID.test(zone)) dns = { zoneId: zone };
    else problems.push(`--zone "${zone}" looks like a resource id but is not a private DNS zone's (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/<name>)`);
  }
  const count = Number(a['node-count'] ?? '2');
  const zones = a.zones === undefined ? ['1', '2', '3'] : a.zones.trim() === 'none' ? [] : list(a.zones);
  const recordName = a.record?.trim() || forward;

  const plan: SmokePlan = {
    mode: 'azure',
    ...(token ? { token } : {}),
    forward,
    subscriptionId,
    resourceGroup,
    subnetId,
    endpointName: `pe-${forward}`,
    probeSubnetId,
    targets,
    ports,
    dns,
    recordName,
    nodes: { count, vmSize: a['vm-size']?.trim() || 'Standard_B1s', zones },
    pricesFile,
  };
  // Once the arguments themselves are fine: what the product would refuse (targets, node count,
  // VM size, zones, record name), in its own words, before anything is created.
  if (!problems.length) {
    const parsed = parseForwardSpec(forwardSpecOf(plan));
    if (!parsed.ok) problems.push(...parsed.problems.map((p) => `the forward would be refused: ${p.path} ${p.message}`));
  }
  // Where the control plane is and how to sign in to it.
  const apiUrl = (a['api-url']?.trim() || azd.values?.AZURE_FUNCTION_APP_URL?.trim() || '').replace(/\/+$/, '');
  if (!apiUrl) {
    problems.push(`no API URL: pass --api-url https://<app host>, or run where \`azd env get-values\` has AZURE_FUNCTION_APP_URL (or pass its output with --azd-env <file>)${azd.error ? ` — ${azd.error}` : ''}`);
  } else if (!/^https?:\/\/[^\s/]+$/.test(apiUrl)) problems.push(`the API URL must be http(s)://<host>[:port] without a path, got "${apiUrl}"`);
  // The Forwards.Operate token must not travel in clear text: plain http only to this machine.
  else if (apiUrl.startsWith('http://') && !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i.test(apiUrl)) problems.push(`the API URL must be https (it carries your Forwards.Operate token); plain http is taken for 127.0.0.1/localhost only, got "${apiUrl}"`);
  if (!token) problems.push('no API token: pass --token or set PLF_API_TOKEN to a bearer token for the app registration (AUTH_CLIENT_ID in the azd environment) with the Forwards.Operate role; the deployed API answers 401 without one');
  plan.apiUrl = apiUrl;
  return problems.length ? { ok: false, problems } : { ok: true, plan };
}

/**
 * The forward the smoke creates: the plan's ports, targets and nodes; the consumer subscription
 * allowed (any of its VNets); the A record in the plan's zone; one probe from the probe subnet,
 * every day (the smoke runs it itself, and a scheduled run must not start while it deletes the
 * forward: its container group would be left to the cleanup sweep).
 */
export function forwardSpecOf(plan: SmokePlan): Omit<ForwardSpec, 'agent' | 'consumers'> & { consumers: { allow: ForwardSpec['consumers']['allow']; unmatched: 'leavePending' } } {
  return {
    ports: plan.ports.map((p) => ({ ...p })),
    targets: [...plan.targets],
    nodes: { count: plan.nodes.count, vmSize: plan.nodes.vmSize, zones: [...plan.nodes.zones] },
    consumers: { allow: [{ subscriptionId: plan.subscriptionId, virtualNetworkIds: [] }], unmatched: 'leavePending' },
    dns: { ...('zoneName' in plan.dns ? { zoneName: plan.dns.zoneName } : { zoneIds: [plan.dns.zoneId] }), recordName: plan.recordName, ttl: 60 },
    probes: [{ subnetId: plan.probeSubnetId, every: 'P1D' }],
  };
}
