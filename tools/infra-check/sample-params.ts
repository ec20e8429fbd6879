import type { Sample } from './template-checks';

/**
 * main.parameters.json as azd fills it for one sample environment, written as a .bicepparam for
 * `bicep snapshot` (which takes .bicepparam files only). azd replaces `${VAR}` with the
 * environment's value and `${VAR=default}` with the value or the default
 * (learn.microsoft.com/azure/developer/azure-developer-cli/manage-environment-variables).
 */
export interface ParametersFile {
  parameters: Record<string, { value: unknown }>;
}

/** `${VAR}` / `${VAR=default}` replaced from `env`; a VAR without value nor default is a problem. */
export function substitute(value: unknown, env: Readonly<Record<string, string>>, problems: string[], where: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:=([^}]*))?\}/g, (_, name: string, dflt: string | undefined) => {
      if (env[name] !== undefined) return env[name];
      if (dflt !== undefined) return dflt;
      problems.push(`${where} needs ${name}, which the sample environment does not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, env, problems, `${where}[${i}]`));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, env, problems, `${where}.${k}`)]));
  return value;
}

/** A JSON value as a Bicep literal. */
export function bicepLiteral(value: unknown): string {
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('$', '\\$').replaceAll('\n', '\\n')}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[\n${value.map((v) => `  ${bicepLiteral(v)}`).join('\n')}\n]`;
  return `{\n${Object.entries(value as Record<string, unknown>).map(([k, v]) => `  '${k}': ${bicepLiteral(v)}`).join('\n')}\n}`;
}

/** The .bicepparam text: `using '<template>'` (a path relative to the .bicepparam: Bicep refuses absolute ones) and one `param` per parameter. */
export function bicepparamFor(templateRelativePath: string, file: ParametersFile, env: Readonly<Record<string, string>>): { text: string; problems: string[] } {
  const problems: string[] = [];
  const lines = [`using '${templateRelativePath.split('\\').join('/')}'`];
  for (const [name, p] of Object.entries(file.parameters)) lines.push(`param ${name} = ${bicepLiteral(substitute(p.value, env, problems, `main.parameters.json ${name}`))}`);
  return { text: `${lines.join('\n')}\n`, problems };
}

const HUB = '/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/shared';

/**
 * The sample environments main.bicep is checked with. Ids are made up (GUID-shaped); what
 * matters is how they differ: a name prefix with hyphens, a hub in another subscription than the
 * deployment's, the longest prefix with capitals.
 */
export const SAMPLES: Sample[] = [
  {
    title: 'prefix with a hyphen, hub subnet in another subscription',
    subscriptionId: '33333333-3333-3333-3333-333333333333',
    resourceGroup: 'rg-plf',
    tenantId: '44444444-4444-4444-4444-444444444444',
    location: 'westeurope',
    env: {
      AZURE_ENV_NAME: 'plf-dev',
      AZURE_LOCATION: 'westeurope',
      PLF_NAME_PREFIX: 'plf-dev',
      PLF_HUB_RESOURCE_GROUP: 'rg-hub',
      PLF_HUB_SUBNET_ID: `/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-hub${HUB}`,
      PLF_AUTH_CLIENT_ID: '22222222-2222-2222-2222-222222222222',
    },
  },
  {
    title: 'shortest prefix, all hyphens but the ends; hub in the same subscription, another resource group than its subnet',
    subscriptionId: '55555555-5555-5555-5555-555555555555',
    resourceGroup: 'rg-control',
    tenantId: '66666666-6666-6666-6666-666666666666',
    location: 'swedencentral',
    env: {
      AZURE_ENV_NAME: 'p',
      AZURE_LOCATION: 'swedencentral',
      PLF_NAME_PREFIX: 'a-b',
      PLF_HUB_RESOURCE_GROUP: 'rg-forwards',
      PLF_HUB_SUBNET_ID: `/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg-network${HUB}`,
      PLF_AUTH_CLIENT_ID: '77777777-7777-7777-7777-777777777777',
      PLF_NODE_SSH_PUBLIC_KEY: 'ssh-ed25519 AAAAsampleNotAKey sample',
      PLF_EXISTING_SYSTEM_TOPIC: 'existing-topic',
    },
  },
  {
    title: 'longest prefix, capitals and digits',
    subscriptionId: '88888888-8888-8888-8888-888888888888',
    resourceGroup: 'RG-Plf-Prod',
    tenantId: '99999999-9999-9999-9999-999999999999',
    location: 'eastus2',
    env: {
      AZURE_ENV_NAME: 'prod',
      AZURE_LOCATION: 'eastus2',
      PLF_NAME_PREFIX: 'PLF-Prod-01',
      PLF_HUB_RESOURCE_GROUP: 'rg-hub',
      PLF_HUB_SUBNET_ID: `/subscriptions/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa/resourceGroups/rg-hub${HUB}`,
      PLF_AUTH_CLIENT_ID: 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb',
    },
  },
];
