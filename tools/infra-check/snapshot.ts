/**
 * The shape of `bicep snapshot <file>.bicepparam` output (Bicep CLI 0.49: `<file>.snapshot.json`
 * beside the parameters file): the resources a deployment would PUT, with every value the CLI can
 * work out offline resolved (names, ids, parameters, `subscription()`, `tenant()`) and the rest
 * left as ARM expression strings (`"[reference(...).x]"`, `"[format('{0}', environment()...)]"`).
 * Modules are expanded: their resources appear with the ids of the scope they deploy to.
 * Only the fields the checks read are typed.
 */
export interface PredictedResource {
  id: string;
  type: string;
  name: string;
  apiVersion?: string;
  properties?: Record<string, unknown>;
}

export interface Snapshot {
  predictedResources: PredictedResource[];
  /** Output name -> value (resolved, or an ARM expression string). */
  outputs: Record<string, unknown>;
  diagnostics: unknown[];
}

/** Parses the CLI's snapshot file; throws with the reason when it is not one. */
export function parseSnapshot(text: string): Snapshot {
  const raw = JSON.parse(text) as Partial<Snapshot>;
  if (!Array.isArray(raw.predictedResources)) throw new Error('not a Bicep snapshot: no predictedResources array');
  return { predictedResources: raw.predictedResources, outputs: raw.outputs ?? {}, diagnostics: raw.diagnostics ?? [] };
}

export const ofType = (s: Snapshot, type: string): PredictedResource[] => s.predictedResources.filter((r) => r.type.toLowerCase() === type.toLowerCase());

/** `{ name, value }[]` of the Function App's siteConfig.appSettings, by name. */
export function appSettingsOf(site: PredictedResource): Map<string, unknown> {
  const list = ((site.properties?.siteConfig as { appSettings?: { name: string; value: unknown }[] } | undefined)?.appSettings ?? []);
  return new Map(list.map((s) => [s.name, s.value]));
}

/**
 * Resolves the one ARM expression form infra uses for Entra ID URLs,
 * `[format('<template>', environment().authentication.loginEndpoint, '<literal>', ...)]`, with the
 * public cloud's loginEndpoint (`https://login.microsoftonline.com/`, ARM's `environment()`:
 * learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-deployment#environment).
 * A plain string is returned as is; any other expression gives undefined.
 */
export const PUBLIC_LOGIN_ENDPOINT = 'https://login.microsoftonline.com/';

export function resolveLoginExpression(value: unknown, loginEndpoint = PUBLIC_LOGIN_ENDPOINT): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (!value.startsWith('[')) return value;
  const m = /^\[format\((.*)\)\]$/s.exec(value);
  if (!m) return undefined;
  const args: string[] = [];
  const re = /\s*(?:'((?:[^']|'')*)'|(environment\(\)\.authentication\.loginEndpoint))\s*(,|$)/gy;
  let rest = m[1];
  let at = 0;
  while (at < rest.length) {
    re.lastIndex = at;
    const a = re.exec(rest);
    if (!a) return undefined;
    args.push(a[1] !== undefined ? a[1].replaceAll("''", "'") : loginEndpoint);
    at = re.lastIndex;
    if (!a[3]) break;
  }
  rest = rest.slice(at).trim();
  if (rest || args.length === 0) return undefined;
  const [template, ...values] = args;
  return template.replace(/\{(\d+)\}/g, (_, i: string) => values[Number(i)] ?? `{${i}}`);
}
