import { appSettingsOf, ofType, resolveLoginExpression, type PredictedResource, type Snapshot } from './snapshot';

/**
 * Assertions on main.bicep's predicted deployment (`bicep snapshot` of main.parameters.json with
 * one sample's values). Each check returns the problems it finds, every one named; an empty list
 * is a pass. `Sample` says what the deployment was given, so the checks know what to expect.
 */
export interface Sample {
  /** What the sample stands for, printed with its results. */
  title: string;
  /** Values for main.parameters.json's `${VAR}` references (azd's environment). */
  env: Record<string, string>;
  /** The deployment's own subscription, resource group and tenant (`bicep snapshot` options). */
  subscriptionId: string;
  resourceGroup: string;
  tenantId: string;
  location: string;
}

const SITE = 'Microsoft.Web/sites';
const AUTH_CONFIG = 'Microsoft.Web/sites/config';

/** The settings sign-in needs on Azure (the shared brief's decisions: one mode, `PLF_AUTH=entra`). */
export const SIGN_IN_SETTINGS = ['PLF_AUTH', 'PLF_AUTH_ISSUER', 'PLF_AUTH_AUDIENCE', 'PLF_AUTH_JWKS_URL'] as const;

/** Paths Easy Auth lets through without sign-in: Event Grid's webhook, the health probe, the OpenAPI document. */
export const EXCLUDED_PATHS = ['/runtime/webhooks/eventgrid', '/api/health', '/api/openapi.json'];

function single(s: Snapshot, type: string, problems: string[]): PredictedResource | undefined {
  const found = ofType(s, type);
  if (found.length !== 1) problems.push(`expected one ${type}, the deployment has ${found.length}`);
  return found.length === 1 ? found[0] : undefined;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** Storage account names: 3-24 characters, lower-case letters and digits only (Microsoft.Storage naming rules). */
export function storageNameProblem(name: string): string | undefined {
  if (/^[a-z0-9]{3,24}$/.test(name)) return undefined;
  return `storage account name "${name}" is not 3-24 lower-case letters and digits`;
}

/** (a) Every storage account of the deployment has a valid name. */
export function checkStorageNames(s: Snapshot): string[] {
  const accounts = ofType(s, 'Microsoft.Storage/storageAccounts');
  if (!accounts.length) return ['the deployment has no storage account'];
  return accounts.map((a) => storageNameProblem(a.name)).filter((p): p is string => !!p);
}

/** The subscription and resource group of a subnet id; undefined when it is not one. */
export function subnetScope(subnetId: string): { subscriptionId: string; resourceGroup: string } | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i.exec(subnetId);
  return m ? { subscriptionId: m[1], resourceGroup: m[2] } : undefined;
}

/**
 * (b) and (e): the hub role is defined and assigned in the hub resource group of the hub subnet's
 * subscription, assignable there only, with exactly infra/roles.json's hub actions and linked
 * actions; the app is told the same hub (PLF_HUB_SUBSCRIPTION_ID from the subnet).
 */
