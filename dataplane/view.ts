/**
 * The data-plane view of a forward: everything a forwarder node needs, nothing else. Renderers
 * validate it again (the control plane validated it first) and throw on anything invalid, so no
 * unvalidated text ever reaches a ruleset, an env file or a shell line.
 */
export interface PortMapping {
  /** Port the node (and the load balancer rule) listens on. */
  port: number;
  /** Port on the targets. */
  targetPort: number;
}

export interface AgentSettings {
  /** Seconds between health checks of every target:port. */
  intervalSeconds: number;
  /** Seconds a TCP connect to a target may take before it counts as failed. */
  connectTimeoutSeconds: number;
}

export interface DataPlaneView {
  forward: string;
  ports: PortMapping[];
  /** 1-16 IPv4 targets; new connections spread over the healthy ones. */
  targets: string[];
  /** Source ranges whose connections are forwarded: the PLS NAT subnet and the LB probe source. */
  allowedSources: string[];
  /** Sources allowed to SSH to the node itself (the VNet); none when empty. */
  sshSources?: string[];
  /** The port the Application Health extension probes locally (one of `ports`). */
  healthPort: number;
  agent: AgentSettings;
}

/** The LB health probe and Azure platform source (wireserver). */
export const AZURE_PROBE_SOURCE = '168.63.129.16/32';

export const DEFAULT_AGENT: AgentSettings = { intervalSeconds: 5, connectTimeoutSeconds: 2 };

export class DataPlaneInputError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid data-plane input: ${problems.join('; ')}`);
  }
}

const FORWARD_NAME = /^[a-z0-9]([a-z0-9-]{0,46}[a-z0-9])?$/;

export function parseIpv4(text: unknown): number[] | undefined {
  if (typeof text !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return undefined;
  const octets = text.split('.').map(Number);
  if (octets.some((o, i) => o > 255 || (text.split('.')[i].length > 1 && text.split('.')[i].startsWith('0')))) return undefined;
  return octets;
}

/** Why an IPv4 target cannot be forwarded to, or undefined when it can. */
export function reservedTargetReason(octets: number[]): string | undefined {
  const [a, b] = octets;
  const text = octets.join('.');
  if (text === '0.0.0.0') return 'is the unspecified address';
  if (text === '255.255.255.255') return 'is the broadcast address';
  if (text === '168.63.129.16') return 'is the Azure platform address (168.63.129.16)';
  if (a === 127) return 'is a loopback address (127.0.0.0/8)';
  if (a === 169 && b === 254) return 'is a link-local address (169.254.0.0/16)';
  if (a >= 224 && a <= 239) return 'is a multicast address (224.0.0.0/4)';
  if (a >= 240) return 'is a reserved address (240.0.0.0/4)';
  if (a === 0) return 'is in 0.0.0.0/8';
  return undefined;
}

export function isCidr(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  const [ip, bits, extra] = text.split('/');
  if (extra !== undefined || bits === undefined || !/^\d{1,2}$/.test(bits) || Number(bits) > 32) return false;
  const octets = parseIpv4(ip);
  if (!octets) return false;
  // The address must be the network address of the prefix (no host bits set).
  const value = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  return (value & mask) >>> 0 === value;
}

const isPort = (p: unknown): p is number => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

/** Every problem with the view, as `path: message` strings; empty when it is valid. */
export function viewProblems(view: DataPlaneView): string[] {
  const problems: string[] = [];
  if (typeof view?.forward !== 'string' || !FORWARD_NAME.test(view.forward)) problems.push('forward: must be 1-48 lowercase letters, digits and inner hyphens');
  if (!Array.isArray(view?.ports) || view.ports.length < 1 || view.ports.length > 32) problems.push('ports: must list 1-32 port mappings');
  else {
    const seen = new Set<number>();
    view.ports.forEach((m, i) => {
      if (!isPort(m?.port)) problems.push(`ports[${i}].port: must be an integer 1-65535`);
      else if (seen.has(m.port)) problems.push(`ports[${i}].port: ${m.port} is listed twice`);
      else seen.add(m.port);
      if (!isPort(m?.targetPort)) problems.push(`ports[${i}].targetPort: must be an integer 1-65535`);
    });
  }
  if (!Array.isArray(view?.targets) || view.targets.length < 1 || view.targets.length > 16) problems.push('targets: must list 1-16 IPv4 addresses');
  else {
    const seen = new Set<string>();
    view.targets.forEach((t, i) => {
      const octets = parseIpv4(t);
      if (!octets) problems.push(`targets[${i}]: "${String(t)}" is not an IPv4 address`);
      else if (reservedTargetReason(octets)) problems.push(`targets[${i}]: ${t} ${reservedTargetReason(octets)}`);
      else if (seen.has(t)) problems.push(`targets[${i}]: ${t} is listed twice`);
      else seen.add(t);
    });
  }
  for (const key of ['allowedSources', 'sshSources'] as const) {
    const list = view?.[key];
    if (key === 'sshSources' && list === undefined) continue;
    if (!Array.isArray(list) || (key === 'allowedSources' && list.length < 1) || list.length > 32) problems.push(`${key}: must list ${key === 'allowedSources' ? '1' : '0'}-32 CIDR ranges`);
    else list.forEach((c, i) => isCidr(c) || problems.push(`${key}[${i}]: "${String(c)}" is not an IPv4 CIDR network (a.b.c.d/n without host bits)`));
  }
  if (!isPort(view?.healthPort)) problems.push('healthPort: must be an integer 1-65535');
  else if (Array.isArray(view?.ports) && !view.ports.some((m) => m?.port === view.healthPort)) problems.push(`healthPort: ${view.healthPort} is not one of the forwarded ports`);
  const agent = view?.agent;
  if (!agent || !Number.isInteger(agent.intervalSeconds) || agent.intervalSeconds < 1 || agent.intervalSeconds > 300) problems.push('agent.intervalSeconds: must be an integer 1-300');
  if (!agent || !Number.isInteger(agent.connectTimeoutSeconds) || agent.connectTimeoutSeconds < 1 || agent.connectTimeoutSeconds > 30) problems.push('agent.connectTimeoutSeconds: must be an integer 1-30');
  return problems;
}

export function assertValidView(view: DataPlaneView): void {
  const problems = viewProblems(view);
  if (problems.length) throw new DataPlaneInputError(problems);
}
