import { POLL, startTestEmulator, IDS, type TestEmulator } from '../helpers/emulator';
import { startWebhook, type Webhook } from '../helpers/webhook';
import { createForward, lbBody } from '../helpers/network-fixtures';
import { storedResourceHandlers } from '../../../tools/emulator/arm/stored-resource';
import { longRunningAction } from '../../../tools/emulator/arm/actions';
import type { EmulatorProvider } from '../../../tools/emulator/providers';

/**
 * Event Grid delivery: handshake, filters, retries with backoff, the duplicate/reorder/delay
 * switches, and the write/delete/action events of real SDK calls.
 */
const widgets = storedResourceHandlers({ type: 'Test.Widgets/widgets', longRunning: true, tracked: true, provisioningState: true, build: () => ({ body: { properties: {} } }) });
const widgetProvider: EmulatorProvider = {
  name: 'test-widgets-events',
  resourceTypes: [
    {
      ...widgets,
      apiVersions: ['1'],
      actions: {
        restart: (ctx) => longRunningAction(ctx, { resourceId: ctx.req.path.parentId, resourceType: 'Test.Widgets/widgets', action: 'restart', run: () => ({ restarted: true }) }),
      },
    },
  ],
};
const WIDGET = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Test.Widgets/widgets/w1`;

let t: TestEmulator;
let hook: Webhook;
beforeAll(async () => {
  // A wide reorder window so a slow CI machine still publishes both test events in one burst.
  t = await startTestEmulator({ providers: [widgetProvider], eventGrid: { retryDelaysMs: [10, 20, 40], reorderWindowMs: 500 } });
  hook = await startWebhook();
});
afterAll(async () => {
  await hook.close();
  await t.stop();
});
beforeEach(async () => {
  await t.control('POST', '/reset');
  hook.events.length = 0;
  hook.requests.length = 0;
  hook.refuseValidation = false;
  hook.failNext(0);
});

const subscribe = (extra: Record<string, unknown> = {}) => t.control<{ name: string }>('POST', '/eventgrid/subscriptions', { endpointUrl: hook.url, ...extra });
const lbId = (n: string) => `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/loadBalancers/${n}`;
const idle = () => t.emu.runtime.events.idle();

describe('subscription handshake', () => {
  it('sends SubscriptionValidationEvent with aeg-event-type SubscriptionValidation before any event', async () => {
    const r = await subscribe({ name: 'first' });
    expect(r.status).toBe(201);
    expect(hook.requests[0]).toEqual({ eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', aegEventType: 'SubscriptionValidation', status: 200 });
  });

  it.each([
    ['webhook that does not echo the code', () => ({ endpointUrl: hook.url, refuse: true }), 'WebhookValidationHandshakeFailed'],
    ['endpoint that is not loopback', () => ({ endpointUrl: 'http://10.0.0.1/x' }), 'InvalidParameter'],
    ['missing endpoint', () => ({}), 'InvalidParameter'],
    ['advanced filter with an unknown operator', () => ({ endpointUrl: hook.url, advancedFilters: [{ operatorType: 'NumberIn', key: 'data.x', values: [] }] }), 'InvalidParameter'],
  ])('%s -> 400', async (_n, body, code) => {
    const b = body() as Record<string, unknown>;
    hook.refuseValidation = b.refuse === true;
    delete b.refuse;
    const r = await t.control<{ error: { code: string } }>('POST', '/eventgrid/subscriptions', b);
    expect([r.status, r.body.error.code]).toEqual([400, code]);
    expect((await t.control<{ value: unknown[] }>('GET', '/eventgrid/subscriptions')).body.value).toEqual([]);
  });
});

describe('reset', () => {
  it.each([
    ['plain reset drops event subscriptions', undefined, 0],
    ['keepEventSubscriptions keeps them', { keepEventSubscriptions: true }, 1],
  ])('%s', async (_n, body, left) => {
    await subscribe();
    expect((await t.control('POST', '/reset', body)).status).toBe(200);
    expect((await t.control<{ value: unknown[] }>('GET', '/eventgrid/subscriptions')).body.value).toHaveLength(left);
  });

  it('reset with an unknown option -> 400', async () => {
    expect((await t.control('POST', '/reset', { everything: true })).status).toBe(400);
  });
});

describe('events of SDK calls', () => {
  it('LB create and delete publish ResourceWriteSuccess then ResourceDeleteSuccess with operationName and subject', async () => {
    await subscribe();
    const net = t.network();
    await net.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'), POLL);
    await net.loadBalancers.beginDeleteAndWait(IDS.hubRg, 'lb-a', POLL);
    const events = await hook.waitFor((es) => es.length >= 2);
    expect(events.map((e) => [e.eventType, e.subject, e.data.operationName, e.topic])).toEqual([
      ['Microsoft.Resources.ResourceWriteSuccess', lbId('lb-a'), 'Microsoft.Network/loadBalancers/write', `/subscriptions/${IDS.hubSub}`],
      ['Microsoft.Resources.ResourceDeleteSuccess', lbId('lb-a'), 'Microsoft.Network/loadBalancers/delete', `/subscriptions/${IDS.hubSub}`],
    ]);
    expect(events[0].headers['aeg-event-type']).toBe('Notification');
  });

  it('reads publish nothing; an action publishes ResourceActionSuccess when its operation completes', async () => {
    await subscribe();
    await t.raw('PUT', `${WIDGET}?api-version=1`, { body: { location: 'westeurope' } });
    await t.raw('GET', `${WIDGET}?api-version=1`);
    const post = await t.raw('POST', `${WIDGET}/restart?api-version=1`);
    expect(post.status).toBe(202);
    const loc = new URL(post.headers.location as string);
    // The first poll of every operation answers 202 InProgress (AZURE-RULES LRO-1); the next one the result.
    const first = await t.raw('GET', loc.pathname + loc.search);
    const result = await t.raw<{ restarted: boolean }>('GET', loc.pathname + loc.search);
    expect([first.status, result.body]).toEqual([202, { restarted: true }]);
    const events = await hook.waitFor((es) => es.length >= 2);
    await idle();
    expect(hook.events.map((e) => [e.eventType, e.data.operationName])).toEqual([
      ['Microsoft.Resources.ResourceWriteSuccess', 'Test.Widgets/widgets/write'],
      ['Microsoft.Resources.ResourceActionSuccess', 'Test.Widgets/widgets/restart/action'],
    ]);
    expect(events[1].subject).toBe(WIDGET);
  });
});

describe('filters', () => {
  it.each([
    ['includedEventTypes', { includedEventTypes: ['Microsoft.Resources.ResourceDeleteSuccess'] }, ['delete lb-a', 'delete lb-b']],
    ['subjectBeginsWith', { subjectBeginsWith: lbId('lb-b') }, ['write lb-b', 'delete lb-b']],
    ['advanced filter StringIn on data.operationName (case-insensitive)', { advancedFilters: [{ operatorType: 'StringIn', key: 'data.operationName', values: ['microsoft.network/loadbalancers/delete'] }] }, ['delete lb-a', 'delete lb-b']],
    ['topicSubscriptionId of another subscription', { topicSubscriptionId: IDS.consumerSub }, []],
  ])('%s', async (_n, filter, expected) => {
    await subscribe(filter);
    const net = t.network();
    for (const n of ['lb-a', 'lb-b']) {
      await net.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, n, lbBody(n), POLL);
      await net.loadBalancers.beginDeleteAndWait(IDS.hubRg, n, POLL);
    }
    await idle();
    expect(hook.events.map((e) => `${e.eventType.endsWith('DeleteSuccess') ? 'delete' : 'write'} ${e.subject.split('/').pop()}`)).toEqual(expected);
  });
});

describe('delivery guarantees and test switches', () => {
  it('non-2xx answers are retried with backoff and logged until delivered', async () => {
    await subscribe({ name: 'retry' });
    hook.failNext(2, 503);
    await t.raw('PUT', `${WIDGET}?api-version=1`, { body: { location: 'westeurope' } });
    await hook.waitFor((es) => es.length === 1);
    await idle();
    const log = await t.control<{ value: Array<{ attempt: number; status: number; outcome: string }> }>('GET', '/eventgrid/deliveries');
    expect(log.body.value.map((d) => [d.attempt, d.status, d.outcome])).toEqual([
      [1, 200, 'validated'],
      [1, 503, 'retrying'],
      [2, 503, 'retrying'],
      [3, 200, 'delivered'],
    ]);
  });

  it('a webhook that keeps failing gets the configured attempts, then the event is dropped', async () => {
    await subscribe();
    hook.failNext(100);
    await t.raw('PUT', `${WIDGET}?api-version=1`, { body: { location: 'westeurope' } });
    await t.raw('GET', `${WIDGET}?api-version=1`); // settles the operation, which publishes the event
    await idle();
    const log = await t.control<{ value: Array<{ outcome: string }> }>('GET', '/eventgrid/deliveries');
    // retryDelaysMs [10, 20, 40] in the test helper = 4 attempts.
    expect(log.body.value.map((d) => d.outcome)).toEqual(['validated', 'retrying', 'retrying', 'retrying', 'dropped']);
    expect(hook.events).toEqual([]);
  });

  it.each([
    ['duplicate: every event arrives twice', { duplicate: true }, (ids: string[], published: string[]) => ids.length === 4 && published.every((p) => ids.filter((i) => i === p).length === 2)],
    ['reorder: a burst arrives in reverse order', { reorder: true }, (ids: string[], published: string[]) => JSON.stringify(ids) === JSON.stringify([...published].reverse())],
  ])('switch %s', async (_n, switches, check) => {
    await subscribe();
    expect((await t.control('PUT', '/eventgrid/switches', switches)).status).toBe(200);
    await t.raw('PUT', `${WIDGET}?api-version=1`, { body: { location: 'westeurope' } });
    await t.raw('PUT', `${WIDGET.replace('w1', 'w2')}?api-version=1`, { body: { location: 'westeurope' } });
    // Complete both operations in one burst so they are published together.
    await t.raw('GET', `${WIDGET}?api-version=1`);
    await idle();
    const published = t.emu.runtime.events.published.map((e) => e.id);
    const ids = hook.events.map((e) => e.id);
    expect(published).toHaveLength(2);
    expect(check(ids, published)).toBe(true);
  });

  it('switch delayMs holds deliveries back', async () => {
    await subscribe();
    await t.control('PUT', '/eventgrid/switches', { delayMs: 1000 });
    await t.raw('PUT', `${WIDGET}?api-version=1`, { body: { location: 'westeurope' } });
    await t.raw('GET', `${WIDGET}?api-version=1`);
    expect(t.emu.runtime.events.published).toHaveLength(1);
    expect(hook.events).toHaveLength(0);
    await hook.waitFor((es) => es.length === 1);
  });

  it.each([
    ['unknown switch', { fast: true }],
    ['negative delay', { delayMs: -1 }],
  ])('switches with %s -> 400', async (_n, body) => {
    expect((await t.control('PUT', '/eventgrid/switches', body)).status).toBe(400);
  });
});

describe('provider-side connection events (switch providerConnectionEvents)', () => {
  const CONN_WRITE = 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write';
  const CONN_DELETE = 'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete';

  /** LB + PLS in the hub (their events published before the subscriptions exist), then one subscription per topic. */
  async function setup(): Promise<void> {
    await createForward(t.network(IDS.hubSub), 'a');
    await idle();
    await subscribe({ name: 'hub-topic', topicSubscriptionId: IDS.hubSub });
    await subscribe({ name: 'consumer-topic', topicSubscriptionId: IDS.consumerSub });
  }
  const peBody = (plsId: string) => ({ location: IDS.location, subnet: { id: IDS.spokeLinked }, manualPrivateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: plsId }] });
  const plsId = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/privateLinkServices/pls-a`;
  const seen = (topicSub: string) => hook.events.filter((e) => e.topic === `/subscriptions/${topicSub}`).map((e) => String(e.data.operationName));

  it('defaults to on and reset restores it; a non-boolean -> 400', async () => {
    expect((await t.control('GET', '/eventgrid/switches')).body).toEqual({ duplicate: false, reorder: false, delayMs: 0, providerConnectionEvents: true });
    expect((await t.control('PUT', '/eventgrid/switches', { providerConnectionEvents: false })).body).toMatchObject({ providerConnectionEvents: false });
    await t.control('POST', '/reset');
    expect((await t.control('GET', '/eventgrid/switches')).body).toMatchObject({ providerConnectionEvents: true });
    const bad = await t.control<{ error: { message: string } }>('PUT', '/eventgrid/switches', { providerConnectionEvents: 'no' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('providerConnectionEvents');
  });

  it('on (default): a consumer creating an endpoint publishes the Pending connection write on the hub topic', async () => {
    await setup();
    await t.network(IDS.consumerSub).privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', peBody(plsId), POLL);
    await hook.waitFor((es) => es.length >= 2);
    await idle();
    expect(seen(IDS.hubSub)).toEqual([CONN_WRITE]);
    expect(hook.events.find((e) => e.topic === `/subscriptions/${IDS.hubSub}`)?.subject).toMatch(/\/privateLinkServices\/pls-a\/privateEndpointConnections\/pe-a\.[0-9a-f-]{36}$/);
    expect(seen(IDS.consumerSub)).toEqual(['Microsoft.Network/privateEndpoints/write']);
  });

  it('off: creating and deleting an endpoint publish nothing on the hub topic; consumer-side events and provider approvals still go out', async () => {
    await t.control('PUT', '/eventgrid/switches', { providerConnectionEvents: false });
    await setup();
    const consumer = t.network(IDS.consumerSub);
    await consumer.privateEndpoints.beginCreateOrUpdateAndWait(IDS.spokeRg, 'pe-a', peBody(plsId), POLL);
    await idle();
    expect(seen(IDS.hubSub)).toEqual([]);
    expect(seen(IDS.consumerSub)).toEqual(['Microsoft.Network/privateEndpoints/write']);
    // The provider approving through ARM is its own write: published as always.
    const [conn] = (await t.network(IDS.hubSub).privateLinkServices.get(IDS.hubRg, 'pls-a')).privateEndpointConnections ?? [];
    await t.network(IDS.hubSub).privateLinkServices.updatePrivateEndpointConnection(IDS.hubRg, 'pls-a', conn.name as string, { privateLinkServiceConnectionState: { status: 'Approved' } });
    await idle();
    expect(seen(IDS.hubSub)).toEqual([CONN_WRITE]);
    hook.events.length = 0;
    await consumer.privateEndpoints.beginDeleteAndWait(IDS.spokeRg, 'pe-a', POLL);
    await idle();
    expect(seen(IDS.hubSub)).not.toContain(CONN_DELETE);
    expect(seen(IDS.hubSub)).toEqual([]);
    expect(seen(IDS.consumerSub)).toEqual(['Microsoft.Network/privateEndpoints/delete']);
  });
});
