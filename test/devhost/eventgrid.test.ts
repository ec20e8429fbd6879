import { randomUUID } from 'node:crypto';
import { startTestHost, type TestHost } from './harness';

/** Event Grid deliveries to /runtime/webhooks/eventgrid as the real host serves them. */
let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host?.stop());

const webhook = (query: string, body: unknown, headers: Record<string, string> = {}, method = 'POST') =>
  fetch(`${host.url}/runtime/webhooks/eventgrid${query}`, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });

const egEvent = (id: string, subject = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe') => ({
  id,
  eventType: 'Microsoft.Resources.ResourceWriteSuccess',
  subject,
  eventTime: new Date().toISOString(),
  dataVersion: '2',
  metadataVersion: '1',
  topic: '/subscriptions/s',
  data: { operationName: 'Microsoft.Network/privateEndpoints/write' },
});
const cloudEvent = (id: string, subject = '/cloud') => ({
  specversion: '1.0',
  id,
  type: 'Microsoft.Resources.ResourceDeleteSuccess',
  source: '/subscriptions/s',
  subject,
  time: new Date().toISOString(),
  data: {},
});

/** How many times the function logged it handled event `id`. */
const handled = (id: string) => host.lines.filter((l) => l.functionName === 'onResourceEvent' && String(l.message).startsWith(`event id=${id} `));
/**
 * The invocation lines of the Event Grid function logged from line `from` on. The fixture's
 * timer `tick` runs every second, so only the function's own lines count as what a test caused.
 */
const invocationsSince = (from: number) => host.lines.slice(from).filter((l) => l.event === 'invocation' && l.functionName === 'onResourceEvent');

describe('Event Grid deliveries: one invocation per event', () => {
  it.each([
    ['an Event Grid schema array of three', (p: string) => [egEvent(`${p}-1`), egEvent(`${p}-2`), egEvent(`${p}-3`)], {}, 3],
    ['a single CloudEvent', (p: string) => cloudEvent(`${p}-1`), { 'content-type': 'application/cloudevents+json' }, 1],
    ['a CloudEvents batch of two', (p: string) => [cloudEvent(`${p}-1`), cloudEvent(`${p}-2`)], { 'content-type': 'application/cloudevents-batch+json' }, 2],
  ])('%s', async (_s, build, headers, count) => {
    const prefix = randomUUID();
    const res = await webhook('?functionName=onResourceEvent', build(prefix), { 'aeg-event-type': 'Notification', ...headers });
    expect(res.status).toBe(200);
    for (let i = 1; i <= count; i++) expect(handled(`${prefix}-${i}`)).toHaveLength(1);
    expect(host.lines.filter((l) => String(l.message).includes(prefix))).toHaveLength(count);
  });

  it('the function name is matched case-insensitively, like the host', async () => {
    const id = randomUUID();
    expect((await webhook('?functionName=ONRESOURCEEVENT', [egEvent(id)])).status).toBe(200);
    expect(handled(id)).toHaveLength(1);
  });

  it('a batch with one failing event answers 500 (so Event Grid retries) and still handles the others once', async () => {
    const [good, bad] = [randomUUID(), randomUUID()];
    const res = await webhook('?functionName=onResourceEvent', [egEvent(good), egEvent(bad, '/please-fail')]);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toMatch(/cannot handle|at /);
    expect(handled(good)).toHaveLength(1);
    expect(handled(bad)).toHaveLength(1);
    // The invocation that handled the failing event (its app line names the invocation) is the one logged Failed.
    const outcomeOf = (id: string) => host.lines.find((l) => l.event === 'invocation' && l.invocationId === handled(id)[0].invocationId)?.outcome;
    expect([outcomeOf(good), outcomeOf(bad)]).toEqual(['Succeeded', 'Failed']);
  });
});

describe('Event Grid handshakes', () => {
  it('SubscriptionValidation is answered with the validation code and invokes nothing', async () => {
    const id = randomUUID();
    const from = host.lines.length;
    const res = await webhook(
      '?functionName=onResourceEvent',
      [{ id, eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', subject: '', data: { validationCode: 'CODE-42', validationUrl: 'https://x' }, dataVersion: '2', eventTime: new Date().toISOString() }],
      { 'aeg-event-type': 'SubscriptionValidation' },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: 'CODE-42' });
    // The reply comes after any invocation the request made, so these would be logged by now.
    expect(handled(id)).toEqual([]);
    expect(invocationsSince(from)).toEqual([]);
  });

  it('the CloudEvents OPTIONS handshake echoes WebHook-Request-Origin in WebHook-Allowed-Origin', async () => {
    const res = await webhook('?functionName=onResourceEvent', undefined, { 'WebHook-Request-Origin': 'eventgrid.azure.net' }, 'OPTIONS');
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });
});

describe('Event Grid requests that are refused', () => {
  it.each([
    ['an unknown function', 404, '?functionName=nope', [egEvent('x')], {}, 'POST'],
    ['a function that is not an Event Grid trigger', 404, '?functionName=hello', [egEvent('x')], {}, 'POST'],
    ['no functionName', 400, '', [egEvent('x')], {}, 'POST'],
    ['a body that is not JSON', 400, '?functionName=onResourceEvent', 'nope{', {}, 'POST'],
    ['an empty array', 400, '?functionName=onResourceEvent', [], {}, 'POST'],
    ['objects that are not events', 400, '?functionName=onResourceEvent', [{ hello: 1 }], {}, 'POST'],
    ['a validation without a code', 400, '?functionName=onResourceEvent', [{ id: 'v', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: {} }], { 'aeg-event-type': 'SubscriptionValidation' }, 'POST'],
    ['GET', 405, '?functionName=onResourceEvent', undefined, {}, 'GET'],
  ])('%s -> %d', async (_s, status, query, body, headers, method) => {
    const res = await webhook(query, body, headers, method);
    expect(res.status).toBe(status);
  });
});
