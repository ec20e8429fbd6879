import * as net from 'node:net';
import { startTestHost, type TestHost } from './harness';

/** Callers that misbehave at the HTTP level must not take devhost down or leak anything. */
let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host?.stop());

/** Sends raw bytes, returns the raw response text (or '' if the server just closed). */
function raw(request: string, endAfterWrite = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(host.port, '127.0.0.1', () => {
      socket.write(request);
      if (endAfterWrite) socket.end();
    });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

const stillServes = async () => {
  const res = await fetch(`${host.url}/api/hello/alive`);
  expect(res.status).toBe(200);
};

describe('misbehaving callers', () => {
  it('a Host header that is not a host is still served (the URL falls back to ours)', async () => {
    const text = await raw('GET /api/hello/odd HTTP/1.1\r\nHost: not a host\r\nConnection: close\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    await stillServes();
  });

  it('a caller that sends half a body and goes away does not stop devhost', async () => {
    await raw('POST /api/json-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":');
    await stillServes();
  });

  it('a malformed percent-encoding in an admin function name is a 404, not a crash', async () => {
    const res = await fetch(`${host.url}/admin/functions/%E0%A4%A`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    await stillServes();
  });

  it('a malformed percent-encoding in a route parameter reaches the function undecoded', async () => {
    const res = await fetch(`${host.url}/api/hello/%E0%A4%A`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { hello: string }).hello).toBe('%E0%A4%A');
  });
});

describe('request body limit', () => {
  it('a body announced larger than the host limit (100 MB) is refused with 413 before it is read', async () => {
    const text = await raw(`POST /api/json-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${200 * 1024 * 1024}\r\n\r\n{"a":1`, false);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    await stillServes();
  });
});
