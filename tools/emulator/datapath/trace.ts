import type { EmulatorRuntime } from '../arm/types';
import { isObject } from '../arm/stored-resource';
import { isIpv4 } from '../state/ip-allocator';
import { nodeByIpConfiguration, nodeInfo, probeNode } from '../providers/compute/queries';
import { clientSource, natSource, sourceAllowed, type SourceSeen } from './source';
import { backendPoolMembers, ipOwnerInVnet, privateLinkServiceFrontends, resolveName, rulesForPort, vnetOfSubnet, type FrontendRef } from '../providers/network/queries';

/**
 * The simulated data path for a TCP connect from a subnet to host:port, hop by hop:
 *   dns       the name resolves through the private DNS zones linked to the source VNet (or is an IP)
 *   address   the IP is an LB frontend in the same VNet, or a private endpoint whose connection is Approved
 *   service   (endpoint) the private link service and the load-balancer frontend it fronts
 *   rule      the load balancer has a rule for the port on that frontend
 *   backend   a backend instance passes the rule's health probe
 *   node      that node's forwarding manifest maps the rule's backend port and lets the source in
 *             (allowedSources: the PLS NAT IP through an endpoint, the client straight to a frontend)
 *   target    a target of the manifest is up and listening on the target port
 * The verdict names every hop and the first failing reason; `failure` says how a client would see
 * it (`timeout` for a silent drop, `refused` for a reset, `dns` for an unknown name).
 */
export interface Hop {
  hop: 'dns' | 'address' | 'service' | 'rule' | 'backend' | 'node' | 'target';
  ok: boolean;
  detail: string;
}

