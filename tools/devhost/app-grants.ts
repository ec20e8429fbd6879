import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The role assignments the local stack gives the app's principal in the emulator: exactly what
 * infra grants, where infra grants it (infra/roles.json is the one list):
 * - the hub custom role (hub-roles.bicep: `hub.actions` + `hub.linkedActions`) on the hub resource group;
 * - per consumer resource group, the groups infra/consumer/roles.bicep assigns there: for the
 *   default topology's spokes (rg-spoke in c001, rg-spoke2 in c002) `endpoints` (their private
 *   endpoints and NICs), `probes` and `probeSubnets` (probe container groups on their `jump`
 *   subnets). No spoke holds a private DNS zone, so no `dns` group; c003 and c004 get nothing.
 * Shaped for `PUT /_emulator/role-assignments/{name}` (principal: the app, the default).
 * Glue between infra and the emulator: neither the product nor the emulator imports this.
 */
export interface AppGrant {
  name: string;
  scope: string;
  actions: string[];
}

interface Roles {
  hub: { actions: string[]; linkedActions: string[] };
  consumer: Record<'endpoints' | 'dns' | 'probes' | 'probeSubnets', string[]>;
}

/** Resource groups of the default topology and the consumer groups infra assigns in each. */
export const DEFAULT_CONSUMER_GRANTS: { subscriptionId: string; resourceGroup: string; groups: (keyof Roles['consumer'])[] }[] = [
  { subscriptionId: '00000000-0000-0000-0000-00000000c001', resourceGroup: 'rg-spoke', groups: ['endpoints', 'probes', 'probeSubnets'] },
  { subscriptionId: '00000000-0000-0000-0000-00000000c002', resourceGroup: 'rg-spoke2', groups: ['endpoints', 'probes', 'probeSubnets'] },
];

export function readRoles(repoRoot: string): Roles {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'infra', 'roles.json'), 'utf8')) as Roles;
}

/** The hub role on the hub resource group (one assignment, as main.bicep makes it). */
export function hubGrant(roles: Roles, hubSubscriptionId: string, hubResourceGroup: string): AppGrant {
  return { name: 'plf-hub', scope: `/subscriptions/${hubSubscriptionId}/resourceGroups/${hubResourceGroup}`, actions: [...roles.hub.actions, ...roles.hub.linkedActions] };
}

/** One consumer group's role on one resource group (as infra/consumer/roles-assignment.bicep makes it). */
export function consumerGrant(roles: Roles, group: keyof Roles['consumer'], subscriptionId: string, resourceGroup: string): AppGrant {
  return { name: `plf-${group}-${subscriptionId.slice(-4)}-${resourceGroup}`, scope: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`, actions: [...roles.consumer[group]] };
}

/** Every grant of the local stack on the default topology (hub placement from the app settings). */
export function appGrants(repoRoot: string, hub: { subscriptionId: string; resourceGroup: string }): AppGrant[] {
  const roles = readRoles(repoRoot);
  return [hubGrant(roles, hub.subscriptionId, hub.resourceGroup), ...DEFAULT_CONSUMER_GRANTS.flatMap((c) => c.groups.map((g) => consumerGrant(roles, g, c.subscriptionId, c.resourceGroup)))];
}
