import { azureClients, type AzureClients } from '../../../azure/client-factory';
import { listConnections, setConnectionState } from '../../../azure/private-endpoint/connections';
import { removeConnections } from '../../../azure/private-link-service/service';
import { parseResourceId, type ResourceRef } from '../../../azure/resource-id';
import type { HubPlacement } from '../../../core/app-settings';
import { forwardTags } from '../../../core/names';
import { POLL, startTestEmulator, IDS, type TestEmulator } from '../helpers/emulator';
import { lbBody, plsBody } from '../helpers/network-fixtures';
import { appGrants } from '../../../tools/devhost/app-grants';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * The product's provider-side connection calls (azure/private-endpoint/connections.ts and the
 * teardown step removeConnections in azure/private-link-service/service.ts) through the product's
 * own client factory against the strict emulator: a connection that vanished before its approval
 * is 'gone', not an error (AZURE-RULES NET-3); teardown deletes every connection, each a
 * long-running delete (NET-6), and reports what remains until none does, since a service with
 * connections cannot be deleted (NET-1).
 */
let t: TestEmulator;
let clients: AzureClients;
beforeAll(async () => {
  t = await startTestEmulator();
  clients = azureClients({ PLF_ARM_ENDPOINT: t.emu.url, PLF_ARM_CA_FILE: t.emu.caFile });
});
afterAll(async () => t.stop());
beforeEach(async () => {
  await t.control('POST', '/reset');
  // The product's clients act as the app's principal: grant it what infra grants (AUTH rows).
  for (const g of appGrants(ROOT, { subscriptionId: IDS.hubSub, resourceGroup: IDS.hubRg })) {
    const r = await t.control('PUT', `/role-assignments/${encodeURIComponent(g.name)}`, { scope: g.scope, actions: g.actions });
    if (r.status >= 300) throw new Error(`granting the app ${g.name} failed: ${r.status}`);
  }
});

const FORWARD = 't';
const PLS = 'plf-t-pls';
const placement: HubPlacement = { subscriptionId: IDS.hubSub, resourceGroup: IDS.hubRg, subnetId: IDS.hubShared, location: IDS.location };
const hub = () => t.network(IDS.hubSub);
const consumer = () => t.network(IDS.consumerSub);
const plsRef = (): ResourceRef => parseResourceId(`/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/${PLS}`)!;

/** The forward's LB and PLS (tagged as the forward's unless `owned` is false) and one Pending endpoint per name. */
async function serviceWithEndpoints(endpoints: string[], owned = true): Promise<void> {
  await hub().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-t', lbBody('lb-t'), POLL);
  const pls = await hub().privateLinkServices.beginCreateOrUpdateAndWait(IDS.hubRg, PLS, plsBody('lb-t', owned ? { tags: forwardTags(FORWARD) } : {}), POLL);
  for (const name of endpoints) {
    await consumer().privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, name, {
      location: IDS.location,
      subnet: { id: IDS.spokeLinked },
      manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: pls.id }],
    }, POLL);
  }
}

const connectionOf = async (endpoint: string) => (await listConnections(clients, plsRef())).find((c) => c.privateEndpointId.endsWith(`/${endpoint}`))!;

describe('approve or reject a connection', () => {
  it.each([
    ['that is there: done, and ARM shows the new state', async () => undefined, 'done', 'Approved'],
    ['whose endpoint the consumer deleted since the list: gone', async () => consumer().privateEndpoints.beginDeleteAndWait(IDS.spokeRg, 'pe-1', POLL), 'gone', undefined],
    ['that another provider call deleted since the list: gone', async (name: string) => hub().privateLinkServices.beginDeletePrivateEndpointConnectionAndWait(IDS.hubRg, PLS, name, POLL), 'gone', undefined],
  ] as const)('%s', async (_n, meanwhile, result, after) => {
    await serviceWithEndpoints(['pe-1']);
    const conn = await connectionOf('pe-1');
    await meanwhile(conn.name);
    expect(await setConnectionState(clients, plsRef(), conn.name, 'Approved', 'plf approved: test')).toBe(result);
    const now = await listConnections(clients, plsRef());
    expect(now.map((c) => c.state)).toEqual(after ? [after] : []);
  });
});

describe('teardown: removeConnections', () => {
  it('starts a delete of every connection, counts those still there (never deleting one twice), and reports 0 once the deletes are done; then the service can be deleted', async () => {
    await serviceWithEndpoints(['pe-1', 'pe-2']);
    await setConnectionState(clients, plsRef(), (await connectionOf('pe-1')).name, 'Approved', 'plf approved: test');
    await t.control('PUT', '/settings', { lroDelayMs: 3_600_000 });
    try {
      expect(await removeConnections(clients, FORWARD, placement)).toEqual({ remaining: 2 });
      expect((await listConnections(clients, plsRef())).map((c) => c.deleting)).toEqual([true, true]);
      // A second call while the deletes run: they are not started again (ARM would answer 409).
      expect(await removeConnections(clients, FORWARD, placement)).toEqual({ remaining: 2 });
      await t.control('POST', '/operations/settle');
    } finally {
      await t.control('PUT', '/settings', { lroDelayMs: 0 });
    }
    expect(await removeConnections(clients, FORWARD, placement)).toEqual({ remaining: 0 });
    await hub().privateLinkServices.beginDeleteAndWait(IDS.hubRg, PLS, POLL);
    await expect(hub().privateLinkServices.get(IDS.hubRg, PLS)).rejects.toMatchObject({ statusCode: 404 });
  });

  it.each([
    ['a service that is not ours: its connections are left alone', ['pe-1'], false, 1],
    ['no service at all', [], undefined, 0],
  ] as const)('%s -> remaining 0', async (_n, endpoints, owned, left) => {
    if (owned !== undefined) await serviceWithEndpoints([...endpoints], owned);
    expect(await removeConnections(clients, FORWARD, placement)).toEqual({ remaining: 0 });
    expect(await listConnections(clients, plsRef())).toHaveLength(left);
  });
});
