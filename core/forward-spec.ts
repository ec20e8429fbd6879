/**
 * The forward spec: the body of `PUT /api/forwards/{name}`. ONE zod schema (`forwardSpecSchema`)
 * both validates a body (filling defaults, naming every problem with its JSON path and a
 * human-readable message per rule) and, through `z.toJSONSchema`, becomes the request-body schema
 * of the OpenAPI document (core/openapi.ts). Rules JSON Schema cannot state (reserved addresses,
 * duplicates, the probe interval's range) live in checks on the same schema.
 * Pure: no I/O, no SDK; it imports the schema library, the shared patterns (core/patterns.ts) and
 * the problem item's type (core/responses/problem.ts).
 */
import { z } from 'zod';
import { DNS_LABEL, DNS_NAME, GUID, GUID_SRC, IPV4, ISO_DURATION, isoDurationSeconds, RESOURCE_GROUP, SUBNET_ID, VNET_ID, ZONE_ID } from './patterns';
import type { ProblemItem } from './responses/problem';

export interface PortMapping {
  port: number;
  targetPort: number;
}

export interface ConsumerRule {
  subscriptionId: string;
  /** Empty = any VNet of the subscription. */
  virtualNetworkIds: string[];
}

export interface ForwardSpec {
  ports: PortMapping[];
  targets: string[];
  nodes: { count: number; vmSize: string; zones: string[] };
  consumers: {
    allow: ConsumerRule[];
    unmatched: 'leavePending' | 'reject';
    maxConnections: number;
    /** What happens to an approved connection whose consumer is no longer allowed. */
    onDisallow: 'keep' | 'reject';
    /** Who may see the alias: subscription GUIDs or exactly ["*"]; absent = the allow list's subscriptions. */
    visibleTo?: string[];
  };
  dns?: { zoneName?: string; zoneIds?: string[]; recordName: string; ttl: number };
  /** `resourceGroup`: where the probe's container group goes (default: the subnet's resource group; always the subnet's subscription). */
  probes: { subnetId: string; every: string; resourceGroup?: string }[];
  /** Hub placement overrides; app settings give the defaults. */
  placement?: { resourceGroup?: string; subnetId?: string; location?: string };
  agent: { intervalSeconds: number; connectTimeoutSeconds: number };
}

/** A problem of a body: its JSON path and what is wrong (a problem+json item without `in`, core/responses/problem.ts). */
export type Problem = Omit<ProblemItem, 'in'>;

export type ParseResult = { ok: true; spec: ForwardSpec } | { ok: false; problems: Problem[] };

export const DEFAULTS = {
  nodes: { count: 2, vmSize: 'Standard_B1s', zones: ['1', '2', '3'] },
  consumers: { unmatched: 'leavePending' as const, maxConnections: 50, onDisallow: 'keep' as const },
  dnsTtl: 300,
  probeEvery: 'PT15M',
  agent: { intervalSeconds: 5, connectTimeoutSeconds: 2 },
};

export const LIMITS = {
  ports: 32,
  targets: 16,
  nodes: { min: 1, max: 20 },
  maxConnections: { min: 1, max: 1000 },
  ttl: { min: 1, max: 86400 },
  probeEverySeconds: { min: 5 * 60, max: 24 * 3600 },
  consumers: 100,
  visibleTo: 100,
  virtualNetworkIds: 100,
  zoneIds: { min: 1, max: 10 },
  probes: 10,
  agent: { intervalSeconds: { min: 1, max: 300 }, connectTimeoutSeconds: { min: 1, max: 30 } },
};

// Patterns: core/patterns.ts (the same RegExp serves the validator and the document).
const NAME = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;
const GUID_OR_ANYONE = new RegExp(`^(?:\\*|${GUID_SRC})$`);
const ZONE_NAME = DNS_NAME;
const VM_SIZE = /^[A-Za-z][A-Za-z0-9_]{2,63}$/;
const LOCATION = /^[a-z0-9]{2,40}$/;
const DURATION = ISO_DURATION;

/**
 * Why a forward name is unusable, or an empty list. The name becomes part of every Azure
 * resource name we derive (`plf-{name}-lb`, `-vmss`, `-pls`, the VMSS computer name prefix), of
 * tags and of orchestration ids, so it is held to the strictest of those rules.
 */
export function forwardNameProblems(name: unknown): Problem[] {
  if (typeof name !== 'string' || !NAME.test(name)) {
    return [{ path: 'name', message: 'must be 1-40 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen' }];
  }
  if (name.includes('--')) return [{ path: 'name', message: 'must not contain "--"' }];
  return [];
}

