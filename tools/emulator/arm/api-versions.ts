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
 * paths (".../locations/operations", "operationResults") share the list of their parent or
 * provider. Every version below was checked to exist as a file in Azure/azure-rest-api-specs (the
 * file named in each list's comment, under the folder named there, `{v}` the version); a version
 * that could not be found is not listed (stricter than Azure at worst, never kinder). The lists
 * include every version the product's SDKs send (pinned in node_modules/@azure/* — see SDK_SENDS
 * below; a test checks they pass) and every version the tests, scripts and README send.
 *
 * Verified 2026-12-07 against the specs' crawled history (a version folder that existed at any
 * commit counts; whether a version was later withdrawn is not checked).
 */

/**
 * Microsoft.Network, the namespace-wide list (virtual networks, subnets, network interfaces, load
 * balancers, operation polls): `loadBalancer.json` in
 * specification/network/resource-manager/Microsoft.Network/stable/{v}/ for every version except
 * 2016-03-30, 2016-06-01 and 2023-06-01 (only `network.json` found there) and 2025-09-01 (in
 * specification/network/resource-manager/Microsoft.Network/Network/stable/2025-09-01/loadBalancer.json).
 * No folder exists for 2016-07-01, 2016-08-01, 2016-10-01, 2016-11-01 or 2017-04-01.
 */
const NETWORK = [
  '2015-06-15', '2016-03-30', '2016-06-01', '2016-09-01', '2016-12-01',
  '2017-03-01', '2017-06-01', '2017-08-01', '2017-09-01', '2017-10-01', '2017-11-01',
  '2018-01-01', '2018-02-01', '2018-04-01', '2018-06-01', '2018-07-01', '2018-08-01', '2018-10-01', '2018-11-01', '2018-12-01',
  '2019-02-01', '2019-04-01', '2019-06-01', '2019-07-01', '2019-08-01', '2019-09-01', '2019-11-01', '2019-12-01',
  '2020-03-01', '2020-04-01', '2020-05-01', '2020-06-01', '2020-07-01', '2020-08-01', '2020-11-01',
  '2021-02-01', '2021-03-01', '2021-05-01', '2021-08-01', '2022-01-01', '2022-05-01', '2022-07-01', '2022-09-01', '2022-11-01',
  '2023-02-01', '2023-04-01', '2023-05-01', '2023-06-01', '2023-09-01', '2023-11-01',
  '2024-01-01', '2024-03-01', '2024-05-01', '2024-07-01', '2024-10-01', '2025-01-01', '2025-03-01', '2025-05-01', '2025-07-01', '2025-09-01',
];

/**
 * Private endpoints first appear in `privateEndpoint.json` of Microsoft.Network/stable/2019-02-01;
 * private link services in `privateLinkService.json` of stable/2019-04-01 (absent in 2019-02-01).
 * Older network versions do not define them, so they are not accepted for them.
 */
const PRIVATE_ENDPOINTS = NETWORK.filter((v) => v >= '2019-02-01');
const PRIVATE_LINK_SERVICES = NETWORK.filter((v) => v >= '2019-04-01');

/** `privatedns.json` in specification/privatedns/resource-manager/Microsoft.Network/stable/{v}/. */
const PRIVATE_DNS = ['2018-09-01', '2020-01-01', '2020-06-01', '2024-06-01'];

/**
 * Microsoft.Compute (virtual machine scale sets, their VMs, operation polls):
 * `compute.json` in specification/compute/resource-manager/Microsoft.Compute/stable/{v}/ up to
 * 2021-11-01 (2016-04-30-preview under .../Microsoft.Compute/preview/), then
 * `virtualMachineScaleSet.json` in .../Microsoft.Compute/ComputeRP/stable/{v}/ for 2022-03-01 to
 * 2025-04-01, and `ComputeRP.json` in .../ComputeRP/stable/{v}/ for 2025-11-01 and 2026-03-01
 * (2026-03-01 also has examples/virtualMachineScaleSetExamples/).
 */
const COMPUTE = [
  '2015-06-15', '2016-03-30', '2016-04-30-preview', '2017-03-30', '2017-12-01', '2018-04-01', '2018-06-01', '2018-10-01',
  '2019-03-01', '2019-07-01', '2019-12-01', '2020-06-01', '2020-12-01', '2021-03-01', '2021-04-01', '2021-07-01', '2021-11-01',
  '2022-03-01', '2022-08-01', '2022-11-01', '2023-03-01', '2023-07-01', '2023-09-01', '2024-03-01', '2024-07-01', '2024-11-01',
  '2025-04-01', '2025-11-01', '2026-03-01',
];

