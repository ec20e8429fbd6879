import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, startStack, type Stack } from './helpers/stack';

/**
 * PUT /api/forwards/{name} end to end (devhost + Azurite + emulator), with the forward's
 * orchestration writing its status meanwhile: a 412 answers only a precondition the client sent.
 * Concurrent PUTs without one all succeed (last writer wins, each bumps the generation); with
 * If-Match / If-None-Match, a precondition that does not hold is a 412 and nothing is written.
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as { ports: { port: number }[] };
const withPort = (port: number) => ({ ...example, ports: [{ port }] });
interface Forward {
  generation: number;
  spec: { ports: { port: number }[] };
}

beforeAll(async () => {
  s = await startStack();
}, 180_000);
afterAll(() => s?.stop());

describe('concurrent PUT /api/forwards/race without If-Match', () => {
  it.each([6])('%i PUTs of different specs at once: all 200/202, generations 1..n, the last writer\'s spec stored', async (n) => {
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => s.api<Forward & { title?: string; detail?: string }>('PUT', '/api/forwards/race', withPort(9000 + i))));
    expect(answers.map((a) => (a.status === 202 || a.status === 200 ? 'ok' : `${a.status} ${a.body.title}: ${a.body.detail}`))).toEqual(Array(n).fill('ok'));
    expect(answers.map((a) => a.body.generation).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const stored = await s.api<Forward>('GET', '/api/forwards/race');
    const last = answers.find((a) => a.body.generation === n)!;
    expect(stored.body.generation).toBeGreaterThanOrEqual(n);
    expect(stored.body.spec.ports).toEqual(last.body.spec.ports);
  });
});

describe("the client's preconditions on PUT", () => {
  // The ETag is the spec's version: the forward's orchestration writing status between the GET
  // and the PUT (it is reconciling the first PUT here) does not make it stale.
  it.each<[string, string, (etag: string) => Record<string, string>, number]>([
    ['If-Match with a stale etag on an existing forward: 412', 'pre-stale', () => ({ 'if-match': 'W/"datetime\'2000-01-01T00%3A00%3A00Z\'"' }), 412],
    ['If-None-Match: * on an existing forward: 412 (create only)', 'pre-exists', () => ({ 'if-none-match': '*' }), 412],
    ['If-Match with the ETag just read, while the forward reconciles: written (202, a change)', 'pre-read', (etag) => ({ 'if-match': etag }), 202],
  ])('%s', async (_situation, name, headers, status) => {
    const first = await s.api<Forward>('PUT', `/api/forwards/${name}`, withPort(9100));
    expect([200, 202]).toContain(first.status);
    const etag = (await s.api<Forward>('GET', `/api/forwards/${name}`)).headers.get('etag')!;
    const r = await s.api<Forward & { title?: string }>('PUT', `/api/forwards/${name}`, withPort(9101), headers(etag));
    expect(r.status).toBe(status);
    expect((await s.api<Forward>('GET', `/api/forwards/${name}`)).body.spec.ports[0].port).toBe(status === 412 ? 9100 : 9101);
  });

  it('If-None-Match: * on a missing forward: created', async () => {
    const r = await s.api<Forward>('PUT', '/api/forwards/pre-missing', withPort(9100), { 'if-none-match': '*' });
    expect({ status: r.status, generation: r.body.generation }).toEqual({ status: 202, generation: 1 });
  });
});