export function parseIpv4(text: unknown): number[] | undefined {
  if (typeof text !== 'string' || !IPV4.test(text)) return undefined;
  return text.split('.').map(Number);
}

/** Addresses a forward must never target, with the reason. */
export function reservedAddressReason(octets: number[]): string | undefined {
  const [a, b] = octets;
  const text = octets.join('.');
  if (text === '0.0.0.0') return 'is the unspecified address 0.0.0.0';
  if (text === '255.255.255.255') return 'is the broadcast address';
  if (text === '168.63.129.16') return 'is the Azure platform address 168.63.129.16';
  if (a === 127) return 'is in loopback 127.0.0.0/8';
  if (a === 169 && b === 254) return 'is in link-local 169.254.0.0/16';
  if (a >= 224 && a <= 239) return 'is in multicast 224.0.0.0/4';
  if (a >= 240) return 'is in reserved 240.0.0.0/4';
  if (a === 0) return 'is in 0.0.0.0/8';
  return undefined;
}

export { isoDurationSeconds };

// ---------------------------------------------------------------------------------------------
// Schema building blocks: each rule carries its own message.

type Report = (path: (string | number)[], message: string) => void;

/**
 * A check that runs even when the value already has problems (zod skips ordinary refinements
 * then), so a body's problems are all named at once. `fn` gets the value as parsed so far:
 * it must not trust its shape.
 */
function always<T>(fn: (value: unknown, report: Report) => void): z.core.$ZodCheck<T> {
  return z.core._check<T>(
    (payload) => {
      fn(payload.value, (path, message) => payload.issues.push({ code: 'custom', path, message, input: payload.value, continue: true }));
    },
    { when: () => true },
  );
}

/** A closed object: unknown properties are problems, each named with the known ones. */
function closed<S extends z.ZodRawShape>(shape: S, notAnObject: string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `is not a known property (known: ${known})` : notAnObject),
  });
}

const integer = (min: number, max: number, message: string) => z.number(message).int(message).min(min, message).max(max, message);
const text = (pattern: RegExp, message: string) => z.string(message).regex(pattern, message);
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reports the second and later occurrence of a value (compared by `key`) among the valid items. */
function noDuplicates(key: (item: unknown) => string | undefined, where: (item: unknown) => string[] = () => []) {
  return always<unknown[]>((value, report) => {
    if (!Array.isArray(value)) return;
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const k = key(item);
      if (k === undefined) return;
      if (seen.has(k)) report([i, ...where(item)], `${k} is listed twice`);
      seen.add(k);
    });
  });
}

const PORT_MESSAGE = 'must be an integer 1-65535';
const portMapping = closed(
  {
    port: integer(1, 65535, PORT_MESSAGE).describe('listen port of the Private Link Service, unique'),
    targetPort: integer(1, 65535, PORT_MESSAGE).optional().describe('port on the targets; defaults to port'),
  },
  'must be an object {port, targetPort}',
)
  // An absent targetPort is the port, so it is as wrong as the port.
  .check(always((v, report) => (isRecord(v) && v.targetPort === undefined && v.port !== undefined && !isPort(v.port) ? report(['targetPort'], PORT_MESSAGE) : undefined)))
  .transform((p): PortMapping => ({ port: p.port, targetPort: p.targetPort ?? p.port }));

/** Absent: "is required: ..."; present but not a list, or empty: "must be ..." (what was given is there). */
const listMessage = (what: string) => ({ error: (iss: { input?: unknown }) => `${iss.input === undefined ? 'is required:' : 'must be'} ${what}` });
const PORTS_LIST = listMessage(`a list of 1-${LIMITS.ports} {port, targetPort}`);
const ports = z
  .array(portMapping, PORTS_LIST)
  .min(1, PORTS_LIST)
  .max(LIMITS.ports, { error: (iss) => `lists ${Array.isArray(iss.input) ? iss.input.length : '?'} mappings; at most ${LIMITS.ports}` })
  .check(noDuplicates((m) => (isRecord(m) && isPort(m.port) ? String(m.port) : undefined), () => ['port']))
  .describe('listen ports, unique');

const notIpv4 = (iss: { input?: unknown }) => `${JSON.stringify(iss.input)} is not an IPv4 address (IPv4 only)`;
const target = z
  .string({ error: notIpv4 })
  .regex(IPV4, { error: notIpv4 })
  .superRefine((t, ctx) => {
    const octets = parseIpv4(t);
    const reason = octets && reservedAddressReason(octets);
    if (reason) ctx.addIssue({ code: 'custom', message: `${t} ${reason}` });
  });
