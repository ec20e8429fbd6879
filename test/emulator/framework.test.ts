import { startTestEmulator, IDS, type TestEmulator } from './helpers/emulator';
import { storedResourceHandlers } from '../../tools/emulator/arm/stored-resource';
import type { EmulatorProvider } from '../../tools/emulator/providers';

/**
 * The ARM front door and the provider extension point, exercised with a throwaway provider
 * (Test.Widgets/widgets) registered the way the compute/container providers register theirs.
 */
const widgetProvider: EmulatorProvider = {
  name: 'test-widgets',
  resourceTypes: [
    {
      ...storedResourceHandlers({
        type: 'Test.Widgets/widgets',
        longRunning: true,
        tracked: true,
        patch: 'tags',
        provisioningState: true,
        build: (_ctx, { body }) => ({ body: { properties: { size: (body.properties as { size?: number } | undefined)?.size ?? 1 } } }),
      }),
      // Not an Azure type: it declares the api-versions ARM would have registered for it.
      apiVersions: ['1'],
    },
  ],
};

const WIDGET = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Test.Widgets/widgets`;

let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator({ providers: [widgetProvider] });
});
afterAll(async () => t.stop());
beforeEach(async () => {
  await t.control('POST', '/reset');
});

describe('ARM front door', () => {
  it.each([
    ['no Authorization header', null, 401, 'AuthenticationFailed'],
    ['Authorization without Bearer', 'x', 401, 'InvalidAuthenticationToken'],
  ])('%s', async (_name, token, status, code) => {
    const headers = token === 'x' ? { authorization: 'Basic abc' } : undefined;
    const r = await t.raw<{ error: { code: string } }>('GET', `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}?api-version=2021-04-01`, { token: null, headers });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
  });

  it.each([
    ['missing api-version', `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}`, 400, 'MissingApiVersionParameter'],
    ['unknown resource group', `/subscriptions/${IDS.hubSub}/resourceGroups/nope/providers/Microsoft.Network/loadBalancers/lb?api-version=2024-07-01`, 404, 'ResourceGroupNotFound'],
    ['unknown subscription', `/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/x?api-version=2021-04-01`, 404, 'SubscriptionNotFound'],
    ['unregistered type', `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Nope.Things/things/a?api-version=1`, 400, 'NoRegisteredProviderFound'],
    ['missing widget', `${WIDGET}/none?api-version=1`, 404, 'ResourceNotFound'],
  ])('%s', async (_name, p, status, code) => {
    const r = await t.raw<{ error: { code: string; message: string } }>('GET', p);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(r.body.error.message.length).toBeGreaterThan(10);
  });

  it.each([
    ['double slash before subscriptions', `//subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}?api-version=2021-04-01`],
    ['encoded api%2Dversion', `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}?api%2Dversion=2021-04-01`],
    ['case-insensitive segments', `/SUBSCRIPTIONS/${IDS.hubSub}/RESOURCEGROUPS/RG-HUB?api-version=2021-04-01`],
  ])('accepts %s', async (_name, p) => {
    const r = await t.raw<{ id: string; name: string }>('GET', p);
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(`/subscriptions/${IDS.hubSub}/resourceGroups/rg-hub`);
  });

  it.each([
    ['malformed JSON', '{"location":', 'InvalidRequestFormat'],
    ['array body', [1, 2], 'InvalidRequestFormat'],
    ['missing location', { properties: {} }, 'LocationRequired'],
  ])('PUT with %s -> 400', async (_name, body, code) => {
    const r = await t.raw<{ error: { code: string } }>('PUT', `${WIDGET}/w1?api-version=1`, typeof body === 'string' ? { rawBody: body } : { body });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(code);
  });
});

