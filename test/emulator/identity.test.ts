import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { NetworkManagementClient } from '@azure/arm-network';
import { startTestEmulator, IDS, type TestEmulator } from './helpers/emulator';
import { createForward } from './helpers/network-fixtures';
import { APP_PRINCIPAL, APP_TOKEN } from '../../tools/emulator/arm/authorization';

/**
 * Identity and scope (AZURE-RULES.md AUTH-1..9): the app's token is a principal of the topology's
 * tenant that may do only what role assignments grant it; any other bearer token is the owner.
 */
const C003 = '00000000-0000-0000-0000-00000000c003';
const C004 = '00000000-0000-0000-0000-00000000c004';
const TENANT2 = '00000000-0000-0000-0000-0000000000e2';
const HUB_RG = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}`;
const SPOKE_RG = `/subscriptions/${IDS.consumerSub}/resourceGroups/${IDS.spokeRg}`;
const pes = (sub: string, rg: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints?api-version=2024-07-01`;

let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator({ lroDelayMs: 50 });
});
afterAll(async () => t.stop());
beforeEach(async () => {
  await t.control('POST', '/reset');
  // What a test of the app grants: reads of endpoints in rg-spoke, the hub role's LB writes in rg-hub.
  await t.control('PUT', '/role-assignments/spoke-endpoints', { scope: SPOKE_RG, actions: ['Microsoft.Network/privateEndpoints/read', 'Microsoft.Network/networkInterfaces/read'] });
  await t.control('PUT', '/role-assignments/hub', {
    scope: HUB_RG,
    actions: ['Microsoft.Network/loadBalancers/*', 'Microsoft.Network/locations/operations/read', 'Microsoft.Resources/subscriptions/resourceGroups/read', 'Microsoft.Network/virtualNetworks/subnets/join/action'],
    notActions: ['Microsoft.Network/loadBalancers/delete'],
  });
});

const app = (method: string, p: string, body?: unknown) => t.raw<{ error?: { code: string; message: string } }>(method, p, { token: APP_TOKEN, ...(body !== undefined ? { body } : {}) });

