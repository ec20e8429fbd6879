/**
 * Parses ARM request paths the way ARM routes them: segment names (`subscriptions`,
 * `resourceGroups`, `providers`, namespaces and types) match case-insensitively, names keep the
 * caller's casing. A path that ends on a type segment addresses a collection (GET = list,
 * POST = action on the parent resource); a path that ends on a name addresses one resource.
 * `.../{resource}/providers/{ns}/{type}...` (extension resources such as Microsoft.Insights/metrics)
 * is parsed with `scope` set to the parent resource.
 */
export interface ArmPath {
  subscriptionId: string;
  resourceGroup?: string;
  /** Provider namespace as sent, e.g. "Microsoft.Network"; "Microsoft.Resources" for groups. */
  namespace: string;
  /** Type segments after the namespace, e.g. ["privateLinkServices","privateEndpointConnections"]. */
  types: string[];
  /** Names; names.length === types.length for a resource, types.length - 1 for a collection. */
  names: string[];
  isCollection: boolean;
  /** "Microsoft.Network/privateLinkServices/privateEndpointConnections" (as sent). */
  fullType: string;
  /** Id of the addressed resource (or collection path), built from the request. */
  id: string;
  /** Id of the parent resource for a child resource or a collection of children; the RG id or subscription id otherwise. */
  parentId: string;
  /** Extension resources: the resource they hang under. */
  scope?: ArmPath;
}

/** Splits a request path into segments, tolerating `//` (metrics SDKs send `//subscriptions`). */
export function splitPath(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** Returns undefined when the path is not an ARM resource path under /subscriptions/{id}. */
export function parseArmPath(pathname: string): ArmPath | undefined {
  const seg = splitPath(pathname);
  if (seg.length < 2 || seg[0].toLowerCase() !== 'subscriptions') return undefined;
  const subscriptionId = seg[1];
  const subId = `/subscriptions/${subscriptionId}`;
  let i = 2;
  if (seg.length === 2) {
    return {
      subscriptionId,
      namespace: 'Microsoft.Resources',
      types: ['subscriptions'],
      names: [subscriptionId],
      isCollection: false,
      fullType: 'Microsoft.Resources/subscriptions',
      id: subId,
      parentId: '',
    };
  }
  let resourceGroup: string | undefined;
  if (seg[i].toLowerCase() === 'resourcegroups') {
    if (seg.length === 3) {
      return {
        subscriptionId,
        namespace: 'Microsoft.Resources',
        types: ['resourceGroups'],
        names: [],
        isCollection: true,
        fullType: 'Microsoft.Resources/resourceGroups',
        id: `${subId}/resourceGroups`,
        parentId: subId,
      };
    }
    resourceGroup = seg[3];
    i = 4;
    if (seg.length === 4) {
      return {
        subscriptionId,
        resourceGroup,
        namespace: 'Microsoft.Resources',
        types: ['resourceGroups'],
        names: [resourceGroup],
        isCollection: false,
        fullType: 'Microsoft.Resources/resourceGroups',
        id: `${subId}/resourceGroups/${resourceGroup}`,
        parentId: subId,
      };
    }
  }
  const base = resourceGroup ? `${subId}/resourceGroups/${resourceGroup}` : subId;
  return parseProviderPart(seg, i, subscriptionId, resourceGroup, base, undefined);
}

function parseProviderPart(
  seg: string[],
  start: number,
  subscriptionId: string,
  resourceGroup: string | undefined,
  base: string,
  scope: ArmPath | undefined,
): ArmPath | undefined {
  if (seg[start]?.toLowerCase() !== 'providers' || seg.length < start + 3) return undefined;
  const namespace = seg[start + 1];
  const rest = seg.slice(start + 2);
  const types: string[] = [];
  const names: string[] = [];
  let idParts = `${base}/providers/${namespace}`;
  let parentId = base;
  for (let k = 0; k < rest.length; k += 2) {
    if (rest[k].toLowerCase() === 'providers' && k > 0 && names.length === types.length) {
      // Extension resource under the resource parsed so far.
      const parent: ArmPath = {
        subscriptionId,
        resourceGroup,
        namespace,
        types: [...types],
        names: [...names],
        isCollection: false,
        fullType: [namespace, ...types].join('/'),
        id: idParts,
        parentId,
        scope,
      };
      return parseProviderPart(seg, start + 2 + k, subscriptionId, resourceGroup, idParts, parent);
    }
    types.push(rest[k]);
    if (k + 1 < rest.length) {
      if (names.length > 0) parentId = idParts;
      else parentId = base;
      idParts += `/${rest[k]}/${rest[k + 1]}`;
      names.push(rest[k + 1]);
    } else {
      parentId = names.length > 0 ? idParts : base;
      idParts += `/${rest[k]}`;
    }
  }
  return {
    subscriptionId,
    resourceGroup,
    namespace,
    types,
    names,
    isCollection: names.length < types.length,
    fullType: [namespace, ...types].join('/'),
    id: idParts,
    parentId,
    scope,
  };
}

/** Lower-cased key used for every lookup: ARM ids compare case-insensitively. */
export function idKey(id: string): string {
  return id.toLowerCase().replace(/\/+$/, '');
}

/** Builds a canonical resource id from parts (used by providers for ids they mint, e.g. NICs). */
export function resourceId(
  subscriptionId: string,
  resourceGroup: string,
  type: string,
  ...names: string[]
): string {
  const [ns, ...types] = type.split('/');
  let id = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${ns}`;
  types.forEach((t, k) => {
    id += `/${t}`;
    if (names[k] !== undefined) id += `/${names[k]}`;
  });
  return id;
}

/** Parses an id found in a request body (e.g. subnet.id); undefined when it is not an ARM id. */
export function parseResourceId(id: unknown): ArmPath | undefined {
  if (typeof id !== 'string') return undefined;
  const p = parseArmPath(id);
  return p && !p.isCollection ? p : undefined;
}
