/**
 * The forward spec: the body of `PUT /api/forwards/{name}`. One schema with defaults; the
 * validator names every problem with its JSON path, and the OpenAPI document is generated from
 * the same field table (core/openapi.ts). Pure: no I/O, no SDK.
 */
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
  consumers: { allow: ConsumerRule[]; unmatched: 'leavePending' | 'reject'; maxConnections: number; onDisallow?: 'keep' | 'reject'; visibleTo?: string[] };
  dns?: { zoneName?: string; zoneIds?: string[]; recordName: string; ttl: number };
  probes: { subnetId: string; every: string }[];
  /** Hub placement overrides; app settings give the defaults. */
  placement?: { resourceGroup?: string; subnetId?: string; location?: string };
  agent: { intervalSeconds: number; connectTimeoutSeconds: number };
}

export interface Problem {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; spec: ForwardSpec } | { ok: false; problems: Problem[] };

export const DEFAULTS = {
  nodes: { count: 2, vmSize: 'Standard_B1s', zones: ['1', '2', '3'] },
  consumers: { unmatched: 'leavePending' as const, maxConnections: 50 },
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
  probes: 10,
};

const NAME = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const VM_SIZE = /^[A-Za-z][A-Za-z0-9_]{2,63}$/;
const RESOURCE_GROUP = /^[-\w._()]{1,90}$/;
const LOCATION = /^[a-z0-9]{2,40}$/;
const VNET_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.Network\/virtualNetworks\/[-\w.]{2,64}$/i;
const SUBNET_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.Network\/virtualNetworks\/[-\w.]{2,64}\/subnets\/[-\w.]{1,80}$/i;

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
  if (typeof text !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return undefined;
  const parts = text.split('.');
  if (parts.some((p) => Number(p) > 255 || (p.length > 1 && p.startsWith('0')))) return undefined;
  return parts.map(Number);
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

/** ISO 8601 duration (PnDTnHnMnS subset) in seconds, or undefined when malformed. */
export function isoDurationSeconds(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;

/** Validates a PUT body and fills defaults. Never throws. */
export function parseForwardSpec(body: unknown): ParseResult {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (!isObject(body)) return { ok: false, problems: [{ path: '', message: 'the body must be a JSON object' }] };
  unknownKeys(body, ['ports', 'targets', 'nodes', 'consumers', 'dns', 'probes', 'placement', 'agent'], '', add);

  // ports
  const ports: PortMapping[] = [];
  if (!Array.isArray(body.ports) || body.ports.length === 0) add('ports', 'is required: a list of 1-32 {port, targetPort}');
  else if (body.ports.length > LIMITS.ports) add('ports', `lists ${body.ports.length} mappings; at most ${LIMITS.ports}`);
  else {
    const seen = new Set<number>();
    body.ports.forEach((raw, i) => {
      const path = `ports[${i}]`;
      if (!isObject(raw)) return add(path, 'must be an object {port, targetPort}');
      unknownKeys(raw, ['port', 'targetPort'], path, add);
      if (!isPort(raw.port)) add(`${path}.port`, 'must be an integer 1-65535');
      else if (seen.has(raw.port)) add(`${path}.port`, `${raw.port} is listed twice`);
      else seen.add(raw.port);
      const targetPort = raw.targetPort === undefined ? raw.port : raw.targetPort;
      if (!isPort(targetPort)) add(`${path}.targetPort`, 'must be an integer 1-65535');
      if (isPort(raw.port) && isPort(targetPort)) ports.push({ port: raw.port, targetPort });
    });
  }

  // targets
  const targets: string[] = [];
  if (!Array.isArray(body.targets) || body.targets.length === 0) add('targets', `is required: a list of 1-${LIMITS.targets} IPv4 addresses`);
  else if (body.targets.length > LIMITS.targets) add('targets', `lists ${body.targets.length} addresses; at most ${LIMITS.targets}`);
  else {
    body.targets.forEach((t, i) => {
      const octets = parseIpv4(t);
      if (!octets) return add(`targets[${i}]`, `${JSON.stringify(t)} is not an IPv4 address (IPv4 only)`);
      const reason = reservedAddressReason(octets);
      if (reason) return add(`targets[${i}]`, `${t} ${reason}`);
      if (targets.includes(t as string)) return add(`targets[${i}]`, `${t} is listed twice`);
      targets.push(t as string);
    });
  }

  // nodes
  const nodes = { ...DEFAULTS.nodes, zones: [...DEFAULTS.nodes.zones] };
  if (body.nodes !== undefined) {
    if (!isObject(body.nodes)) add('nodes', 'must be an object {count, vmSize, zones}');
    else {
      unknownKeys(body.nodes, ['count', 'vmSize', 'zones'], 'nodes', add);
      if (body.nodes.count !== undefined) {
        if (!Number.isInteger(body.nodes.count) || (body.nodes.count as number) < LIMITS.nodes.min || (body.nodes.count as number) > LIMITS.nodes.max) add('nodes.count', `must be an integer ${LIMITS.nodes.min}-${LIMITS.nodes.max}`);
        else nodes.count = body.nodes.count as number;
      }
      if (body.nodes.vmSize !== undefined) {
        if (typeof body.nodes.vmSize !== 'string' || !VM_SIZE.test(body.nodes.vmSize)) add('nodes.vmSize', 'must be a VM size name like Standard_B1s');
        else nodes.vmSize = body.nodes.vmSize;
      }
      if (body.nodes.zones !== undefined) {
        const z = body.nodes.zones;
        if (!Array.isArray(z) || z.some((x) => !['1', '2', '3'].includes(x as string)) || new Set(z).size !== z.length) add('nodes.zones', 'must be a list of distinct zones from "1", "2", "3" (empty for no zones)');
        else nodes.zones = z as string[];
      }
    }
  }

  // consumers
  const consumers: ForwardSpec['consumers'] = { allow: [], ...DEFAULTS.consumers };
  if (body.consumers !== undefined) {
    if (!isObject(body.consumers)) add('consumers', 'must be an object {allow, unmatched, maxConnections}');
    else {
      unknownKeys(body.consumers, ['allow', 'unmatched', 'maxConnections'], 'consumers', add);
      const allow = body.consumers.allow ?? [];
      if (!Array.isArray(allow) || allow.length > LIMITS.consumers) add('consumers.allow', `must be a list of at most ${LIMITS.consumers} {subscriptionId, virtualNetworkIds}`);
      else {
        allow.forEach((raw, i) => {
          const path = `consumers.allow[${i}]`;
          if (!isObject(raw)) return add(path, 'must be an object {subscriptionId, virtualNetworkIds}');
          unknownKeys(raw, ['subscriptionId', 'virtualNetworkIds'], path, add);
          if (typeof raw.subscriptionId !== 'string' || !GUID.test(raw.subscriptionId)) add(`${path}.subscriptionId`, 'must be a subscription GUID');
          const vnets = raw.virtualNetworkIds ?? [];
          if (!Array.isArray(vnets)) add(`${path}.virtualNetworkIds`, 'must be a list of virtual network resource ids');
          else vnets.forEach((v, j) => (typeof v === 'string' && VNET_ID.test(v) ? undefined : add(`${path}.virtualNetworkIds[${j}]`, 'must be a virtual network resource id /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}')));
          if (typeof raw.subscriptionId === 'string' && Array.isArray(vnets)) consumers.allow.push({ subscriptionId: raw.subscriptionId.toLowerCase(), virtualNetworkIds: vnets as string[] });
        });
      }
      if (body.consumers.unmatched !== undefined) {
        if (body.consumers.unmatched !== 'leavePending' && body.consumers.unmatched !== 'reject') add('consumers.unmatched', 'must be "leavePending" or "reject"');
        else consumers.unmatched = body.consumers.unmatched;
      }
      if (body.consumers.maxConnections !== undefined) {
        const n = body.consumers.maxConnections;
        if (!Number.isInteger(n) || (n as number) < LIMITS.maxConnections.min || (n as number) > LIMITS.maxConnections.max) add('consumers.maxConnections', `must be an integer ${LIMITS.maxConnections.min}-${LIMITS.maxConnections.max}`);
        else consumers.maxConnections = n as number;
      }
    }
  }

  // dns
  let dns: ForwardSpec['dns'];
  if (body.dns !== undefined) {
    if (!isObject(body.dns)) add('dns', 'must be an object {zoneName, recordName, ttl}');
    else {
      unknownKeys(body.dns, ['zoneName', 'recordName', 'ttl'], 'dns', add);
      const zone = body.dns.zoneName;
      const zoneOk = typeof zone === 'string' && zone.length <= 253 && zone.split('.').length >= 2 && zone.split('.').every((l) => DNS_LABEL.test(l));
      if (!zoneOk) add('dns.zoneName', 'must be a DNS zone name of at least two valid labels (letters, digits, hyphens; 1-63 each)');
      const record = body.dns.recordName;
      if (typeof record !== 'string' || !DNS_LABEL.test(record)) add('dns.recordName', 'must be one DNS label (letters, digits, hyphens; 1-63; not starting or ending with a hyphen)');
      const ttl = body.dns.ttl ?? DEFAULTS.dnsTtl;
      if (!Number.isInteger(ttl) || (ttl as number) < LIMITS.ttl.min || (ttl as number) > LIMITS.ttl.max) add('dns.ttl', `must be an integer ${LIMITS.ttl.min}-${LIMITS.ttl.max} seconds`);
      if (zoneOk && typeof record === 'string' && DNS_LABEL.test(record)) dns = { zoneName: (zone as string).toLowerCase(), recordName: record.toLowerCase(), ttl: ttl as number };
    }
  }

  // probes
  const probes: ForwardSpec['probes'] = [];
  if (body.probes !== undefined) {
    if (!Array.isArray(body.probes) || body.probes.length > LIMITS.probes) add('probes', `must be a list of at most ${LIMITS.probes} {subnetId, every}`);
    else {
      body.probes.forEach((raw, i) => {
        const path = `probes[${i}]`;
        if (!isObject(raw)) return add(path, 'must be an object {subnetId, every}');
        unknownKeys(raw, ['subnetId', 'every'], path, add);
        if (typeof raw.subnetId !== 'string' || !SUBNET_ID.test(raw.subnetId)) add(`${path}.subnetId`, 'must be a subnet resource id .../virtualNetworks/{vnet}/subnets/{subnet}');
        const every = raw.every ?? DEFAULTS.probeEvery;
        const seconds = isoDurationSeconds(every);
        if (seconds === undefined) add(`${path}.every`, 'must be an ISO 8601 duration like PT15M');
        else if (seconds < LIMITS.probeEverySeconds.min || seconds > LIMITS.probeEverySeconds.max) add(`${path}.every`, 'must be between PT5M and P1D');
        if (typeof raw.subnetId === 'string' && seconds !== undefined) probes.push({ subnetId: raw.subnetId, every: every as string });
      });
    }
  }

  // placement
  let placement: ForwardSpec['placement'];
  if (body.placement !== undefined) {
    if (!isObject(body.placement)) add('placement', 'must be an object {resourceGroup, subnetId, location}');
    else {
      unknownKeys(body.placement, ['resourceGroup', 'subnetId', 'location'], 'placement', add);
      const p = body.placement;
      if (p.resourceGroup !== undefined && (typeof p.resourceGroup !== 'string' || !RESOURCE_GROUP.test(p.resourceGroup))) add('placement.resourceGroup', 'must be a resource group name (1-90 letters, digits, ._-())');
      if (p.subnetId !== undefined && (typeof p.subnetId !== 'string' || !SUBNET_ID.test(p.subnetId))) add('placement.subnetId', 'must be a subnet resource id');
      if (p.location !== undefined && (typeof p.location !== 'string' || !LOCATION.test(p.location))) add('placement.location', 'must be an Azure region name like westeurope');
      placement = {
        ...(typeof p.resourceGroup === 'string' ? { resourceGroup: p.resourceGroup } : {}),
        ...(typeof p.subnetId === 'string' ? { subnetId: p.subnetId } : {}),
        ...(typeof p.location === 'string' ? { location: p.location } : {}),
      };
    }
  }

  // agent (the forwarder node's health checking)
  const agent = { ...DEFAULTS.agent };
  if (body.agent !== undefined) {
    if (!isObject(body.agent)) add('agent', 'must be an object {intervalSeconds, connectTimeoutSeconds}');
    else {
      unknownKeys(body.agent, ['intervalSeconds', 'connectTimeoutSeconds'], 'agent', add);
      const { intervalSeconds = agent.intervalSeconds, connectTimeoutSeconds = agent.connectTimeoutSeconds } = body.agent as Record<string, unknown>;
      if (!Number.isInteger(intervalSeconds) || (intervalSeconds as number) < 1 || (intervalSeconds as number) > 300) add('agent.intervalSeconds', 'must be an integer 1-300');
      else agent.intervalSeconds = intervalSeconds as number;
      if (!Number.isInteger(connectTimeoutSeconds) || (connectTimeoutSeconds as number) < 1 || (connectTimeoutSeconds as number) > 30) add('agent.connectTimeoutSeconds', 'must be an integer 1-30');
      else agent.connectTimeoutSeconds = connectTimeoutSeconds as number;
    }
  }

  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    spec: { ports, targets, nodes, consumers, ...(dns ? { dns } : {}), probes, ...(placement ? { placement } : {}), agent },
  };
}

function unknownKeys(obj: Record<string, unknown>, known: string[], path: string, add: (p: string, m: string) => void): void {
  for (const key of Object.keys(obj)) if (!known.includes(key)) add(path ? `${path}.${key}` : key, `is not a known property (known: ${known.join(', ')})`);
}
