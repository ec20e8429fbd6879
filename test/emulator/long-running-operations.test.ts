import { IDS } from './helpers/emulator';
import { emulatorPerFile } from './helpers/per-file';
import { lbBody } from './helpers/network-fixtures';

/**
 * Long-running operations as ARM answers them (AZURE-RULES.md, LRO-n): the first status poll of
 * every operation is InProgress (counted, not timed), and a failed operation carries its code and
 * message to the poller.
 */
const t = emulatorPerFile();

const VNETS = `/subscriptions/${IDS.hubSub}/resourceGroups/${IDS.hubRg}/providers/Microsoft.Network/virtualNetworks`;
const API = 'api-version=2025-05-01';

/** Starts a virtual network write or delete (raw, so the test sees every header) and returns the answer. */
async function start(method: 'PUT' | 'DELETE', name: string) {
  const body = { location: IDS.location, properties: { addressSpace: { addressPrefixes: ['10.77.0.0/16'] } } };
  if (method === 'DELETE') await t().raw('PUT', `${VNETS}/${name}?${API}`, { body });
  await t().control('POST', '/operations/settle');
  const r = await t().raw(method, `${VNETS}/${name}?${API}`, method === 'PUT' ? { body } : {});
  return { status: r.status, asyncOp: String(r.headers['azure-asyncoperation']), location: r.headers.location ? String(r.headers.location) : undefined };
}

const pathOf = (url: string) => url.replace(/^https:\/\/[^/]+/, '');

describe('LRO-1 the first status poll of every operation is InProgress', () => {
  it.each([
    ['create (Azure-AsyncOperation)', 'PUT' as const],
    ['delete (Azure-AsyncOperation)', 'DELETE' as const],
  ])('%s: InProgress with Retry-After, then Succeeded, though the operation ended at once', async (_what, method) => {
    const op = await start(method, `vnet-${method.toLowerCase()}`);
    // lroDelayMs is 0: the operation is over before the first poll; the poll still says InProgress.
    const first = await t().raw<{ status: string }>('GET', pathOf(op.asyncOp));
    const second = await t().raw<{ status: string }>('GET', pathOf(op.asyncOp));
    expect([first.body.status, first.headers['retry-after'] !== undefined, second.body.status]).toEqual(['InProgress', true, 'Succeeded']);
  });

  it('delete (Location): 202 with Retry-After first, then the final answer', async () => {
    const op = await start('DELETE', 'vnet-location');
    const first = await t().raw('GET', pathOf(op.location as string));
    const second = await t().raw('GET', pathOf(op.location as string));
    expect([first.status, first.headers['retry-after'] !== undefined, second.status]).toEqual([202, true, 204]);
  });

  it('an SDK poller polls until the operation is over', async () => {
    const lb = await t().network().loadBalancers.beginCreateOrUpdateAndWait(IDS.hubRg, 'lb-sdk', lbBody('lb-sdk'));
    const polls = (await t().control<{ value: { path: string }[] }>('GET', '/requests')).body.value.filter((e) => /\/operations\//.test(e.path));
    expect([lb.provisioningState, polls.length]).toEqual(['Succeeded', 2]);
  });
});

describe('LRO-2 a failed operation carries its code and message', () => {
  const fault = (type: string) => ({ kind: 'failLro', method: 'PUT', resourceType: `Microsoft.Network/${type}`, count: 1, code: 'InvalidResourceReference', message: 'A referenced resource is not valid (injected).' });

  it('Azure-AsyncOperation: {status: Failed, error: {code, message}} after the first poll', async () => {
    await t().control('POST', '/faults', fault('virtualNetworks'));
    const op = await start('PUT', 'vnet-fails');
    const first = await t().raw<{ status: string; error?: unknown }>('GET', pathOf(op.asyncOp));
    const second = await t().raw<{ status: string; error?: unknown }>('GET', pathOf(op.asyncOp));
    expect([first.body.status, first.body.error]).toEqual(['InProgress', undefined]);
    expect([second.body.status, second.body.error]).toEqual(['Failed', { code: 'InvalidResourceReference', message: 'A referenced resource is not valid (injected).' }]);
  });

  it('the arm-network poller: begin returns (first poll InProgress), waiting throws a plain Error naming the code and message', async () => {
    await t().control('POST', '/faults', fault('loadBalancers'));
    const poller = await t().network().loadBalancers.beginCreateOrUpdate(IDS.hubRg, 'lb-sdk-fails', lbBody('lb-sdk-fails'));
    const err = (await poller.pollUntilDone().catch((e: unknown) => e)) as { message: string; statusCode?: number };
    expect([err.message, err.statusCode]).toEqual(['The long-running operation has failed. InvalidResourceReference. A referenced resource is not valid (injected).', undefined]);
  });
});