/**
 * `containerInstance.json` in
 * specification/containerinstance/resource-manager/Microsoft.ContainerInstance/{stable,preview}/{v}/
 * and, for 2026-05-01, 2026-06-01-preview and 2026-07-01, in
 * .../Microsoft.ContainerInstance/ContainerInstance/{stable,preview}/{v}/.
 */
const CONTAINER_INSTANCE = [
  '2017-08-01-preview', '2017-10-01-preview', '2017-12-01-preview', '2018-02-01-preview', '2018-04-01', '2018-06-01', '2018-09-01',
  '2018-10-01', '2019-01-01', '2019-12-01', '2020-10-10', '2020-11-01', '2021-03-01', '2021-07-01', '2021-09-01', '2021-10-01', '2022-09-01',
  '2022-10-01-preview', '2023-02-01-preview', '2023-05-01', '2024-05-01-preview', '2024-09-01-preview', '2024-10-01-preview',
  '2024-11-01-preview', '2025-09-01', '2026-05-01', '2026-06-01-preview', '2026-07-01',
];

/** Resource groups: `resources.json` in specification/resources/resource-manager/Microsoft.Resources/stable/{v}/. */
const RESOURCES = [
  '2015-11-01', '2016-02-01', '2016-07-01', '2016-09-01', '2017-05-10', '2018-02-01', '2018-05-01', '2019-03-01', '2019-05-01',
  '2019-05-10', '2019-07-01', '2019-08-01', '2019-10-01', '2020-06-01', '2020-08-01', '2020-10-01', '2021-01-01', '2021-04-01',
  '2022-09-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-03-01', '2025-04-01',
];

/**
 * ARM metrics (`.../providers/Microsoft.Insights/metrics`): `metrics_API.json` in
 * specification/monitor/resource-manager/Microsoft.Insights/{stable,preview}/{v}/.
 */
const METRICS = ['2016-06-01', '2016-09-01', '2017-05-01-preview', '2018-01-01', '2019-07-01', '2021-05-01', '2023-10-01', '2024-02-01'];

/**
 * The metrics batch API (`POST /subscriptions/{id}/metrics:getBatch`): `metricBatch.json` in
 * specification/monitor/data-plane/Microsoft.Insights/{stable,preview}/{v}/ — its versions are not
 * ARM metrics' (2023-05-01-preview, say, exists only here).
 */
const METRICS_BATCH = [
  '2023-03-01-preview', '2023-05-01-preview', '2023-08-01-preview', '2023-08-04-preview', '2023-09-01-preview', '2023-10-01',
  '2023-11-01-preview', '2024-02-01',
];

/**
 * Microsoft.Resources/subscriptions: `subscriptions.json` in
 * specification/resources/resource-manager/Microsoft.Resources/stable/{v}/ (no 2014-04-01-preview
 * found under preview/ or stable/).
 */
const SUBSCRIPTIONS = ['2015-11-01', '2016-06-01', '2018-06-01', '2019-06-01', '2019-11-01', '2020-01-01', '2021-01-01', '2022-12-01'];

/** The type the metrics batch route checks its api-version as (see RawRoute.apiVersionType). */
export const METRICS_BATCH_TYPE = 'Microsoft.Insights/metrics:getBatch';

const TABLE: Record<string, readonly string[]> = {
  'microsoft.network': NETWORK,
  'microsoft.network/privateendpoints': PRIVATE_ENDPOINTS,
  'microsoft.network/privatelinkservices': PRIVATE_LINK_SERVICES,
  'microsoft.network/privatednszones': PRIVATE_DNS,
  'microsoft.compute': COMPUTE,
  'microsoft.containerinstance': CONTAINER_INSTANCE,
  'microsoft.resources': RESOURCES,
  'microsoft.resources/subscriptions': SUBSCRIPTIONS,
  'microsoft.insights/metrics': METRICS,
  [METRICS_BATCH_TYPE.toLowerCase()]: METRICS_BATCH,
};

/**
 * Versions the product's SDK clients send (their pinned defaults), so a test can prove the table
 * accepts them: @azure/arm-network 36 `2025-05-01` (and `2018-10-01` for scale-set NICs),
 * @azure/arm-compute 24.1 `2026-03-01` (its disk and gallery clients send `2025-01-02` and
 * `2025-03-03`, types the emulator does not serve), @azure/arm-privatedns 3.2 `2020-06-01`,
 * @azure/arm-containerinstance 9.1 `2023-05-01`, @azure/monitor-query-metrics 1.0 `2024-02-01`
 * (the batch API; the tests send it there too).
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