export function checkHubRole(s: Snapshot, sample: Sample, hub: { actions: string[]; linkedActions: string[] }): string[] {
  const problems: string[] = [];
  const subnetId = sample.env.PLF_HUB_SUBNET_ID;
  const hubRg = sample.env.PLF_HUB_RESOURCE_GROUP;
  const scope = subnetScope(subnetId ?? '');
  if (!scope || !hubRg) return [`sample "${sample.title}" has no valid PLF_HUB_SUBNET_ID / PLF_HUB_RESOURCE_GROUP`];
  const rgId = `/subscriptions/${scope.subscriptionId}/resourceGroups/${hubRg}`;
  const defs = ofType(s, 'Microsoft.Authorization/roleDefinitions');
  const inHub = defs.filter((d) => d.id.toLowerCase().startsWith(`${rgId}/providers/Microsoft.Authorization/roleDefinitions/`.toLowerCase()));
  if (inHub.length !== 1) {
    problems.push(`expected one role definition in the hub resource group ${rgId}, found ${inHub.length} (role definitions: ${defs.map((d) => d.id).join(', ') || 'none'})`);
    return problems;
  }
  const def = inHub[0];
  const props = def.properties as { assignableScopes?: string[]; permissions?: { actions?: string[]; notActions?: string[] }[] };
  if (!sameSet(props.assignableScopes ?? [], [rgId])) problems.push(`the hub role is assignable at ${JSON.stringify(props.assignableScopes)}, not only at ${rgId}`);
  const perms = props.permissions ?? [];
  const actions = perms.flatMap((p) => p.actions ?? []);
  const expected = [...hub.actions, ...hub.linkedActions];
  const missing = expected.filter((a) => !actions.includes(a));
  const extra = actions.filter((a) => !expected.includes(a));
  if (missing.length) problems.push(`the hub role lacks roles.json hub actions: ${missing.join(', ')}`);
  if (extra.length) problems.push(`the hub role grants actions roles.json does not list: ${extra.join(', ')}`);
  if (new Set(actions).size !== actions.length) problems.push('the hub role lists an action twice');
  if (perms.some((p) => (p.notActions ?? []).length)) problems.push('the hub role has notActions');

  // The assignment: its id is an expression (the principal id is known only at deployment), so
  // its scope is read from resourceId('<subscription>', '<resource group>', ...).
  const assignments = ofType(s, 'Microsoft.Authorization/roleAssignments').filter((a) => (a.properties as { roleDefinitionId?: string } | undefined)?.roleDefinitionId === def.id);
  if (assignments.length !== 1) problems.push(`expected one assignment of the hub role, found ${assignments.length}`);
  for (const a of assignments) {
    const at = /^\[resourceId\('([^']+)', '([^']+)', 'Microsoft\.Authorization\/roleAssignments',/.exec(a.id);
    const where = at ? `/subscriptions/${at[1]}/resourceGroups/${at[2]}` : a.id.split('/providers/')[0];
    if (where.toLowerCase() !== rgId.toLowerCase()) problems.push(`the hub role is assigned at ${where}, not in the hub resource group ${rgId}`);
    if ((a.properties as { principalType?: string }).principalType !== 'ServicePrincipal') problems.push("the hub role assignment has no principalType 'ServicePrincipal'");
  }

  const site = single(s, SITE, problems);
  if (site) {
    const settings = appSettingsOf(site);
    const want: Record<string, string> = { PLF_HUB_SUBSCRIPTION_ID: scope.subscriptionId, PLF_HUB_RESOURCE_GROUP: hubRg, PLF_HUB_SUBNET_ID: subnetId };
    for (const [name, value] of Object.entries(want)) if (settings.get(name) !== value) problems.push(`app setting ${name} is ${JSON.stringify(settings.get(name))}, expected ${JSON.stringify(value)}`);
  }
  return problems;
}

/** Entra ID v2 issuer and signing keys of a tenant in the public cloud (the shared brief's values). */
export const issuerOf = (tenantId: string) => `https://login.microsoftonline.com/${tenantId}/v2.0`;
export const keysUrlOf = (tenantId: string) => `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`;

/**
 * (c) Easy Auth: on, Entra ID with the registration's client id, v2 issuer of the deployment's
 * tenant, audiences client id and api://<client id>, 401 for API callers, token store on,
 * exactly EXCLUDED_PATHS without sign-in. And the sign-in settings the app validates tokens with
 * (PLF_AUTH=entra, issuer, audience, keys), the same issuer as Easy Auth's. And the outputs the
 * hooks and the README use: the sign-in URL and the redirect URI on the app's host.
 */
export function checkSignIn(s: Snapshot, sample: Sample): string[] {
  const problems: string[] = [];
  const clientId = sample.env.PLF_AUTH_CLIENT_ID;
  const issuer = issuerOf(sample.tenantId);
  const config = ofType(s, AUTH_CONFIG).find((r) => r.name.endsWith('/authsettingsV2'));
  if (!config) return ['no Microsoft.Web/sites/config authsettingsV2 (Easy Auth) in the deployment'];
  const p = config.properties as {
    platform?: { enabled?: boolean };
    globalValidation?: { requireAuthentication?: boolean; unauthenticatedClientAction?: string; excludedPaths?: string[] };
    identityProviders?: { azureActiveDirectory?: { enabled?: boolean; registration?: { clientId?: string; openIdIssuer?: unknown }; validation?: { allowedAudiences?: string[] } } };
    login?: { tokenStore?: { enabled?: boolean } };
  };
  if (p.platform?.enabled !== true) problems.push('Easy Auth platform.enabled is not true');
  if (p.globalValidation?.requireAuthentication !== true) problems.push('Easy Auth requireAuthentication is not true');
  if (p.globalValidation?.unauthenticatedClientAction !== 'Return401') problems.push(`Easy Auth unauthenticatedClientAction is ${JSON.stringify(p.globalValidation?.unauthenticatedClientAction)}, not Return401`);
  const excluded = p.globalValidation?.excludedPaths ?? [];
  if (!sameSet(excluded, EXCLUDED_PATHS)) problems.push(`Easy Auth excludedPaths are ${JSON.stringify(excluded)}, expected exactly ${JSON.stringify(EXCLUDED_PATHS)}`);
  if (p.login?.tokenStore?.enabled !== true) problems.push('Easy Auth token store is not on (the app validates the ID token it passes on)');
  const aad = p.identityProviders?.azureActiveDirectory;
  if (aad?.enabled !== true) problems.push('Easy Auth azureActiveDirectory is not enabled');
  if (aad?.registration?.clientId !== clientId) problems.push(`Easy Auth clientId is ${JSON.stringify(aad?.registration?.clientId)}, expected the authClientId ${clientId}`);
  const easyAuthIssuer = resolveLoginExpression(aad?.registration?.openIdIssuer);
  if (easyAuthIssuer !== issuer) problems.push(`Easy Auth openIdIssuer is ${JSON.stringify(aad?.registration?.openIdIssuer)}, expected ${issuer}`);
  if (!sameSet(aad?.validation?.allowedAudiences ?? [], [clientId, `api://${clientId}`])) problems.push(`Easy Auth allowedAudiences are ${JSON.stringify(aad?.validation?.allowedAudiences)}, expected ${clientId} and api://${clientId}`);

  const site = single(s, SITE, problems);
  if (site) {
    const settings = appSettingsOf(site);
    const want: Record<(typeof SIGN_IN_SETTINGS)[number], string> = { PLF_AUTH: 'entra', PLF_AUTH_ISSUER: issuer, PLF_AUTH_AUDIENCE: clientId, PLF_AUTH_JWKS_URL: keysUrlOf(sample.tenantId) };
    for (const [name, value] of Object.entries(want)) {
      const raw = settings.get(name);
      if (resolveLoginExpression(raw) !== value) problems.push(`app setting ${name} is ${JSON.stringify(raw)}, expected ${value}`);
    }
    if (settings.get('PLF_AUTH_ISSUER') !== aad?.registration?.openIdIssuer) problems.push('PLF_AUTH_ISSUER is not the issuer Easy Auth is given');
    const host = `reference('${site.id}', '${site.apiVersion}').defaultHostName`;
    const outputs: Record<string, string> = {
      SIGN_IN_URL: `[format('https://{0}/.auth/login/aad?post_login_redirect_uri=/api/ui', ${host})]`,
      AUTH_REDIRECT_URI: `[format('https://{0}/.auth/login/aad/callback', ${host})]`,
    };
    for (const [name, value] of Object.entries(outputs)) if (s.outputs[name] !== value) problems.push(`output ${name} is ${JSON.stringify(s.outputs[name])}, expected ${value}`);
    if (s.outputs.AUTH_CLIENT_ID !== clientId) problems.push(`output AUTH_CLIENT_ID is ${JSON.stringify(s.outputs.AUTH_CLIENT_ID)}, expected ${clientId}`);
  }
  return problems;
}

/** The app settings main.bicep gives the Function App, by name. */
export function appSettingNames(s: Snapshot): Set<string> {
  const sites = ofType(s, SITE);
  return new Set(sites.flatMap((site) => [...appSettingsOf(site).keys()]));
}