export interface Verdict {
  reachable: boolean;
  from: string;
  host: string;
  port: number;
  ip?: string;
  hops: Hop[];
  reason?: string;
  failure?: 'dns' | 'timeout' | 'refused';
  /** Where the connection ended up (node and target) when reachable. */
  node?: string;
  target?: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function trace(emu: EmulatorRuntime, fromSubnetId: string, host: string, port: number, fromIp?: string): Verdict {
  const hops: Hop[] = [];
  const base = { from: fromSubnetId, host, port };
  const fail = (hop: Hop['hop'], detail: string, failure: Verdict['failure'] = 'timeout'): Verdict => {
    hops.push({ hop, ok: false, detail });
    return { ...base, reachable: false, hops, reason: `${hop}: ${detail}`, failure };
  };
  const pass = (hop: Hop['hop'], detail: string) => hops.push({ hop, ok: true, detail });

  if (!emu.state.get(fromSubnetId)) return fail('address', `source subnet ${fromSubnetId} does not exist`);
  const vnet = vnetOfSubnet(fromSubnetId);

  let ip = host;
  if (IPV4.test(host)) pass('dns', `${host} is an IP address`);
  else {
    const r = resolveName(emu, vnet, host);
    if (!r.ips.length) return { ...fail('dns', r.reason ?? `${host} does not resolve`, 'dns') };
    ip = r.ips[0];
    pass('dns', `${host} -> ${ip} (zone ${r.zone}, record ${r.record})`);
  }
  const withIp = (v: Verdict): Verdict => ({ ...v, ip });

  const owner = ipOwnerInVnet(emu, vnet, ip);
  let frontends: FrontendRef[];
  let source: SourceSeen | undefined;
  if (!owner) return withIp(fail('address', `nothing in ${vnet} holds ${ip} (VNets are not peered: only private endpoints and local frontends are reachable)`));
  if (owner.kind === 'privateEndpoint') {
    if (!owner.connection) return withIp(fail('address', `private endpoint ${owner.privateEndpoint.name} has no private link service connection`));
    if (owner.connection.status !== 'Approved') return withIp(fail('address', `private endpoint ${owner.privateEndpoint.name}'s connection is ${owner.connection.status}, not Approved`));
    pass('address', `${ip} is private endpoint ${owner.privateEndpoint.name} (connection Approved)`);
    frontends = privateLinkServiceFrontends(emu, owner.connection.privateLinkServiceId);
    source = natSource(emu, owner.connection.privateLinkServiceId);
    if (!frontends.length) return withIp(fail('service', `private link service ${owner.connection.privateLinkServiceId} fronts no load balancer frontend`));
    pass('service', `private link service -> ${frontends.map((f) => `${f.loadBalancer.name}/${f.frontendName}`).join(', ')}`);
  } else if (owner.kind === 'loadBalancerFrontend') {
    pass('address', `${ip} is frontend ${owner.frontendName} of load balancer ${owner.loadBalancer.name}`);
    frontends = [{ loadBalancer: owner.loadBalancer, frontendName: owner.frontendName, frontendId: owner.frontendId, ip }];
    source = clientSource(emu, fromSubnetId, fromIp);
  } else {
    return withIp(fail('address', `${ip} belongs to ${owner.kind === 'other' ? owner.ownerId : owner.kind}, which does not accept forwarded connections`));
  }

  const fe = frontends[0];
  const rules = rulesForPort(fe.loadBalancer, fe.frontendName, port);
  if (!rules.length) return withIp(fail('rule', `load balancer ${fe.loadBalancer.name} has no TCP rule for port ${port} on frontend ${fe.frontendName}`));
  const rule = rules[0];
  pass('rule', `rule ${rule.ruleName}: ${port} -> backend port ${rule.backendPort}${rule.probe ? `, probe ${rule.probe.protocol}:${rule.probe.port}` : ''}`);

  const members = rule.backendPoolId ? backendPoolMembers(emu, rule.backendPoolId) : [];
  if (!members.length) return withIp(fail('backend', `backend pool ${rule.backendPoolId ?? '(none)'} is empty`));
  const probePort = rule.probe?.port ?? rule.backendPort;
  const reasons: string[] = [];
  const healthy = members
    .map((m) => ({ m, node: nodeByIpConfiguration(emu, m.ipConfigurationId) }))
    .filter(({ m, node }) => {
      if (!node) return reasons.push(`${m.ip}: not a scale set instance`) && false;
      const v = probeNode(emu, node, probePort);
      if (!v.ok) reasons.push(`${m.ip}: ${v.reason}`);
      return v.ok;
    });
  if (!healthy.length) return withIp(fail('backend', `no backend passes the health probe on port ${probePort} (${reasons.join('; ')})`));
  // The load balancer spreads flows; the simulation takes the first healthy backend (stable ordering).
  const chosen = healthy[0];
  pass('backend', `${healthy.length} of ${members.length} backends healthy; flow to ${chosen.m.ip}`);

  const info = nodeInfo(chosen.node!);
  if (!info.manifest.ok) return withIp(fail('node', `node ${chosen.m.ip} forwards nothing: ${info.manifest.reason}`));
  const mapping = info.manifest.manifest.ports.find((p) => p.port === rule.backendPort);
  if (!mapping) return withIp(fail('node', `node ${chosen.m.ip}'s manifest does not forward port ${rule.backendPort}`));
  const allowed = info.manifest.manifest.allowedSources;
  if (source && !sourceAllowed(source, allowed)) {
    return withIp(fail('node', `node ${chosen.m.ip} drops connections from ${source.via}: not in its allowedSources (${allowed.join(', ') || 'none'})`));
  }
  pass('node', `node ${chosen.m.ip} forwards ${mapping.port} -> targets ${info.manifest.manifest.targets.join(', ')}:${mapping.targetPort}${source ? ` for ${source.via}` : ''}`);

  const data = probeNode(emu, chosen.node!, rule.backendPort);
  if (!data.ok) {
    const anyUpClosed = info.manifest.manifest.targets.some((t) => {
      const s = emu.state.targets.get(t);
      return s?.up && !s.openPorts.includes(mapping.targetPort);
    });
    return withIp(fail('target', data.reason, anyUpClosed ? 'refused' : 'timeout'));
  }
  const target = `${data.reachableTargets[0]}:${mapping.targetPort}`;
  pass('target', `${target} accepts the connection`);
  return { ...base, ip, reachable: true, hops, node: chosen.m.ip, target };
}

export function parseQuery(body: unknown): { fromSubnetId: string; host: string; port: number; fromIp?: string } | { problems: string[] } {
  const problems: string[] = [];
  const b = isObject(body) ? body : {};
  if (typeof b.fromSubnetId !== 'string' || !b.fromSubnetId.includes('/subnets/')) problems.push('fromSubnetId: a subnet resource id is required');
  if (typeof b.host !== 'string' || b.host === '') problems.push('host: a DNS name or IPv4 address is required');
  if (!Number.isInteger(b.port) || (b.port as number) < 1 || (b.port as number) > 65535) problems.push('port: an integer 1-65535 is required');
  if (b.fromIp !== undefined && !isIpv4(b.fromIp)) problems.push('fromIp: when given, an IPv4 address of the client in the source subnet');
  if (problems.length) return { problems };
  return { fromSubnetId: b.fromSubnetId as string, host: b.host as string, port: b.port as number, ...(b.fromIp !== undefined ? { fromIp: b.fromIp as string } : {}) };
}

interface LogBag {
  entries: unknown[];
}

/** Traces and keeps the verdict in the data-path log (the last 200, `GET /_emulator/datapath/log`). */
export function traceAndLog(emu: EmulatorRuntime, fromSubnetId: string, host: string, port: number, source: string, fromIp?: string): Verdict {
  const verdict = trace(emu, fromSubnetId, host, port, fromIp);
  const log = dataPathLog(emu);
  log.push({ time: emu.clock.iso(), source, ...verdict });
  if (log.length > 200) log.splice(0, log.length - 200);
  return verdict;
}

export function dataPathLog(emu: EmulatorRuntime): unknown[] {
  return emu.state.bag<LogBag>('datapath.log', () => ({ entries: [] })).entries;
}
