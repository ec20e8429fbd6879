import { RestError } from '@azure/core-rest-pipeline';
import { startTestEmulator, IDS, type TestEmulator } from './helpers/emulator';
import { createForward, lbBody } from './helpers/network-fixtures';

/** Fault rules hit exactly what they match: method, resource type, count, rate. */
let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(async () => t.stop());
beforeEach(async () => {
  await t.control('POST', '/reset');
});

type LogEntry = { method: string; path: string; status: number; kind: string; resourceType?: string; fault?: string };
const log = async () => (await t.control<{ value: LogEntry[] }>('GET', '/requests')).body.value;
const VNETS = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/virtualNetworks`;

describe('throttling and errors through the SDK', () => {
  it('one 429 with Retry-After: the SDK waits, retries and succeeds; the log shows 429 then 200', async () => {
    const rule = await t.control<{ id: string }>('POST', '/faults', { kind: 'throttle', method: 'GET', resourceType: 'Microsoft.Network/virtualNetworks', count: 1, retryAfterSeconds: 0 });
    await t.control('DELETE', '/requests');
    const v = await t.network().virtualNetworks.get(IDS.hubRg, 'vnet-hub');
    expect(v.name).toBe('vnet-hub');
    expect((await log()).map((e) => [e.status, e.fault ?? null])).toEqual([
      [429, rule.body.id],
      [200, null],
    ]);
  });

  it('persistent 429s surface to the caller as RestError 429 with Retry-After', async () => {
    await t.control('POST', '/faults', { kind: 'throttle', method: 'GET', resourceType: 'Microsoft.Network/virtualNetworks', count: 10, retryAfterSeconds: 0 });
    const e = await t.network().virtualNetworks.get(IDS.hubRg, 'vnet-hub').then(
      () => undefined,
      (x: RestError) => x,
    );
    expect(e?.statusCode).toBe(429);
    expect(e?.response?.headers.get('retry-after')).toBe('0');
    expect(e?.code).toBe('TooManyRequests');
  });

  it('a 500 on PUT is retried by the SDK pipeline and the write lands once', async () => {
    await t.control('POST', '/faults', { kind: 'error', method: 'PUT', resourceType: 'Microsoft.Network/loadBalancers', count: 1 });
    await t.control('DELETE', '/requests');
    const net = t.network(IDS.hubSub, { retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 10 } });
    const lb = await net.loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-a', lbBody('lb-a'));
    expect(lb.provisioningState).toBe('Succeeded');
    const puts = (await log()).filter((e) => e.method === 'PUT');
    expect(puts.map((e) => e.status)).toEqual([500, 201]);
  });

  it('failLro: the PUT is accepted but the operation fails; the SDK reports the ARM error and the resource is Failed', async () => {
    await t.control('POST', '/faults', { kind: 'failLro', method: 'PUT', resourceType: 'Microsoft.Network/privateLinkServices', count: 1, code: 'PrivateLinkServiceProvisioningFailed', message: 'injected' });
    const e = await createForward(t.network(), 'a').then(
      () => undefined,
      (x: Error) => x,
    );
    expect(e?.message).toContain('injected');
    const pls = await t.network().privateLinkServices.get(IDS.hubRg, 'pls-a');
    expect(pls.provisioningState).toBe('Failed');
  });
});

describe('matching', () => {
  it.each([
    ['GET on the matched type only', { method: 'GET', resourceType: 'Microsoft.Network/virtualNetworks' }, [['GET', VNETS, 503], ['GET', `${VNETS}/vnet-hub`, 503], ['PUT', `${VNETS}/v2`, 201], ['GET', `/subscriptions/${IDS.hubSub}/resourceGroups/rg-hub`, 200]]],
    ['any method on the type', { resourceType: 'microsoft.network/VIRTUALNETWORKS' }, [['GET', `${VNETS}/vnet-hub`, 503], ['PUT', `${VNETS}/v2`, 503], ['GET', `/subscriptions/${IDS.hubSub}/resourceGroups/rg-hub`, 200]]],
    ['DELETE only', { method: 'DELETE' }, [['GET', `${VNETS}/vnet-hub`, 200], ['DELETE', `${VNETS}/none`, 503]]],
  ])('%s', async (_n, match, calls) => {
    await t.control('POST', '/faults', { kind: 'error', status: 503, count: 100, ...match });
    for (const [method, path, status] of calls as Array<[string, string, number]>) {
      const body = method === 'PUT' ? { location: 'westeurope', properties: { addressSpace: { addressPrefixes: ['10.8.0.0/16'] } } } : undefined;
      const r = await t.raw(method, `${path}?api-version=2024-07-01`, { body });
      expect([method, path, r.status]).toEqual([method, path, status]);
    }
  });

  it.each([
    ['count 2 fires on the first two matches', { count: 2 }, [429, 429, 200, 200]],
    ['rate 0.5 fires on every second match', { rate: 0.5 }, [200, 429, 200, 429]],
    ['rate 0.5 with count 1 fires once', { rate: 0.5, count: 1 }, [200, 429, 200, 200]],
  ])('%s', async (_n, how, statuses) => {
    const rule = await t.control<{ id: string }>('POST', '/faults', { kind: 'throttle', method: 'GET', resourceType: 'Microsoft.Network/virtualNetworks', retryAfterSeconds: 7, ...how });
    const got: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await t.raw('GET', `${VNETS}/vnet-hub?api-version=2024-07-01`);
      got.push(r.status);
      if (r.status === 429) expect(r.headers['retry-after']).toBe('7');
    }
    expect(got).toEqual(statuses);
    const rules = await t.control<{ value: Array<{ id: string; fired: number }> }>('GET', '/faults');
    expect(rules.body.value.find((r) => r.id === rule.body.id)?.fired).toBe(statuses.filter((s) => s === 429).length);
  });

  it('latency rules delay but answer normally, and count what they hit', async () => {
    await t.control('POST', '/faults', { kind: 'latency', latencyMs: 20, method: 'GET', resourceType: 'Microsoft.Network/virtualNetworks', count: 1 });
    expect((await t.raw('GET', `${VNETS}/vnet-hub?api-version=2024-07-01`)).status).toBe(200);
    const rules = await t.control<{ value: Array<{ fired: number }> }>('GET', '/faults');
    expect(rules.body.value[0].fired).toBe(1);
  });

  it.each([
    ['no kind', { count: 1 }],
    ['neither count nor rate', { kind: 'throttle' }],
    ['rate above 1 and status 404 (both named)', { kind: 'error', rate: 2, status: 404 }],
    ['latency without latencyMs', { kind: 'latency', count: 1 }],
  ])('rule with %s -> 400', async (_n, body) => {
    const r = await t.control<{ error: { message: string } }>('POST', '/faults', body);
    expect(r.status).toBe(400);
    if (_n.includes('both named')) {
      expect(r.body.error.message).toContain('rate');
      expect(r.body.error.message).toContain('status');
    }
  });

  it('removing a rule stops it; reset clears all rules', async () => {
    const rule = await t.control<{ id: string }>('POST', '/faults', { kind: 'error', count: 5 });
    expect((await t.control('DELETE', `/faults/${rule.body.id}`)).status).toBe(204);
    expect((await t.raw('GET', `${VNETS}/vnet-hub?api-version=2024-07-01`)).status).toBe(200);
    await t.control('POST', '/faults', { kind: 'error', count: 5 });
    await t.control('POST', '/reset');
    expect((await t.control<{ value: unknown[] }>('GET', '/faults')).body.value).toEqual([]);
  });
});
