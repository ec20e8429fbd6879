import { startTestHost, type TestHost } from './harness';

/**
 * The fixture app's HTTP starter calls `df.getClient(context).startNew(...)` and
 * `createCheckStatusResponse(...)` unchanged; the durable client binding devhost fills must make
 * the real durable-functions client reach devhost's own durable API.
 */
let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host?.stop());

interface CheckStatus {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  purgeHistoryDeleteUri: string;
}

async function waitForStatus(url: string, timeoutMs = 20000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await (await fetch(url)).json()) as Record<string, unknown>;
    if (['Completed', 'Failed', 'Terminated'].includes(String(body.runtimeStatus))) return body;
    if (Date.now() > deadline) throw new Error(`still ${String(body.runtimeStatus)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('df.getClient() in an HTTP starter, against devhost’s durable API', () => {
  it('startNew + createCheckStatusResponse: 202, Location and management URLs that point at this host', async () => {
    const res = await fetch(`${host.url}/api/orchestrators/helloSequence`, { method: 'POST', body: JSON.stringify({ names: ['Ada', 'Bob'] }) });
    expect(res.status).toBe(202);
    const links = (await res.json()) as CheckStatus;
    expect(links.id).toEqual(expect.any(String));
    expect(res.headers.get('location')).toBe(links.statusQueryGetUri);
    for (const uri of [links.statusQueryGetUri, links.sendEventPostUri, links.terminatePostUri, links.purgeHistoryDeleteUri]) {
      expect(uri.startsWith(`${host.url}/runtime/webhooks/durabletask/instances/${links.id}`)).toBe(true);
    }
    const status = await waitForStatus(links.statusQueryGetUri);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: ['Hello, Ada!', 'Hello, Bob!'] });
  });

  it('getStatus through the client in another function sees the same instance, with a caller-chosen id', async () => {
    const res = await fetch(`${host.url}/api/orchestrators/helloSequence/fixed-id-1`, { method: 'POST', body: JSON.stringify({ names: ['Cy'] }) });
    expect(res.status).toBe(202);
    await waitForStatus(`${host.url}/runtime/webhooks/durabletask/instances/fixed-id-1`);
    const viaClient = await (await fetch(`${host.url}/api/orchestrations/fixed-id-1`)).json();
    expect(viaClient).toEqual({ runtimeStatus: 'Completed', output: ['Hello, Cy!'], input: { names: ['Cy'] } });
  });

  it('createHttpManagementPayload without a request gives links to this host (WEBSITE_HOSTNAME is set for the app)', async () => {
    const links = (await (await fetch(`${host.url}/api/orchestrations/some-id/links`)).json()) as CheckStatus;
    expect(links.statusQueryGetUri.startsWith(`${host.url}/runtime/webhooks/durabletask/instances/some-id`)).toBe(true);
  });

  it('the orchestration and its activities are logged as invocations like any function', async () => {
    const res = await fetch(`${host.url}/api/orchestrators/helloSequence`, { method: 'POST', body: JSON.stringify({ names: ['Di'] }) });
    const { statusQueryGetUri } = (await res.json()) as CheckStatus;
    await waitForStatus(statusQueryGetUri);
    await host.waitForLines((l) => l.event === 'invocation' && l.functionName === 'sayHello' && l.outcome === 'Succeeded');
    await host.waitForLines((l) => l.event === 'invocation' && l.functionName === 'helloSequence' && l.outcome === 'Succeeded');
  });
});
