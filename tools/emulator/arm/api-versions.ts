import { ArmError } from './errors';

/**
 * The api-versions ARM accepts per resource type (rule ARM-2). ARM routes a request to a
 * resource provider only for a version the provider registered for the type; any other version is
 * 400 `NoRegisteredProviderFound` "No registered resource provider found for location '{loc}' and
 * API version '{v}' for type '{type}'. The supported api-versions are '{list}'." (e.g.
 * Azure/azure-cli#28496, MicrosoftDocs/azure-docs#62621).
 *
 * Keys are full types or type prefixes, lower-case; the longest matching prefix wins, so a child
 * type (".../privateLinkServices/privateEndpointConnections") and the provider's operation-status
 * paths (".../locations/operations", "operationResults") share the provider's list, as they do in
 * Azure where one REST spec version covers the whole provider. Lists hold the stable versions of
 * the REST specs plus the previews still published, and include every version the product's SDKs
 * send (pinned in node_modules/@azure/arm-* — see SDK_SENDS below; a test checks they pass).
 *
 * Sources (Azure/azure-rest-api-specs, `readme.md` tag list of each folder):
 *   network      specification/network/resource-manager/Microsoft.Network/Network/readme.md
 * *   privatedns   specification/privatedns/resource-manager/Microsoft.Network/PrivateDns/readme.md
 *   compute      specification/compute/resource-manager/Microsoft.Compute/ComputeRP/readme.md
 *   aci          specification/containerinstance/resource-manager/Microsoft.ContainerInstance/ContainerInstance/readme.md
 *   resources    specification/resources/resource-manager/Microsoft.Resources/resources/readme.md
 *                (subscriptions: .../Microsoft.Resources/subscriptions/readme.md)
 *   metrics      specification/monitor/resource-manager/Microsoft.Insights (metrics_API) and
 *                specification/monitor/data-plane/Microsoft.Insights (metricBatch, `metrics:getBatch`)
 */
const NETWORK = [
  '2015-06-15', '2016-03-30', '2016-06-01', '2016-07-01', '2016-08-01', '2016-09-01', '2016-10-01', '2016-11-01', '2016-12-01',
  '2017-03-01', '2017-04-01', '2017-06-01', '2017-08-01', '2017-09-01', '2017-10-01', '2017-11-01',
  '2018-01-01', '2018-02-01', '2018-04-01', '2018-06-01', '2018-07-01', '2018-08-01', '2018-10-01', '2018-11-01', '2018-12-01',
  '2019-02-01', '2019-04-01', '2019-06-01', '2019-07-01', '2019-08-01', '2019-09-01', '2019-11-01', '2019-12-01',
  '2020-03-01', '2020-04-01', '2020-05-01', '2020-06-01', '2020-07-01', '2020-08-01', '2020-11-01',
  '2021-02-01', '2021-03-01', '2021-05-01', '2021-08-01', '2022-01-01', '2022-05-01', '2022-07-01', '2022-09-01', '2022-11-01',
  '2023-02-01', '2023-04-01', '2023-05-01', '2023-06-01', '2023-09-01', '2023-11-01',
  '2024-01-01', '2024-03-01', '2024-05-01', '2024-07-01', '2024-10-01', '2025-01-01', '2025-03-01', '2025-05-01', '2025-07-01', '2025-09-01',
];

const PRIVATE_DNS = ['2018-09-01', '2020-01-01', '2020-06-01', '2024-06-01'];

const COMPUTE = [
  '2015-06-15', '2016-03-30', '2016-04-30-preview', '2017-03-30', '2017-12-01', '2018-04-01', '2018-06-01', '2018-10-01',
  '2019-03-01', '2019-07-01', '2019-12-01', '2020-06-01', '2020-12-01', '2021-03-01', '2021-04-01', '2021-07-01', '2021-11-01',
  '2022-03-01', '2022-08-01', '2022-11-01', '2023-03-01', '2023-07-01', '2023-09-01', '2024-03-01', '2024-07-01', '2024-11-01',
  '2025-04-01', '2025-11-01', '2026-03-01',
];

const CONTAINER_INSTANCE = [
  '2017-08-01-preview', '2017-10-01-preview', '2017-12-01-preview', '2018-02-01-preview', '2018-04-01', '2018-06-01', '2018-09-01',
  '2018-10-01', '2019-12-01', '2020-11-01', '2021-03-01', '2021-07-01', '2021-09-01', '2021-10-01', '2022-09-01', '2022-10-01-preview',
  '2023-02-01-preview', '2023-05-01', '2024-05-01-preview', '2024-09-01-preview', '2024-10-01-preview', '2024-11-01-preview',
  '2025-09-01', '2026-05-01', '2026-06-01-preview',
];