const TARGETS_LIST = listMessage(`a list of 1-${LIMITS.targets} IPv4 addresses`);
const targets = z
  .array(target, TARGETS_LIST)
  .min(1, TARGETS_LIST)
  .max(LIMITS.targets, { error: (iss) => `lists ${Array.isArray(iss.input) ? iss.input.length : '?'} addresses; at most ${LIMITS.targets}` })
  .check(noDuplicates((t) => (parseIpv4(t) && !reservedAddressReason(parseIpv4(t) as number[]) ? (t as string) : undefined)))
  .meta({ uniqueItems: true, description: 'IPv4 only, unique; no 0.0.0.0/8, loopback, link-local, 168.63.129.16, multicast, reserved or broadcast addresses' });

const ZONES_MESSAGE = 'must be a list of distinct zones from "1", "2", "3" (empty for no zones)';
/** Typed as a string, as ForwardSpec has it; the document still lists the three values. */
const zone: z.ZodType<string> = z.enum(['1', '2', '3'], ZONES_MESSAGE);
const nodes = closed(
  {
    count: integer(LIMITS.nodes.min, LIMITS.nodes.max, `must be an integer ${LIMITS.nodes.min}-${LIMITS.nodes.max}`).default(DEFAULTS.nodes.count),
    vmSize: text(VM_SIZE, 'must be a VM size name like Standard_B1s').default(DEFAULTS.nodes.vmSize),
    zones: z
      .array(zone, ZONES_MESSAGE)
      .check(always((v, report) => (Array.isArray(v) && new Set(v).size !== v.length ? report([], ZONES_MESSAGE) : undefined)))
      .meta({ uniqueItems: true })
      .default(() => [...DEFAULTS.nodes.zones]),
  },
  'must be an object {count, vmSize, zones}',
).prefault({});

const consumerRule = closed(
  {
    subscriptionId: text(GUID, 'must be a subscription GUID').toLowerCase(),
    virtualNetworkIds: z
      .array(text(VNET_ID, 'must be a virtual network resource id /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}'), 'must be a list of virtual network resource ids')
      .max(LIMITS.virtualNetworkIds, `must be a list of at most ${LIMITS.virtualNetworkIds} virtual network resource ids`)
      .default(() => [])
      .describe('empty = any virtual network of the subscription'),
  },
  'must be an object {subscriptionId, virtualNetworkIds}',
);

const ALLOW_MESSAGE = `must be a list of at most ${LIMITS.consumers} {subscriptionId, virtualNetworkIds}`;
const VISIBLE_TO_MESSAGE = `must be a list of at most ${LIMITS.visibleTo} subscription GUIDs, or ["*"]`;
const visibleTo = z
  .array(text(GUID_OR_ANYONE, 'must be a subscription GUID, or "*" alone').toLowerCase(), VISIBLE_TO_MESSAGE)
  .max(LIMITS.visibleTo, VISIBLE_TO_MESSAGE)
  .check(
    always((v, report) => {
      if (Array.isArray(v) && v.includes('*') && v.length > 1) report([], 'must be either ["*"] (anyone with the alias) or a list of subscription GUIDs, not both');
    }),
  )
  .check(noDuplicates((s) => (typeof s === 'string' && GUID.test(s) ? s.toLowerCase() : undefined)))
  .meta({
    uniqueItems: true,
    anyOf: [{ not: { contains: { const: '*' } } }, { maxItems: 1 }],
    description: 'who may see the Private Link Service alias: subscription GUIDs, or ["*"] for anyone with the alias; absent = the subscriptions of the allow list; [] = no subscription but the provider\'s own',
  });

const consumers = closed(
  {
    allow: z.array(consumerRule, ALLOW_MESSAGE).max(LIMITS.consumers, ALLOW_MESSAGE).default(() => []),
    unmatched: z.enum(['leavePending', 'reject'], 'must be "leavePending" or "reject"').default(DEFAULTS.consumers.unmatched).describe('what happens to a connection no allow rule matches'),
    maxConnections: integer(LIMITS.maxConnections.min, LIMITS.maxConnections.max, `must be an integer ${LIMITS.maxConnections.min}-${LIMITS.maxConnections.max}`).default(DEFAULTS.consumers.maxConnections),
    onDisallow: z.enum(['keep', 'reject'], 'must be "keep" or "reject"').default(DEFAULTS.consumers.onDisallow).describe('what happens to an approved connection whose consumer is no longer allowed'),
    visibleTo: visibleTo.optional(),
  },
  'must be an object {allow, unmatched, maxConnections, onDisallow, visibleTo}',
).prefault({});