describe('provider extension point (stored resource with LRO)', () => {
  it('PUT answers 201 + Azure-AsyncOperation, the operation succeeds, GET shows Succeeded with a new etag', async () => {
    const put = await t.raw<{ properties: { provisioningState: string }; etag: string }>('PUT', `${WIDGET}/w1?api-version=1`, { body: { location: 'westeurope', tags: { a: 'b' }, properties: { size: 3 } } });
    expect(put.status).toBe(201);
    expect(put.body.properties.provisioningState).toBe('Creating');
    const op = new URL(put.headers['azure-asyncoperation'] as string);
    // The first poll of every operation says InProgress (AZURE-RULES LRO-1); the next one the outcome.
    const first = await t.raw<{ status: string }>('GET', op.pathname + op.search);
    const status = await t.raw<{ status: string }>('GET', op.pathname + op.search);
    expect([first.body.status, status.body.status]).toEqual(['InProgress', 'Succeeded']);
    const get = await t.raw<{ properties: { provisioningState: string; size: number }; etag: string; tags: Record<string, string> }>('GET', `${WIDGET}/w1?api-version=1`);
    expect(get.body).toMatchObject({ properties: { provisioningState: 'Succeeded', size: 3 }, tags: { a: 'b' } });
    const again = await t.raw<{ etag: string }>('PUT', `${WIDGET}/w1?api-version=1`, { body: { location: 'westeurope', properties: { size: 4 } } });
    expect(again.status).toBe(200);
    expect(again.body.etag).not.toBe(put.body.etag);
  });

  it.each([
    ['If-None-Match * on existing', { 'if-none-match': '*' }, 412],
    ['stale If-Match', { 'if-match': 'W/"stale"' }, 412],
  ])('%s -> PreconditionFailed', async (_n, headers, status) => {
    await t.raw('PUT', `${WIDGET}/w2?api-version=1`, { body: { location: 'westeurope' } });
    const r = await t.raw<{ error: { code: string } }>('PUT', `${WIDGET}/w2?api-version=1`, { body: { location: 'westeurope' }, headers });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe('PreconditionFailed');
  });

  it('a failLro fault ends the operation Failed and the resource provisioningState Failed', async () => {
    await t.control('POST', '/faults', { kind: 'failLro', method: 'PUT', resourceType: 'Test.Widgets/widgets', count: 1, code: 'AllocationFailed' });
    const put = await t.raw('PUT', `${WIDGET}/w3?api-version=1`, { body: { location: 'westeurope' } });
    const op = new URL(put.headers['azure-asyncoperation'] as string);
    await t.raw('GET', op.pathname + op.search); // first poll: InProgress (LRO-1)
    const status = await t.raw<{ status: string; error: { code: string } }>('GET', op.pathname + op.search);
    expect(status.body).toMatchObject({ status: 'Failed', error: { code: 'AllocationFailed' } });
    const get = await t.raw<{ properties: { provisioningState: string } }>('GET', `${WIDGET}/w3?api-version=1`);
    expect(get.body.properties.provisioningState).toBe('Failed');
  });

  it('the request log records method, path, api-version, status and kind, and can be cleared', async () => {
    await t.control('DELETE', '/requests');
    await t.raw('PUT', `${WIDGET}/w4?api-version=1`, { body: { location: 'westeurope' } });
    await t.raw('GET', `${WIDGET}/w4?api-version=1`);
    await t.raw('DELETE', `${WIDGET}/w4?api-version=1`);
    const log = await t.control<{ value: Array<{ method: string; path: string; apiVersion: string; status: number; kind: string }> }>('GET', '/requests');
    expect(log.body.value.map((e) => [e.method, e.status, e.kind, e.apiVersion])).toEqual([
      ['PUT', 201, 'write', '1'],
      ['GET', 200, 'read', '1'],
      ['DELETE', 202, 'delete', '1'],
    ]);
    expect(log.body.value[0].path).toBe(`${WIDGET}/w4`);
  });
});

describe('long-running operations with a delay', () => {
  afterEach(async () => {
    await t.control('PUT', '/settings', { lroDelayMs: 0 });
  });

  it('stay InProgress (Creating, second write 409) until due, then succeed; settle completes them on demand', async () => {
    await t.control('PUT', '/settings', { lroDelayMs: 60_000 });
    const put = await t.raw<{ properties: { provisioningState: string } }>('PUT', `${WIDGET}/slow?api-version=1`, { body: { location: 'westeurope' } });
    expect(put.headers['retry-after']).toBe('60');
    const op = new URL(put.headers['azure-asyncoperation'] as string);
    expect((await t.raw<{ status: string }>('GET', op.pathname + op.search)).body.status).toBe('InProgress');
    expect((await t.raw<{ properties: { provisioningState: string } }>('GET', `${WIDGET}/slow?api-version=1`)).body.properties.provisioningState).toBe('Creating');
    const second = await t.raw<{ error: { code: string } }>('PUT', `${WIDGET}/slow?api-version=1`, { body: { location: 'westeurope' } });
    expect([second.status, second.body.error.code]).toEqual([409, 'AnotherOperationInProgress']);
    expect((await t.control<{ value: Array<{ resourceId: string }> }>('GET', '/operations')).body.value.map((o) => o.resourceId)).toEqual([`${WIDGET}/slow`]);
    expect((await t.control('POST', '/operations/settle')).body).toEqual({ completed: 1 });
    expect((await t.raw<{ status: string }>('GET', op.pathname + op.search)).body.status).toBe('Succeeded');
    expect((await t.raw<{ properties: { provisioningState: string } }>('GET', `${WIDGET}/slow?api-version=1`)).body.properties.provisioningState).toBe('Succeeded');
  });

  it('a DELETE answers 202 with Location; the resource shows Deleting until the operation completes', async () => {
    await t.raw('PUT', `${WIDGET}/gone?api-version=1`, { body: { location: 'westeurope' } });
    await t.control('PUT', '/settings', { lroDelayMs: 60_000 });
    const del = await t.raw('DELETE', `${WIDGET}/gone?api-version=1`);
    expect(del.status).toBe(202);
    const loc = new URL(del.headers.location as string);
    expect((await t.raw('GET', loc.pathname + loc.search)).status).toBe(202);
    expect((await t.raw<{ properties: { provisioningState: string } }>('GET', `${WIDGET}/gone?api-version=1`)).body.properties.provisioningState).toBe('Deleting');
    await t.control('POST', '/operations/settle');
    expect((await t.raw('GET', loc.pathname + loc.search)).status).toBe(204);
    expect((await t.raw('GET', `${WIDGET}/gone?api-version=1`)).status).toBe(404);
  });
});

describe('tracked resource body checks', () => {
  it.each([
    ['tags that are not strings', { location: 'westeurope', tags: { a: 1 } }, 'InvalidParameter', ['tags']],
    ['no location and bad tags (both named)', { tags: [] }, 'InvalidParameter', ['location', 'tags']],
  ])('%s -> 400', async (_n, body, code, named) => {
    const r = await t.raw<{ error: { code: string; message: string } }>('PUT', `${WIDGET}/tagged?api-version=1`, { body });
    expect([r.status, r.body.error.code]).toEqual([400, code]);
    for (const n of named) expect(r.body.error.message).toContain(n);
  });
});

