/**
 * ARM resource ids, parsed in one place (pure): `/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{child}/{name}...]`.
 * Services take ids, not only the hub placement: endpoints, NICs and zones live in consumer
 * (or connectivity) subscriptions and resource groups of their own. An id is never a path to
 * resolve: an empty, `.` or `..` segment makes it no id. Type and namespace compare without case,
 * as ARM does. azure/resource-id.ts re-exports this for the services.
 */
export interface ResourceRef {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  /** e.g. Microsoft.Network */
  namespace: string;
  /** Type segments, e.g. ['virtualNetworks', 'subnets']. */
  types: string[];
  names: string[];
  /** The last name. */
  name: string;
}

const ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/(.+)$/i;

/** Parses a resource id; undefined when it is not one. */
export function parseResourceId(id: string | undefined): ResourceRef | undefined {
  const m = id ? ID.exec(id) : null;
  if (!m || id!.split('/').slice(1).some((s) => !s || s === '.' || s === '..')) return undefined;
  const rest = m[4].split('/');
  if (rest.length % 2 !== 0 || rest.some((s) => !s)) return undefined;
  const types = rest.filter((_, i) => i % 2 === 0);
  const names = rest.filter((_, i) => i % 2 === 1);
  return { id: id!, subscriptionId: m[1], resourceGroup: m[2], namespace: m[3], types, names, name: names[names.length - 1] };
}

/** Parses a resource id of the given type path (case-insensitive), e.g. `Microsoft.Network/privateEndpoints`. */
export function refOfType(id: string | undefined, type: string): ResourceRef | undefined {
  const r = parseResourceId(id);
  if (!r) return undefined;
  return `${r.namespace}/${r.types.join('/')}`.toLowerCase() === type.toLowerCase() ? r : undefined;
}

/** The VNet id of a subnet id. */
export function vnetOfSubnet(subnetId: string): string | undefined {
  const r = refOfType(subnetId, 'Microsoft.Network/virtualNetworks/subnets');
  return r ? subnetId.split('/').slice(0, -2).join('/') : undefined;
}

/** The subscription of any id that starts with `/subscriptions/{sub}`. */
export function subscriptionOf(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
}

/** `{namespace}/{type}[/{childType}...]` of an id, lower-cased (e.g. `microsoft.network/privateendpoints`), or undefined when it is no id. */
export function typeOfId(id: string | undefined): string | undefined {
  const r = parseResourceId(id);
  return r ? `${r.namespace}/${r.types.join('/')}`.toLowerCase() : undefined;
}

/** The last segment of an id (its name), for short human-readable mentions. */
export function lastSegment(id: string): string {
  return id.split('/').filter(Boolean).pop() ?? id;
}
