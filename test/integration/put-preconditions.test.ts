import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, startStack, type Stack } from './helpers/stack';

/**
 * PUT and DELETE /api/forwards/{name} end to end (devhost + Azurite + emulator), with the
 * forward's orchestration writing its status meanwhile: a 412 answers only a precondition the
 * client sent. Concurrent PUTs without one all succeed (last writer wins, each bumps the
 * generation); with If-Match / If-None-Match (`*` or a list of entity tags, RFC 9110 13.1), a
 * precondition that does not hold is a 412 and nothing is written; a malformed one is a 400
 * naming the header, and so is a query parameter the route does not take (nothing written either).
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as { ports: { port: number }[] };
const withPort = (port: number) => ({ ...example, ports: [{ port }] });
interface Forward {
  generation: number;
  deleting: boolean;
  spec: { ports: { port: number }[] };
  title?: string;
  problems?: { path: string; in: string; message: string }[];
}
const named = (f: Forward) => (f.problems ?? []).map((p) => [p.in, p.path]);

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
    ['If-Match with a list holding the ETag read: written (any match holds)', 'pre-list', (etag) => ({ 'if-match': `"0.zz", ${etag}` }), 202],
    ['If-Match with the ETag read made weak: 412 (If-Match compares strongly)', 'pre-weak', (etag) => ({ 'if-match': `W/${etag}` }), 412],
    ['If-None-Match with the ETag read: 412 (it is still that version)', 'pre-none-read', (etag) => ({ 'if-none-match': etag }), 412],
    ['If-None-Match with another, well-formed ETag ("1.abc"): the condition holds, written', 'pre-none-other', () => ({ 'if-none-match': '"1.abc"' }), 202],
    ['If-Match: garbage: 400 naming If-Match, nothing written', 'pre-garbage', () => ({ 'if-match': 'garbage' }), 400],
    ['If-None-Match: garbage: 400 naming If-None-Match, nothing written', 'pre-none-garbage', () => ({ 'if-none-match': 'garbage' }), 400],
  ])('%s', async (_situation, name, headers, status) => {
    const first = await s.api<Forward>('PUT', `/api/forwards/${name}`, withPort(9100));
    expect([200, 202]).toContain(first.status);
    const etag = (await s.api<Forward>('GET', `/api/forwards/${name}`)).headers.get('etag')!;
    const r = await s.api<Forward>('PUT', `/api/forwards/${name}`, withPort(9101), headers(etag));
    expect(r.status).toBe(status);
    if (status === 400) expect(named(r.body)).toEqual([['header', Object.keys(headers(etag))[0] === 'if-match' ? 'If-Match' : 'If-None-Match']]);
    expect((await s.api<Forward>('GET', `/api/forwards/${name}`)).body.spec.ports[0].port).toBe(status === 202 ? 9101 : 9100);
  });

  it('If-None-Match: * on a missing forward: created', async () => {
    const r = await s.api<Forward>('PUT', '/api/forwards/pre-missing', withPort(9100), { 'if-none-match': '*' });
    expect({ status: r.status, generation: r.body.generation }).toEqual({ status: 202, generation: 1 });
  });
});

describe("the client's preconditions on DELETE", () => {
  it.each<[string, string, (etag: string) => Record<string, string>, number]>([
    ['If-None-Match: * on an existing forward: 412, not deleted', 'del-none-star', () => ({ 'if-none-match': '*' }), 412],
    ['If-Match: garbage: 400 naming If-Match, not deleted', 'del-garbage', () => ({ 'if-match': 'garbage' }), 400],
    ['If-Match with a stale ETag: 412, not deleted', 'del-stale', () => ({ 'if-match': '"1.abc"' }), 412],
    ['If-Match with a list holding the ETag read: deleted (202)', 'del-list', (etag) => ({ 'if-match': `"0.zz", ${etag}` }), 202],
    ['If-Match: *: deleted (202)', 'del-star', () => ({ 'if-match': '*' }), 202],
  ])('%s', async (_situation, name, headers, status) => {
    expect([200, 202]).toContain((await s.api<Forward>('PUT', `/api/forwards/${name}`, withPort(9100))).status);
    const etag = (await s.api<Forward>('GET', `/api/forwards/${name}`)).headers.get('etag')!;
    const r = await s.api<Forward>('DELETE', `/api/forwards/${name}`, undefined, headers(etag));
    expect(r.status).toBe(status);
    if (status === 400) expect(named(r.body)).toEqual([['header', 'If-Match']]);
    // Marked: the answer says so (the teardown may remove it at any moment); refused: still there, not deleting.
    if (status === 202) expect(r.body.deleting).toBe(true);
    else expect((await s.api<Forward>('GET', `/api/forwards/${name}`)).body.deleting).toBe(false);
  });

  it('If-Match: * on a forward that does not exist: 404 (RFC 9110 13.2.1: without the condition it is a 404)', async () => {
    const r = await s.api<Forward>('DELETE', '/api/forwards/del-missing', undefined, { 'if-match': '*' });
    expect(r.status).toBe(404);
  });
});

describe('a write refused before anything is written', () => {
  it.each<[string, string, string, Record<string, string>, number, [string, string][]]>([
    ['PUT ?dryRun=true: 400 naming dryRun, not created', 'PUT', '/api/forwards/dry?dryRun=true', {}, 400, [['query', 'dryRun']]],
    ['PUT ?dryRun=true&dryRun=1 with If-Match: garbage: both named once', 'PUT', '/api/forwards/dry?dryRun=true&dryRun=1', { 'if-match': 'garbage' }, 400, [['query', 'dryRun'], ['header', 'If-Match']]],
    ['PUT as application/merge-patch+json: 415, not created', 'PUT', '/api/forwards/dry', { 'content-type': 'application/merge-patch+json' }, 415, [['', 'Content-Type']]],
  ])('%s', async (_situation, method, p, headers, status, problems) => {
    const r = await s.api<Forward>(method, p, withPort(9100), headers);
    expect(r.status).toBe(status);
    // A 415 answers alone, its problems without `in`.
    expect((r.body.problems ?? []).map((x) => [x.in ?? '', x.path])).toEqual(problems);
    expect((await s.api('GET', '/api/forwards/dry')).status).toBe(404);
  });

  it('DELETE ?force=true on an existing forward: 400 naming force, not deleted', async () => {
    expect([200, 202]).toContain((await s.api<Forward>('PUT', '/api/forwards/del-force', withPort(9100))).status);
    const r = await s.api<Forward>('DELETE', '/api/forwards/del-force?force=true');
    expect({ status: r.status, named: named(r.body) }).toEqual({ status: 400, named: [['query', 'force']] });
    expect((await s.api<Forward>('GET', '/api/forwards/del-force')).body.deleting).toBe(false);
  });
});