const RESOURCES = [
  '2015-11-01', '2016-02-01', '2016-07-01', '2016-09-01', '2017-05-10', '2018-02-01', '2018-05-01', '2019-03-01', '2019-05-01',
  '2019-05-10', '2019-07-01', '2019-08-01', '2019-10-01', '2020-06-01', '2020-08-01', '2020-10-01', '2021-01-01', '2021-04-01',
  '2022-09-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-03-01', '2025-04-01',
];

/** ARM metrics (`.../providers/Microsoft.Insights/metrics`) and the batch API (`metrics:getBatch`). */
const METRICS = ['2016-06-01', '2016-09-01', '2017-05-01-preview', '2018-01-01', '2019-07-01', '2021-05-01', '2023-05-01-preview', '2023-10-01', '2024-02-01'];

/** Microsoft.Resources/subscriptions (the subscriptions spec, not the resources one). */
const SUBSCRIPTIONS = ['2014-04-01-preview', '2015-11-01', '2016-06-01', '2018-06-01', '2019-06-01', '2019-11-01', '2020-01-01', '2021-01-01', '2022-12-01'];

const TABLE: Record<string, readonly string[]> = {
  'microsoft.network': NETWORK,
  'microsoft.network/privatednszones': PRIVATE_DNS,
  'microsoft.compute': COMPUTE,
  'microsoft.containerinstance': CONTAINER_INSTANCE,
  'microsoft.resources': RESOURCES,
  'microsoft.resources/subscriptions': SUBSCRIPTIONS,
  'microsoft.insights/metrics': METRICS,
};

/**
 * Versions the product's SDK clients send (their pinned defaults), so a test can prove the table
 * accepts them: @azure/arm-network 36 `2025-05-01` (and `2018-10-01` for scale-set NICs),
 * @azure/arm-compute 24 `2026-03-01`, @azure/arm-privatedns 3.2 `2020-06-01`,
 * @azure/arm-containerinstance 9.1 `2023-05-01`, @azure/monitor-query-metrics 1.0 `2024-02-01`.
 */
export const SDK_SENDS: ReadonlyArray<{ type: string; apiVersion: string }> = [
  { type: 'Microsoft.Network/loadBalancers', apiVersion: '2025-05-01' },
  { type: 'Microsoft.Network/privateLinkServices', apiVersion: '2025-05-01' },
  { type: 'Microsoft.Network/locations/operations', apiVersion: '2025-05-01' },
  { type: 'Microsoft.Compute/virtualMachineScaleSets', apiVersion: '2026-03-01' },
  { type: 'Microsoft.Compute/locations/operations', apiVersion: '2026-03-01' },
  { type: 'Microsoft.Network/privateDnsZones/A', apiVersion: '2020-06-01' },
  { type: 'Microsoft.ContainerInstance/containerGroups', apiVersion: '2023-05-01' },
  { type: 'Microsoft.Insights/metrics', apiVersion: '2024-02-01' },
];

/**
 * The versions ARM accepts for `type` (full type as sent, any case): the longest matching prefix
 * in the table, else `declared` (a provider outside Azure's namespaces, e.g. a test provider,
 * declares its own), else none — an unknown type accepts no version.
 */
export function supportedApiVersions(type: string, declared?: readonly string[]): readonly string[] {
  const t = type.toLowerCase();
  // An operation's status URL echoes the api-version of the request that started it, whichever
  // type of the namespace that was (private DNS zones poll Microsoft.Network's status paths).
  const op = /^([^/]+)\/locations\/(operations|operationresults)$/.exec(t);
  if (op) {
    const all = Object.keys(TABLE).filter((k) => k === op[1] || k.startsWith(`${op[1]}/`)).flatMap((k) => TABLE[k]);
    if (all.length) return [...new Set(all)].sort();
  }
  let best: string | undefined;
  for (const k of Object.keys(TABLE)) if ((t === k || t.startsWith(`${k}/`)) && (!best || k.length > best.length)) best = k;
  return best ? TABLE[best] : (declared ?? []);
}

/**
 * Throws ARM's 400 `NoRegisteredProviderFound` when `apiVersion` is not one the type registered.
 * `location` (when the request names one) goes into the message as ARM writes it.
 */
export function checkApiVersion(type: string, apiVersion: string, location?: string, declared?: readonly string[]): void {
  const versions = supportedApiVersions(type, declared);
  if (versions.includes(apiVersion)) return;
  const short = type.split('/').slice(1).join('/') || type;
  throw new ArmError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${location ?? 'global'}' and API version '${apiVersion}' for type '${short}'. ` +
      `The supported api-versions are '${versions.join(', ')}'.`,
  );
}
