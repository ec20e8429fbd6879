import { startTestHost } from './harness';

/** stop() lets requests in progress finish and turns new work away, like a host draining. */
describe('stopping devhost', () => {
  it('a request in progress finishes with its answer; a new one during the drain gets 503', async () => {
    const host = await startTestHost();
    const slow = fetch(`${host.url}/api/slow?ms=800`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await host.waitForLines(() => true); // the host is up and logging
    await new Promise((r) => setTimeout(r, 100)); // let the slow request reach its handler
    const stopping = host.stop();
    const during = await fetch(`${host.url}/api/hello/late`).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(during);
    expect(await slow).toEqual({ status: 200, body: 'finished' });
    await stopping;
    await expect(fetch(`${host.url}/api/hello/after`)).rejects.toThrow();
  });
});