const ZONE_IDS_MESSAGE = `must be a list of ${LIMITS.zoneIds.min}-${LIMITS.zoneIds.max} private DNS zone resource ids`;
const dns = closed(
  {
    zoneName: text(ZONE_NAME, 'must be a DNS zone name of at least two valid labels (letters, digits, hyphens; 1-63 each)').toLowerCase().optional(),
    zoneIds: z
      .array(text(ZONE_ID, 'must be a private DNS zone resource id /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone}'), ZONE_IDS_MESSAGE)
      .min(LIMITS.zoneIds.min, ZONE_IDS_MESSAGE)
      .max(LIMITS.zoneIds.max, ZONE_IDS_MESSAGE)
      .check(noDuplicates((s) => (typeof s === 'string' && ZONE_ID.test(s) ? s.toLowerCase() : undefined)))
      .optional(),
    recordName: text(DNS_LABEL, 'must be one DNS label (letters, digits, hyphens; 1-63; not starting or ending with a hyphen)').toLowerCase(),
    ttl: integer(LIMITS.ttl.min, LIMITS.ttl.max, `must be an integer ${LIMITS.ttl.min}-${LIMITS.ttl.max} seconds`).default(DEFAULTS.dnsTtl),
  },
  'must be an object {zoneName, zoneIds, recordName, ttl}',
)
  .check(always((v, report) => (isRecord(v) && v.zoneName === undefined && v.zoneIds === undefined ? report([], 'needs zoneName or zoneIds (or both): the private DNS zone(s) to write the record in') : undefined)))
  .meta({
    anyOf: [{ required: ['zoneName'] }, { required: ['zoneIds'] }],
    description:
      "the private DNS A record of each approved connection: recordName in the zone linked to the endpoint's VNet, pointing at that consumer endpoint's NIC IP (not the load balancer's frontend IP in the hub); needs zoneName or zoneIds",
  })
  .optional();

const probe = closed(
  {
    subnetId: text(SUBNET_ID, 'must be a subnet resource id .../virtualNetworks/{vnet}/subnets/{subnet}'),
    every: text(DURATION, 'must be an ISO 8601 duration in days, hours, minutes or seconds (PnDTnHnMnS) like PT15M')
      .superRefine((every, ctx) => {
        const seconds = isoDurationSeconds(every);
        if (seconds !== undefined && (seconds < LIMITS.probeEverySeconds.min || seconds > LIMITS.probeEverySeconds.max)) ctx.addIssue({ code: 'custom', message: 'must be between PT5M and P1D' });
      })
      .default(DEFAULTS.probeEvery)
      .describe('ISO 8601 duration, PT5M..P1D'),
    resourceGroup: text(RESOURCE_GROUP, 'must be a resource group name (1-90 letters, digits, ._-())')
      .optional()
      .describe("resource group of the probe's container group, in the subnet's subscription (default: the subnet's resource group)"),
  },
  'must be an object {subnetId, every, resourceGroup}',
);
const PROBES_MESSAGE = `must be a list of at most ${LIMITS.probes} {subnetId, every, resourceGroup}`;
// One probe per subnet: runs, state and `?subnetId=` are keyed by the subnet.
const probes = z
  .array(probe, PROBES_MESSAGE)
  .max(LIMITS.probes, PROBES_MESSAGE)
  .check(noDuplicates((p) => (isRecord(p) && typeof p.subnetId === 'string' && SUBNET_ID.test(p.subnetId) ? p.subnetId.toLowerCase() : undefined), () => ['subnetId']))
  .default(() => []);

const placement = closed(
  {
    resourceGroup: text(RESOURCE_GROUP, 'must be a resource group name (1-90 letters, digits, ._-())').optional(),
    subnetId: text(SUBNET_ID, 'must be a subnet resource id').optional(),
    location: text(LOCATION, 'must be an Azure region name like westeurope').optional(),
  },
  'must be an object {resourceGroup, subnetId, location}',
)
  .optional()
  .describe('hub placement overrides; app settings give the defaults');

