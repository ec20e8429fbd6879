import * as fs from 'node:fs';
import * as path from 'node:path';
import { probeInstanceId } from '../../core/probes';
import { ForwardRegistry } from '../../store/forward-registry';
import { IDS } from '../emulator/helpers/emulator';
import { checkedFetch } from '../helpers/openapi-check';
import { eventually, putForwardReady, ROOT, startStack, type Stack } from './helpers/stack';

/**
 * The action routes end to end (devhost + Azurite + emulator): POST .../probes/run and
 * POST .../recycling/resume take no body or `{}`. Anything else is a 4xx problem+json naming its
 * problems, and nothing is started or written; and resuming recycling when nothing is suspended
 * is a 200 that changes nothing. Bodies are sent as bytes, so no content type is added to them.
 * Then the query of every route through the host: devhost hands the app the query as the Azure
 * Functions host does (a repeated parameter comma-joined in `request.query`), and the product
 * still names a repeat as "given more than once", and a parameter a route does not take, before
 * anything is started or written.
 */
let s: Stack;
const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/onprem-web.json'), 'utf8')) as Record<string, unknown>;
const registry = () => ForwardRegistry.fromEnv({ AzureWebJobsStorage: s.azurite.connectionString });

interface Answer {
  status: number;
  type: string | null;
  body: { title?: string; detail?: string; problems?: { path: string; message: string }[]; resumed?: boolean; resumedAt?: string; message?: string; location?: string };
}
async function post(p: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await checkedFetch(`${s.url}${p}`, { method: 'POST', headers, ...(body !== undefined ? { body: Buffer.from(body) } : {}) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? (JSON.parse(text) as Answer['body']) : {} };
}
/** The probe's orchestration as devhost's durable engine knows it (404: never started). */
const probeInstance = async () => (await fetch(`${s.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(probeInstanceId('web', IDS.spokeJump))}`)).status;
const history = async () => (await s.api<{ value: { runId: string }[] }>('GET', '/api/forwards/web/probes?top=200')).body.value;

const JSON_TYPE = { 'content-type': 'application/json' };
/** Refused on both routes: [situation, content type, body, status, problem paths]. */
const REFUSED: [string, Record<string, string>, string, number, string[]][] = [
  ['malformed JSON', JSON_TYPE, '{"now":', 400, ['']],
  ['a JSON array', JSON_TYPE, '[]', 400, ['']],
  ['an unknown property', JSON_TYPE, '{"force": true}', 400, ['force']],
  ['several unknown properties, every one named', JSON_TYPE, '{"force": true, "reason": "because"}', 400, ['force', 'reason']],
  ['JSON without a content type', {}, '{"force": true}', 400, ['force']],
  ['a text/plain body', { 'content-type': 'text/plain' }, 'go', 415, ['Content-Type']],
  ['a form body (curl -d a=1)', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1', 415, ['Content-Type']],
  ['a body over the action limit', JSON_TYPE, JSON.stringify({ pad: 'x'.repeat(8192) }), 413, []],
];
/** Accepted on both routes: [situation, content type, body]. */
const ACCEPTED: [string, Record<string, string>, string | undefined][] = [
  ['no body (curl -X POST)', {}, undefined],
  ['an empty body declared as a form (curl -X POST -d "")', { 'content-type': 'application/x-www-form-urlencoded' }, ''],
  ['{}', JSON_TYPE, '{}'],
];

function expectProblem(r: Answer, status: number, paths: string[]) {
  expect(r.status).toBe(status);
  expect(r.type).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect((r.body.problems ?? []).map((p) => p.path)).toEqual(paths);
}

beforeAll(async () => {
  s = await startStack({ PLF_PROBE_DEADLINE_SECONDS: '10' });
  await putForwardReady(s, 'web', example);
}, 180_000);
afterAll(() => s?.stop());

describe('the query through the host: repeats and parameters a route does not take', () => {
  const get = (p: string) => checkedFetch(`${s.url}${p}`).then(async (res) => ({ status: res.status, type: res.headers.get('content-type'), body: JSON.parse(await res.text()) as Answer['body'] }));
  const subnet = encodeURIComponent(IDS.spokeJump);

  it.each<[string, () => Promise<Answer>, string, RegExp]>([
    ['GET .../probes?top=20&top=30', () => get('/api/forwards/web/probes?top=20&top=30'), 'top', /given more than once \(2 times\)/],
    ['GET .../actions?top=20&top=30&top=40', () => get('/api/forwards/web/actions?top=20&top=30&top=40'), 'top', /given more than once \(3 times\)/],
    ['POST .../probes/run?subnetId=S&subnetId=S (the same subnet twice)', () => post(`/api/forwards/web/probes/run?subnetId=${subnet}&subnetId=${subnet}`), 'subnetId', /given more than once/],
    ['GET .../probes?top=5&TOP=6: TOP is not top (the host would merge them)', () => get('/api/forwards/web/probes?top=5&TOP=6'), 'TOP', /not a query parameter of this route \(it takes top, subnetId, continuation\)/],
    ['POST .../recycling/resume?force=1', () => post('/api/forwards/web/recycling/resume?force=1'), 'force', /not a query parameter of this route \(it takes none\)/],
    ['GET /api/forwards?top=1', () => get('/api/forwards?top=1'), 'top', /it takes none/],
    ['GET /api/forwards/web?foo=1', () => get('/api/forwards/web?foo=1'), 'foo', /it takes none/],
    ['GET .../probes/runs/{id}?x=1', () => get('/api/forwards/web/probes/runs/0b9f4e7c-3a2d-4c1b-9e8f-7a6b5c4d3e2f?x=1'), 'x', /it takes none/],
    ['GET /api/health?x=1', () => get('/api/health?x=1'), 'x', /it takes none/],
    ['GET /api/openapi.json?x=1', () => get('/api/openapi.json?x=1'), 'x', /it takes none/],
    ['GET /api/ui?x=1', () => get('/api/ui?x=1'), 'x', /it takes none/],
  ])('%s: 400 naming it, nothing started or written', async (_situation, send, name, message) => {
    const before = (await registry().get('web'))!;
    const r = await send();
    expectProblem(r, 400, [name]);
    expect(r.body.problems![0].message).toMatch(message);
    expect(await probeInstance()).toBe(404);
    const after = (await registry().get('web'))!;
    expect({ generation: after.generation, recycleResumedAt: after.recycleResumedAt }).toEqual({ generation: before.generation, recycleResumedAt: before.recycleResumedAt });
  });

  it('a value holding a comma, given once, is a value (not a repeat): ?top=20,30 is not an integer', async () => {
    const r = await get('/api/forwards/web/probes?top=20%2C30');
    expectProblem(r, 400, ['top']);
    expect(r.body.problems![0].message).toMatch(/must be an integer 1-200/);
  });
});

describe('POST .../probes/run', () => {
  it.each(REFUSED)('%s: refused, no run started', async (_situation, headers, body, status, paths) => {
    expectProblem(await post('/api/forwards/web/probes/run', body, headers), status, paths);
    expect(await probeInstance()).toBe(404);
  });

  it('a malformed subnetId query and an unknown body property: both named in one 400, no run started', async () => {
    const r = await post('/api/forwards/web/probes/run?subnetId=x', '{"force": true}', JSON_TYPE);
    expectProblem(r, 400, ['subnetId', 'force']);
    expect(await probeInstance()).toBe(404);
  });

  it.each(ACCEPTED)('%s: accepted, the run starts (202) and finishes', async (_situation, headers, body) => {
    const r = await post('/api/forwards/web/probes/run', body, headers);
    expect(r.status).toBe(202);
    const location = r.body.location!;
    await eventually(async () => ((await s.api<{ state: string }>('GET', location)).body.state === 'finished' ? true : undefined), `${location} finished`, 60_000);
  });

  it('the history holds exactly the accepted runs', async () => {
    expect(await history()).toHaveLength(ACCEPTED.length);
  });
});

describe('POST .../recycling/resume', () => {
  const suspend = async () => {
    const r = (await registry().get('web'))!;
    await registry().setHealthStatus('web', { conditions: [], nodes: [], suspended: { instanceId: '0', generation: r.generation, since: new Date().toISOString() } });
  };
  const resumedAt = async () => (await registry().get('web'))!.recycleResumedAt;

  it.each(REFUSED)('%s: refused while a node is suspended, nothing written', async (_situation, headers, body, status, paths) => {
    await suspend();
    expectProblem(await post('/api/forwards/web/recycling/resume', body, headers), status, paths);
    expect(await resumedAt()).toBeUndefined();
  });

  it.each(ACCEPTED)('%s while a node is suspended: 202 resumed and written; the same again: 200, nothing more written', async (_situation, headers, body) => {
    await new Promise((r) => setTimeout(r, 5)); // the suspension begins after any earlier resume
    await suspend();
    const first = await post('/api/forwards/web/recycling/resume', body, headers);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ resumed: true, instanceId: '0', resumedAt: expect.any(String) });
    expect(await resumedAt()).toBe(first.body.resumedAt);
    const again = await post('/api/forwards/web/recycling/resume', body, headers);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ resumed: false, resumedAt: first.body.resumedAt, message: expect.stringMatching(/already resumed/) });
    expect(await resumedAt()).toBe(first.body.resumedAt);
  });

  it.each<[string, () => Promise<void>, RegExp]>([
    ['nothing ever suspended', async () => registry().setHealthStatus('web', { conditions: [], nodes: [] }), /not suspended: nothing to resume/],
    [
      'a suspension the spec changed since',
      async () => {
        await suspend();
        await putForwardReady(s, 'web', { ...example, targets: ['192.168.42.66', '192.168.42.65'] });
      },
      /spec change ended the suspension of node 0/,
    ],
  ])('%s: 200, resumed false, nothing written', async (_situation, arrange, message) => {
    await arrange();
    const before = await resumedAt();
    const r = await post('/api/forwards/web/recycling/resume');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.body).toMatchObject({ resumed: false, message: expect.stringMatching(message) });
    expect(await resumedAt()).toBe(before);
  });

  it('an unknown forward: 404 problem+json', async () => {
    expectProblem(await post('/api/forwards/nope/recycling/resume'), 404, []);
  });
});
