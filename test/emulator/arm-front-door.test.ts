import { POLL, IDS } from './helpers/emulator';
import { emulatorPerFile } from './helpers/per-file';
import { createForward, lbBody, plsBody } from './helpers/network-fixtures';
import { SDK_SENDS } from '../../tools/emulator/arm/api-versions';

/**
 * ARM's front door rules every request meets before a resource provider (AZURE-RULES.md, ARM-n):
 * api-versions per type, the token buckets per principal and subscription, subscription quotas.
 */
const t = emulatorPerFile();
beforeEach(async () => {
  await t().control('PUT', '/arm-limits', { armThrottle: { reads: null, writes: null, deletes: null }, privateLinkServicesPerSubscription: null });
});

const RG = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}`;
const VNET = `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub`;

/** A path of each type the SDKs call, for a request at `v`. */
function pathFor(type: string, v: string): string {
  switch (type) {
    case 'Microsoft.Network/loadBalancers':
      return `${RG}/providers/Microsoft.Network/loadBalancers?api-version=${v}`;
    case 'Microsoft.Network/privateLinkServices':
      return `${RG}/providers/Microsoft.Network/privateLinkServices?api-version=${v}`;
    case 'Microsoft.Network/locations/operations':
      return `/subscriptions/${IDS.hubSub}/providers/Microsoft.Network/locations/westeurope/operations/none?api-version=${v}`;
    case 'Microsoft.Compute/virtualMachineScaleSets':
      return `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets?api-version=${v}`;
    case 'Microsoft.Compute/locations/operations':
      return `/subscriptions/${IDS.hubSub}/providers/Microsoft.Compute/locations/westeurope/operations/none?api-version=${v}`;
    case 'Microsoft.Network/privateDnsZones/A':
      return `${IDS.zoneId}/A?api-version=${v}`;
    case 'Microsoft.ContainerInstance/containerGroups':
      return `${RG}/providers/Microsoft.ContainerInstance/containerGroups?api-version=${v}`;
    case 'Microsoft.Insights/metrics':
      return `${VNET}/providers/Microsoft.Insights/metrics?api-version=${v}`;
    default:
      throw new Error(`no path for ${type}`);
  }
}

describe('ARM-1 every api-version the product SDKs send is accepted', () => {
  it.each(SDK_SENDS.map((s) => [s.type, s.apiVersion] as const))('%s at %s', async (type, v) => {
    const r = await t().raw<{ error?: { code: string } }>('GET', pathFor(type, v));
    expect(r.body?.error?.code).not.toBe('NoRegisteredProviderFound');
  });
});

describe('ARM-2 an api-version the type does not have -> 400 NoRegisteredProviderFound', () => {
  it.each([
    ['a network resource', `${VNET}?api-version=2099-01-01`, 'virtualNetworks'],
    ['a network version given to compute', `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets?api-version=2025-05-01`, 'virtualMachineScaleSets'],
    ['a compute version given to private DNS', `${IDS.zoneId}?api-version=2026-03-01`, 'privateDnsZones'],
    ['an operation status poll', `/subscriptions/${IDS.hubSub}/providers/Microsoft.Network/locations/westeurope/operations/x?api-version=2099-01-01`, 'locations/operations'],
    ['ARM metrics', `${VNET}/providers/Microsoft.Insights/metrics?api-version=2020-01-01`, 'metrics'],
    ['ARM metrics at a version only the batch spec has', `${VNET}/providers/Microsoft.Insights/metrics?api-version=2023-05-01-preview`, 'metrics'],
    ['private link services at a network version older than the type', `${RG}/providers/Microsoft.Network/privateLinkServices?api-version=2019-02-01`, 'privateLinkServices'],
    ['a network version the specs never published', `${VNET}?api-version=2016-10-01`, 'virtualNetworks'],
    ['a resource group', `${RG}?api-version=2025-05-01`, 'resourceGroups'],
  ])('%s', async (_what, p, short) => {
    const r = await t().raw<{ error: { code: string; message: string } }>('GET', p);
    expect([r.status, r.body.error.code]).toEqual([400, 'NoRegisteredProviderFound']);
    expect(r.body.error.message).toContain(`for type '${short}'. The supported api-versions are '`);
  });

  it('the metrics batch API refuses a version its spec does not publish', async () => {
    const r = await t().raw<{ error: { code: string } }>('POST', `/subscriptions/${IDS.hubSub}/metrics:getBatch?api-version=2019-01-01&metricnamespace=Microsoft.Network/loadBalancers&metricnames=VipAvailability`, { body: { resourceids: [] } });
    expect([r.status, r.body.error.code]).toEqual([400, 'NoRegisteredProviderFound']);
  });

  it('the metrics batch API refuses an ARM metrics version its own spec does not publish', async () => {
    const r = await t().raw<{ error: { code: string } }>('POST', `/subscriptions/${IDS.hubSub}/metrics:getBatch?api-version=2021-05-01&metricnamespace=Microsoft.Network/loadBalancers&metricnames=VipAvailability`, { body: { resourceids: [] } });
    expect([r.status, r.body.error.code]).toEqual([400, 'NoRegisteredProviderFound']);
  });
});

