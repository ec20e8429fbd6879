import * as fs from 'node:fs';
import { invalidParameters } from '../arm/errors';
// Imported (not read from disk) so tsc copies it to dist/ with the code.
import defaultTopology from './default.json';

/**
 * The topology file: the world the emulator starts with (and returns to on reset). JSON.
 * Providers may read extra top-level sections of their own (e.g. "compute").
 */
export interface SubnetSeed {
  name: string;
  addressPrefix: string;
  privateEndpointNetworkPolicies?: 'Enabled' | 'Disabled';
  privateLinkServiceNetworkPolicies?: 'Enabled' | 'Disabled';
  /** Service names, e.g. "Microsoft.ContainerInstance/containerGroups". */
  delegations?: string[];
}

export interface VirtualNetworkSeed {
  name: string;
  addressPrefixes: string[];
  subnets: SubnetSeed[];
  tags?: Record<string, string>;
}

export interface VirtualNetworkLinkSeed {
  name: string;
  /** Full id of the linked virtual network. */
  virtualNetworkId: string;
  registrationEnabled?: boolean;
}

export interface ARecordSeed {
  name: string;
  ttl?: number;
  ipv4Addresses: string[];
}

export interface PrivateDnsZoneSeed {
  name: string;
  virtualNetworkLinks?: VirtualNetworkLinkSeed[];
  aRecords?: ARecordSeed[];
}

export interface ResourceGroupSeed {
  name: string;
  location: string;
  tags?: Record<string, string>;
  virtualNetworks?: VirtualNetworkSeed[];
  privateDnsZones?: PrivateDnsZoneSeed[];
}

export interface SubscriptionSeed {
  subscriptionId: string;
  displayName: string;
  /** The subscription's tenant (default: the topology's). The app's token is refused outside its tenant (AUTH-4). */
  tenantId?: string;
  resourceGroups: ResourceGroupSeed[];
}

export interface TargetSeed {
  ip: string;
  openPorts: number[];
  up?: boolean;
}

export interface Topology {
  tenantId?: string;
  subscriptions: SubscriptionSeed[];
  targets?: TargetSeed[];
  /** Role assignments at start and reset (providers/authorization; arm/authorization.ts RoleAssignment, `name` optional). */
  roleAssignments?: unknown[];
  [section: string]: unknown;
}

/** Loads a topology from a path, an object, or the default, checking its basic shape. */
export function loadTopology(source?: string | object): Topology {
  let t: unknown;
  if (source === undefined) source = defaultTopology;
  if (typeof source === 'string') {
    t = JSON.parse(fs.readFileSync(source, 'utf8'));
  } else {
    t = JSON.parse(JSON.stringify(source));
  }
  const problems: string[] = [];
  const top = t as Topology;
  if (typeof t !== 'object' || t === null || !Array.isArray(top.subscriptions)) problems.push('topology.subscriptions must be an array.');
  else
    top.subscriptions.forEach((s, i) => {
      if (typeof s.subscriptionId !== 'string') problems.push(`subscriptions[${i}].subscriptionId is required.`);
      if (s.tenantId !== undefined && typeof s.tenantId !== 'string') problems.push(`subscriptions[${i}].tenantId must be a string.`);
      if (!Array.isArray(s.resourceGroups)) problems.push(`subscriptions[${i}].resourceGroups must be an array.`);
      else
        s.resourceGroups.forEach((g, j) => {
          if (typeof g.name !== 'string' || typeof g.location !== 'string') problems.push(`subscriptions[${i}].resourceGroups[${j}] needs name and location.`);
        });
    });
  if (top && top.targets !== undefined && !Array.isArray(top.targets)) problems.push('topology.targets must be an array.');
  if (problems.length) throw invalidParameters(problems, 'InvalidTopology');
  return top;
}