const { intervalSeconds, connectTimeoutSeconds } = LIMITS.agent;
const agent = closed(
  {
    intervalSeconds: integer(intervalSeconds.min, intervalSeconds.max, `must be an integer ${intervalSeconds.min}-${intervalSeconds.max}`).default(DEFAULTS.agent.intervalSeconds),
    connectTimeoutSeconds: integer(connectTimeoutSeconds.min, connectTimeoutSeconds.max, `must be an integer ${connectTimeoutSeconds.min}-${connectTimeoutSeconds.max}`).default(DEFAULTS.agent.connectTimeoutSeconds),
  },
  'must be an object {intervalSeconds, connectTimeoutSeconds}',
)
  .prefault({})
  .describe("the forwarder nodes' health checking of the targets");

/** The schema of a PUT body. Its output is a ForwardSpec with every default filled in. */
export const forwardSpecSchema = closed({ ports, targets, nodes, consumers, dns, probes, placement, agent }, 'the body must be a JSON object').describe(
  'The body of PUT /forwards/{name}. Beyond this schema the service refuses reserved target addresses, duplicate ports and probe intervals outside PT5M..P1D.',
);

// The interfaces above are the public types; this fails to compile when they and the schema drift.
type Output = z.output<typeof forwardSpecSchema>;
const _outputIsForwardSpec = (o: Output): ForwardSpec => o;
const _forwardSpecIsOutput = (s: ForwardSpec): Output => s;
void _outputIsForwardSpec;
void _forwardSpecIsOutput;

/** The JSON Schema (2020-12) of a PUT body: the input side of `forwardSpecSchema`, defaults included. */
export function forwardSpecJsonSchema(): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(forwardSpecSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return schema;
}

/** At most this many problems are named in one answer. */
export const MAX_PROBLEMS = 100;

/** Paths whose items' problems are reported on the list itself. */
const REPORTED_AS_A_WHOLE = new Set(['nodes.zones']);

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** A list this long is refused before anything else is validated (bounded work for any body). */
const HUGE_LIST = 1000;
const LISTS: Array<[string, (b: Record<string, unknown>) => unknown, number]> = [
  ['ports', (b) => b.ports, LIMITS.ports],
  ['targets', (b) => b.targets, LIMITS.targets],
  ['probes', (b) => b.probes, LIMITS.probes],
  ['nodes.zones', (b) => (isRecord(b.nodes) ? b.nodes.zones : undefined), 3],
  ['consumers.allow', (b) => (isRecord(b.consumers) ? b.consumers.allow : undefined), LIMITS.consumers],
  ['consumers.visibleTo', (b) => (isRecord(b.consumers) ? b.consumers.visibleTo : undefined), LIMITS.visibleTo],
  ['dns.zoneIds', (b) => (isRecord(b.dns) ? b.dns.zoneIds : undefined), LIMITS.zoneIds.max],
];

/** Validates a PUT body and fills defaults. Never throws. */
export function parseForwardSpec(body: unknown): ParseResult {
  try {
    if (isRecord(body)) {
      const huge = LISTS.map(([path, get, max]) => ({ path, max, list: get(body) })).filter((x) => Array.isArray(x.list) && x.list.length > HUGE_LIST);
      if (huge.length) return { ok: false, problems: huge.map((x) => ({ path: x.path, message: `lists ${(x.list as unknown[]).length} items; at most ${x.max}` })) };
    }
  } catch (e) {
    return { ok: false, problems: [{ path: '', message: `could not be validated: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  let result: ReturnType<typeof forwardSpecSchema.safeParse>;
  try {
    result = forwardSpecSchema.safeParse(body);
  } catch (e) {
    return { ok: false, problems: [{ path: '', message: `could not be validated: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, problems: problemsOf(result.error.issues, REPORTED_AS_A_WHOLE) };
}

/**
 * zod's issues as problems, each with its JSON path (an unknown property named by its own path),
 * without repeats. Linear in the number of issues (a body with 100 000 bad items must not stall
 * the host), and at most MAX_PROBLEMS named, then one line saying how many more there were.
 * `wholes`: paths whose items' problems are reported on the list itself.
 */
export function problemsOf(issues: readonly z.core.$ZodIssue[], wholes: ReadonlySet<string> = new Set()): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  let more = 0;
  const add = (path: readonly PropertyKey[], message: string) => {
    let at = pathText(path);
    for (const whole of wholes) if (at.startsWith(`${whole}[`)) at = whole;
    const key = `${at}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (problems.length < MAX_PROBLEMS) problems.push({ path: at, message });
    else more++;
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') issue.keys.forEach((key) => add([...issue.path, key], issue.message));
    else add(issue.path, issue.message);
  }
  if (more) problems.push({ path: '', message: `and ${more} more problem(s) not listed` });
  return problems;
}
