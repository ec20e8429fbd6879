import { POLL, startTestEmulator, IDS, type TestEmulator } from './helpers/emulator';
import { compareShapes, exampleBody, missingPaths, propertyPaths } from './helpers/shape';
import { createForward, lbBody } from './helpers/network-fixtures';
import { startWebhook, type Webhook } from './helpers/webhook';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLES_DIR } from './helpers/shape';

/**
 * Response bodies on the wire compared with the published examples in ../shared/azure-api-examples:
 * every property path both carry has the same JSON type, the read-only fields the product relies
 * on are present, and the emulator carries most of the example's paths (not just a few).
 */
let t: TestEmulator;
let hook: Webhook;
const bodies: Record<string, unknown> = {};

beforeAll(async () => {
  t = await startTestEmulator();
  hook = await startWebhook();
  await t.control('POST', '/eventgrid/subscriptions', { endpointUrl: hook.url });
  const net = t.network();
  const pls = await createForward(net, 'a', { fqdns: ['svc.internal.net'], autoApproval: { subscriptions: [IDS.hubSub] } });
  const api = '?api-version=2024-07-01';
  const hubRg = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network`;
  const spokeRg = `/subscriptions/${IDS.consumerSub}/resourceGroups/${IDS.spokeRg}/providers/Microsoft.Network`;
  // Automatic endpoint from the provider subscription (Approved) and a manual one from the consumer (Pending).
  bodies.peAutoPut = (await t.raw('PUT', `${hubRg}/privateEndpoints/pe-auto${api}`, {
    body: { location: 'westeurope', properties: { subnet: { id: IDS.hubShared }, privateLinkServiceConnections: [{ name: 'auto', properties: { privateLinkServiceId: pls.id, groupIds: [], requestMessage: 'hi' } }] } },
  })).body;
  bodies.peManualPut = (await t.raw('PUT', `${spokeRg}/privateEndpoints/pe-manual${api}`, {
    body: { location: 'westeurope', properties: { subnet: { id: IDS.spokeLinked }, manualPrivateLinkServiceConnections: [{ name: 'manual', properties: { privateLinkServiceId: pls.alias, requestMessage: 'please' } }] } },
  })).body;
  bodies.peGet = (await t.raw('GET', `${hubRg}/privateEndpoints/pe-auto${api}`)).body;
  bodies.peManualGet = (await t.raw('GET', `${spokeRg}/privateEndpoints/pe-manual${api}`)).body;
  bodies.plsGet = (await t.raw('GET', `${hubRg}/privateLinkServices/pls-a${api}`)).body;
  bodies.plsPut = (await t.raw('PUT', `${hubRg}/privateLinkServices/pls-b${api}`, {
    body: {
      location: 'westeurope',
      properties: {
        loadBalancerFrontendIpConfigurations: [{ id: `${hubRg}/loadBalancers/lb-a/frontendIPConfigurations/fe` }],
        ipConfigurations: [{ name: 'nat', properties: { subnet: { id: IDS.hubShared }, privateIPAllocationMethod: 'Dynamic' } }],
        visibility: { subscriptions: [IDS.consumerSub] },
        autoApproval: { subscriptions: [] },
        fqdns: ['x'],
      },
    },
  })).body;
  bodies.connList = (await t.raw('GET', `${hubRg}/privateLinkServices/pls-a/privateEndpointConnections${api}`)).body;
  const manualConn = ((bodies.connList as { value: Array<{ id: string; properties: { privateLinkServiceConnectionState: { status: string } } }> }).value.find(
    (c) => c.properties.privateLinkServiceConnectionState.status === 'Pending',
  ) as { id: string }).id;
  bodies.connPut = (await t.raw('PUT', `${manualConn}${api}`, { body: { properties: { privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' } } } })).body;
  bodies.lbGet = (await t.raw('GET', `${hubRg}/loadBalancers/lb-a${api}`)).body;
  const nicId = (bodies.peGet as { properties: { networkInterfaces: Array<{ id: string }> } }).properties.networkInterfaces[0].id;
  bodies.nicGet = (await t.raw('GET', `${nicId}${api}`)).body;
  const dnsApi = '?api-version=2024-06-01';
  bodies.aPut201 = (await t.raw('PUT', `${IDS.zoneId}/A/recordA${dnsApi}`, { body: { properties: { metadata: { key1: 'value1' }, ttl: 3600, aRecords: [{ ipv4Address: '1.2.3.4' }] } } })).body;
  bodies.aPut200 = (await t.raw('PUT', `${IDS.zoneId}/A/recordA${dnsApi}`, { body: { properties: { metadata: { key1: 'value1' }, ttl: 3600, aRecords: [{ ipv4Address: '1.2.3.4' }] } } })).body;
  bodies.aGet = (await t.raw('GET', `${IDS.zoneId}/A/recorda${dnsApi}`)).body;
  // Event samples: write, delete and (through the data-free widget-less path) the validation event.
  await net.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-z', lbBody('lb-z'), POLL);
  await net.loadBalancers.beginDeleteAndWait(IDS.hubRg, 'lb-z', POLL);
  await hook.waitFor((es) => es.some((e) => e.eventType.endsWith('DeleteSuccess')));
  bodies.writeEvent = hook.events.find((e) => e.eventType.endsWith('WriteSuccess'));
  bodies.deleteEvent = hook.events.find((e) => e.eventType.endsWith('DeleteSuccess'));
  bodies.validation = hook.validations[0];
});
afterAll(async () => {
  await hook.close();
  await t.stop();
});

const strip = (e: unknown) => {
  const { headers: _h, ...rest } = e as Record<string, unknown>;
  return rest;
};

describe('shape conformance with the published examples', () => {
  it.each([
    ['PrivateLinkServices_Get', 'plsGet', 'network/PrivateLinkServiceGet.json', '200', ['etag', 'properties.alias', 'properties.networkInterfaces[].id', 'properties.privateEndpointConnections[].properties.privateLinkServiceConnectionState.status', 'properties.provisioningState', 'properties.ipConfigurations[].properties.privateIPAddress']],
    ['PrivateLinkServices_CreateOrUpdate (201)', 'plsPut', 'network/PrivateLinkServiceCreate.json', '201', ['properties.alias', 'properties.provisioningState']],
    ['PrivateEndpoints_Get (automatic connection)', 'peGet', 'network/PrivateEndpointGet.json', '200', ['etag', 'properties.networkInterfaces[].id', 'properties.privateLinkServiceConnections[].properties.privateLinkServiceConnectionState.status', 'properties.subnet.id']],
    ['PrivateEndpoints_CreateOrUpdate (automatic)', 'peAutoPut', 'network/PrivateEndpointCreate.json', '200', ['properties.provisioningState']],
    ['PrivateEndpoints_CreateOrUpdate (manual approval)', 'peManualPut', 'network/PrivateEndpointCreateForManualApproval.json', '200', ['properties.manualPrivateLinkServiceConnections[].properties.privateLinkServiceConnectionState.status']],
    ['PrivateEndpoints_Get (manual approval)', 'peManualGet', 'network/PrivateEndpointCreateForManualApproval.json', '200', ['properties.networkInterfaces[].id']],
    ['PrivateLinkServices_ListPrivateEndpointConnections', 'connList', 'network/PrivateLinkServiceListPrivateEndpointConnection.json', '200', ['value[].properties.privateEndpoint.id', 'value[].etag']],
    ['PrivateLinkServices_UpdatePrivateEndpointConnection', 'connPut', 'network/PrivateLinkServiceUpdatePrivateEndpointConnection.json', '200', ['properties.privateLinkServiceConnectionState.status']],
    ['LoadBalancers_Get', 'lbGet', 'network/LoadBalancerGet.json', '200', ['etag', 'properties.frontendIPConfigurations[].properties.privateIPAddress', 'properties.backendAddressPools[].id', 'properties.probes[].properties.port', 'properties.loadBalancingRules[].properties.probe.id']],
    ['LoadBalancers_CreateOrUpdate (Standard SKU)', 'lbGet', 'network/LoadBalancerCreateStandardSku.2024-07-01.json', '201', ['sku.name']],
    ['NetworkInterfaces_Get', 'nicGet', 'network/NetworkInterfaceGet.json', '200', ['properties.ipConfigurations[].properties.privateIPAddress', 'properties.ipConfigurations[].properties.subnet.id']],
    ['RecordSets_Get (A)', 'aGet', 'privatedns/RecordSetAGet.json', '200', ['etag', 'properties.fqdn', 'properties.aRecords[].ipv4Address', 'properties.metadata']],
    ['RecordSets_CreateOrUpdate (A, 201)', 'aPut201', 'privatedns/RecordSetAPut.json', '201', ['etag', 'properties.isAutoRegistered']],
    ['RecordSets_CreateOrUpdate (A, 200)', 'aPut200', 'privatedns/RecordSetAPut.json', '200', ['etag']],
  ])('%s', (_n, key, example, status, required) => {
    const actual = bodies[key];
    const ex = exampleBody(example, status);
    expect(compareShapes(actual, ex)).toEqual([]);
    expect(missingPaths(actual, required)).toEqual([]);
    // Most of what the example shows is there too (optional extras aside).
    const exPaths = propertyPaths(ex);
    const have = new Set(propertyPaths(actual));
    const covered = exPaths.filter((p) => have.has(p)).length / exPaths.length;
    expect(covered).toBeGreaterThan(0.5);
  });

  it.each([
    ['ResourceWriteSuccess', 'writeEvent', 'eventgrid/event-grid-schema/resource_write_success.json'],
    ['ResourceDeleteSuccess', 'deleteEvent', 'eventgrid/event-grid-schema/resource_delete_success.json'],
  ])('%s event', (_n, key, example) => {
    const ex = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, example), 'utf8'));
    const actual = strip(bodies[key]);
    expect(compareShapes(actual, ex)).toEqual([]);
    expect(missingPaths(actual, ['id', 'topic', 'subject', 'eventType', 'eventTime', 'dataVersion', 'metadataVersion', 'data.operationName', 'data.resourceUri', 'data.subscriptionId', 'data.tenantId', 'data.status', 'data.authorization.action', 'data.correlationId'])).toEqual([]);
  });

  it('SubscriptionValidationEvent', () => {
    const ex = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, 'eventgrid/subscription_validation_event.json'), 'utf8'));
    expect(compareShapes(bodies.validation, ex)).toEqual([]);
    expect(missingPaths((bodies.validation as unknown[])[0], ['data.validationCode', 'data.validationUrl', 'eventType'])).toEqual([]);
  });
});