describe('ARM-3 token bucket per principal and subscription', () => {
  const read = (token = 'reader-a', sub: string = IDS.hubSub) => t().raw<{ error?: { code: string } }>('GET', `/subscriptions/${sub}/resourceGroups?api-version=2021-04-01`, { token });

  it('every answer carries the remaining reads; the 251st read without refill is 429 with Retry-After', async () => {
    await t().control('PUT', '/arm-limits', { armThrottle: { reads: 0 } });
    const remaining: string[] = [];
    for (let i = 0; i < 250; i++) remaining.push(String((await read()).headers['x-ms-ratelimit-remaining-subscription-reads']));
    expect([remaining[0], remaining[249]]).toEqual(['249', '0']);
    const r = await read();
    expect([r.status, r.body.error?.code, r.headers['x-ms-ratelimit-remaining-subscription-reads']]).toEqual([429, 'SubscriptionRequestsThrottled', '0']);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('another principal, and the same principal in another subscription, have their own buckets', async () => {
    await t().control('PUT', '/arm-limits', { armThrottle: { reads: 0 } });
    for (let i = 0; i < 250; i++) await read();
    expect((await read()).status).toBe(429);
    expect([(await read('reader-b')).status, (await read('reader-a', IDS.consumerSub)).status]).toEqual([200, 200]);
  });

  it('writes and deletes have buckets of 200 apart from reads', async () => {
    await t().control('PUT', '/arm-limits', { armThrottle: { writes: 0, deletes: 0 } });
    // A PUT into a missing resource group still goes through the bucket (404 after it).
    const put = () => t().raw('PUT', `/subscriptions/${IDS.hubSub}/resourceGroups/nope/providers/Microsoft.Network/loadBalancers/x?api-version=2025-05-01`, { token: 'writer', body: { location: 'westeurope' } });
    const del = () => t().raw('DELETE', `/subscriptions/${IDS.hubSub}/resourceGroups/nope/providers/Microsoft.Network/loadBalancers/x?api-version=2025-05-01`, { token: 'writer' });
    for (let i = 0; i < 200; i++) await put();
    const w = await put();
    expect([w.status, w.headers['x-ms-ratelimit-remaining-subscription-writes']]).toEqual([429, '0']);
    const d = await del();
    expect([d.status, d.headers['x-ms-ratelimit-remaining-subscription-deletes']]).toEqual([404, '199']);
    expect((await read('writer')).status).toBe(200);
  });

  it("the emulator's own requests (control API) take no token", async () => {
    await t().control('PUT', '/arm-limits', { armThrottle: { reads: 0, writes: 0 } });
    const net = t().network();
    await createForward(net, 'quota');
    const pls = await net.privateLinkServices.get(IDS.hubRg, 'pls-quota');
    const before = await read('emulator-consumer', IDS.consumerSub);
    const created = await t().control('POST', '/consumer-endpoints', { subnetId: IDS.spokeLinked, name: 'pe-internal', privateLinkServiceId: pls.id });
    const after = await read('emulator-consumer', IDS.consumerSub);
    expect(created.status).toBe(201);
    expect(Number(before.headers['x-ms-ratelimit-remaining-subscription-reads']) - Number(after.headers['x-ms-ratelimit-remaining-subscription-reads'])).toBe(1);
  });

  it.each([
    ['a refill faster than ARM', { armThrottle: { reads: 26 } }],
    ['an unknown class', { armThrottle: { lists: 1 } }],
    ['a private link service limit above Azure', { privateLinkServicesPerSubscription: 801 }],
    ['an unknown limit', { burst: 1000 }],
  ])('a test may only make limits stricter: %s -> 400', async (_what, body) => {
    const r = await t().control<{ error: { code: string } }>('PUT', '/arm-limits', body);
    expect(r.status).toBe(400);
  });
});

describe('ARM-5 private link services per subscription', () => {
  it('one more than the limit -> 400 QuotaExceeded; updating an existing one is fine', async () => {
    const net = t().network();
    await createForward(net, 'one');
    await t().control('PUT', '/arm-limits', { privateLinkServicesPerSubscription: 1 });
    await net.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-two', lbBody('lb-two'), POLL);
    await expect(net.privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, 'pls-two', plsBody('lb-two'), POLL)).rejects.toMatchObject({ statusCode: 400, code: 'QuotaExceeded' });
    const again = await net.privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, 'pls-one', plsBody('lb-one', { tags: { again: 'yes' } }), POLL);
    expect(again.provisioningState).toBe('Succeeded');
  });
});