describe('who may do what', () => {
  it.each([
    ['the owner token reads endpoints in a subscription that granted the app nothing', 'emulator-test-token', 'GET', pes(C003, 'rg-spoke3'), 200, undefined],
    ['the owner token reads endpoints in another tenant', 'emulator-test-token', 'GET', pes(C004, 'rg-spoke4'), 200, undefined],
    ['the app reads endpoints in a resource group that granted it', APP_TOKEN, 'GET', pes(IDS.consumerSub, IDS.spokeRg), 200, undefined],
    ['the app reads endpoints of a resource group that granted it nothing', APP_TOKEN, 'GET', pes(IDS.consumer2Sub, IDS.spoke2Rg), 403, 'AuthorizationFailed'],
    ['the app reads endpoints in c003 (granted nothing)', APP_TOKEN, 'GET', pes(C003, 'rg-spoke3'), 403, 'AuthorizationFailed'],
    ['the app lists endpoints across a subscription where only a resource group granted it', APP_TOKEN, 'GET', `/subscriptions/${IDS.consumerSub}/providers/Microsoft.Network/privateEndpoints?api-version=2024-07-01`, 403, 'AuthorizationFailed'],
    ['the app reads a resource group that does not exist and granted it nothing: 403, not 404', APP_TOKEN, 'GET', `/subscriptions/${IDS.consumerSub}/resourceGroups/rg-nowhere?api-version=2021-04-01`, 403, 'AuthorizationFailed'],
    ['the app reads a VNet in a group where it may read only endpoints', APP_TOKEN, 'GET', `${IDS.spokeVnet}?api-version=2024-07-01`, 403, 'AuthorizationFailed'],
    ['the app reads load balancers (wildcard Microsoft.Network/loadBalancers/*)', APP_TOKEN, 'GET', `${HUB_RG}/providers/Microsoft.Network/loadBalancers?api-version=2024-07-01`, 200, undefined],
    ['the app deletes a load balancer (notActions)', APP_TOKEN, 'DELETE', `${HUB_RG}/providers/Microsoft.Network/loadBalancers/lb-x?api-version=2024-07-01`, 403, 'AuthorizationFailed'],
    ['the app reads endpoints in c004 (another tenant)', APP_TOKEN, 'GET', pes(C004, 'rg-spoke4'), 401, 'InvalidAuthenticationTokenTenant'],
    ['the app reads the c004 subscription itself', APP_TOKEN, 'GET', `/subscriptions/${C004}?api-version=2022-12-01`, 401, 'InvalidAuthenticationTokenTenant'],
  ])('%s', async (_situation, token, method, p, status, code) => {
    const r = await t.raw<{ error?: { code: string } }>(method, p, { token });
    expect(r.status).toBe(status);
    expect(r.body?.error?.code).toBe(code);
  });

  it("AuthorizationFailed names the client, its object id, the action and the scope in ARM's words (SDK RestError)", async () => {
    const cred: TokenCredential = { getToken: async (): Promise<AccessToken> => ({ token: APP_TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }) };
    const client = new NetworkManagementClient(cred, C003, { ...t.clientOptions, retryOptions: { maxRetries: 0 } });
    const err = (await client.privateEndpoints.get('rg-spoke3', 'pe-any').catch((e: unknown) => e)) as { statusCode?: number; code?: string; message?: string };
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('AuthorizationFailed');
    expect(err.message).toBe(
      `The client '${APP_PRINCIPAL.clientId}' with object id '${APP_PRINCIPAL.objectId}' does not have authorization to perform action 'Microsoft.Network/privateEndpoints/read' over scope '/subscriptions/${C003}/resourceGroups/rg-spoke3/providers/Microsoft.Network/privateEndpoints/pe-any' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  });

  it('InvalidAuthenticationTokenTenant names both issuers and carries a Bearer challenge', async () => {
    const r = await app('GET', pes(C004, 'rg-spoke4'));
    expect(r.body.error?.message).toMatch(new RegExp(`^The access token is from the wrong issuer 'https://sts.windows.net/${IDS.tenant}/'. It must match the tenant 'https://sts.windows.net/${TENANT2}/' associated with this subscription.`));
    expect(String(r.headers['www-authenticate'])).toMatch(/^Bearer /);
  });

  it('a refused request is in the request log with its status', async () => {
    await t.control('DELETE', '/requests');
    await app('GET', pes(C003, 'rg-spoke3'));
    const log = (await t.control<{ value: { method: string; path: string; status: number }[] }>('GET', '/requests')).body.value;
    expect(log.map((e) => [e.method, e.path, e.status])).toEqual([['GET', `/subscriptions/${C003}/resourceGroups/rg-spoke3/providers/Microsoft.Network/privateEndpoints`, 403]]);
  });
});

describe('linked actions, operation status, metrics batch', () => {
  const lbPath = (name: string) => `${HUB_RG}/providers/Microsoft.Network/loadBalancers/${name}?api-version=2024-07-01`;
  const lbBody = (subnetId: string) => ({ location: IDS.location, sku: { name: 'Standard' }, properties: { frontendIPConfigurations: [{ name: 'fe', properties: { subnet: { id: subnetId }, privateIPAllocationMethod: 'Dynamic' } }] } });

  it.each([
    ['a load balancer on the hub subnet (join granted in the hub group)', IDS.hubShared, 201, undefined],
    ["a load balancer on a spoke's subnet (no join granted there)", IDS.spokeLinked, 403, 'LinkedAuthorizationFailed'],
  ])('the app writes %s', async (_situation, subnetId, status, code) => {
    const r = await app('PUT', lbPath('lb-linked'), lbBody(subnetId));
    expect(r.status).toBe(status);
    expect(r.body?.error?.code).toBe(code);
    if (code) expect(r.body.error?.message).toContain(`'Microsoft.Network/virtualNetworks/subnets/join/action' on the linked scope(s) '${subnetId}'`);
  });

  it("the app polls its own write's operation status (granted where the resource is); without the grant: 403", async () => {
    const put = await app('PUT', lbPath('lb-op'), lbBody(IDS.hubShared));
    expect(put.status).toBe(201);
    const status = new URL(String(put.headers['azure-asyncoperation'])).pathname + '?api-version=2024-07-01';
    expect((await app('GET', status)).status).toBe(200);
    await t.control('PUT', '/role-assignments/hub', { scope: HUB_RG, actions: ['Microsoft.Network/loadBalancers/*'] });
    const refused = await app('GET', status);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toContain(`'Microsoft.Network/locations/operations/read' over scope '${HUB_RG}/providers/Microsoft.Network/loadBalancers/lb-op'`);
  });

  it.each([
    ['every resource granted', [`${HUB_RG}/providers/Microsoft.Network/loadBalancers/lb-a`], 200],
    ['one resource outside the grant', [`${HUB_RG}/providers/Microsoft.Network/loadBalancers/lb-a`, `/subscriptions/${IDS.hubSub}/resourceGroups/rg-other/providers/Microsoft.Network/loadBalancers/lb-b`], 403],
  ])('metrics batch, %s', async (_situation, ids, status) => {
    await t.control('PUT', '/role-assignments/metrics', { scope: HUB_RG, actions: ['Microsoft.Insights/metrics/read'] });
    const r = await app('POST', `/subscriptions/${IDS.hubSub}/metrics:getBatch?api-version=2023-10-01&metricnamespace=Microsoft.Network/loadBalancers&metricnames=DipAvailability`, { resourceids: ids });
    expect(r.status).toBe(status);
  });
});

describe('role assignments: control API and topology', () => {
  it('a grant takes effect for the next request, and its removal too', async () => {
    expect((await app('GET', pes(C003, 'rg-spoke3'))).status).toBe(403);
    expect((await t.control('PUT', '/role-assignments/c003', { scope: `/subscriptions/${C003}/resourceGroups/rg-spoke3`, actions: ['*/read'] })).status).toBe(201);
    expect((await app('GET', pes(C003, 'rg-spoke3'))).status).toBe(200);
    expect((await t.control('DELETE', '/role-assignments/c003')).status).toBe(204);
    expect((await app('GET', pes(C003, 'rg-spoke3'))).status).toBe(403);
    expect((await t.control('DELETE', '/role-assignments/c003')).status).toBe(404);
  });

  it('a grant to another principal gives the app nothing', async () => {
    await t.control('PUT', '/role-assignments/other', { principalId: 'someone-else', scope: `/subscriptions/${C003}`, actions: ['*'] });
    expect((await app('GET', pes(C003, 'rg-spoke3'))).status).toBe(403);
  });

  it('bad input: 400 naming every problem', async () => {
    const r = await t.control<{ error: { message: string } }>('PUT', '/role-assignments/bad', { scope: 'rg-spoke', actions: [], colour: 'red' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('scope must be');
    expect(r.body.error.message).toContain('actions must be');
    expect(r.body.error.message).toContain('unknown field(s): colour');
  });

  it("the topology's roleAssignments are there at start and come back on reset; the app principal is listed", async () => {
    const topo = await startTestEmulator({ topology: { subscriptions: [{ subscriptionId: IDS.hubSub, displayName: 'hub', resourceGroups: [{ name: 'rg-hub', location: 'westeurope' }] }], roleAssignments: [{ scope: HUB_RG, actions: ['Microsoft.Resources/subscriptions/resourceGroups/read'] }] } });
    try {
      const rg = () => topo.raw('GET', `${HUB_RG}?api-version=2021-04-01`, { token: APP_TOKEN });
      expect((await rg()).status).toBe(200);
      await topo.control('DELETE', '/role-assignments/topology-0');
      expect((await rg()).status).toBe(403);
      await topo.control('POST', '/reset');
      expect((await rg()).status).toBe(200);
      expect((await topo.control<{ principals: unknown }>('GET', '/role-assignments')).body.principals).toEqual({ app: APP_PRINCIPAL });
    } finally {
      await topo.stop();
    }
  });

  it.each([
    ['c003 (granted the app nothing)', `/subscriptions/${C003}/resourceGroups/rg-spoke3/providers/Microsoft.Network/virtualNetworks/vnet-spoke3/subnets/linked`],
    ['c004 (another tenant)', `/subscriptions/${C004}/resourceGroups/rg-spoke4/providers/Microsoft.Network/virtualNetworks/vnet-spoke4/subnets/linked`],
  ])('the control API creates a consumer endpoint in %s (it acts as the owner)', async (_situation, subnetId) => {
    const pls = await createForward(t.network(), 'fwd-strangers', { visibility: { subscriptions: ['*'] } });
    const r = await t.control<{ id: string }>('POST', '/consumer-endpoints', { subnetId, name: 'pe-stranger', privateLinkServiceId: pls.id });
    expect(r.status).toBe(201);
    expect((await t.raw('GET', `${r.body.id}?api-version=2024-07-01`)).status).toBe(200);
  });
});
