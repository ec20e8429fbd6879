import { InvocationContext, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { forwardsActions } from '../../functions/forwards-actions';
import { forwardsDelete } from '../../functions/forwards-delete';
import { forwardsGet } from '../../functions/forwards-get';
import { forwardsList } from '../../functions/forwards-list';
import { forwardsProbeRunGet } from '../../functions/forwards-probe-run-get';
import { forwardsProbes } from '../../functions/forwards-probes';
import { forwardsProbesRun } from '../../functions/forwards-probes-run';
import { forwardsPut } from '../../functions/forwards-put';
import { forwardsResumeRecycling } from '../../functions/forwards-resume-recycling';
import { health } from '../../functions/health';
import { openApi } from '../../functions/openapi';
import { ui } from '../../functions/ui';
import { useEnv } from '../helpers/env';
import { hostRequest } from '../helpers/host-request';

/**
 * The checks every route makes before the registry (functions/request-checks.ts), called as the
 * host calls the triggers (requests built as the host builds them: `hostRequest`, whose
 * `request.query` has repeats comma-joined): a body this API cannot read (encoded, not UTF-8, not
 * application/json) is a 415 naming each header at fault; otherwise one 400 names every problem
 * of the name, the query, the If-Match/If-None-Match headers and the body together, each with
 * where it is. No storage is configured here, so a request that gets past the checks answers 503:
 * a refused request answering 503 would mean it was let through.
 */
const SUBNET = '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/jump';
const SPEC = JSON.stringify({ ports: [{ port: 8000 }], targets: ['192.168.42.65'] });
const JSON_TYPE = { 'content-type': 'application/json' };
type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

const context = () => new InvocationContext({ functionName: 'test', logHandler: () => undefined });
function request(method: string, route: string, params: Record<string, string>, headers: Record<string, string> = {}, body?: string): HttpRequest {
  return hostRequest(method, `http://127.0.0.1/api/forwards/${route}`, params, headers, body);
}
interface ProblemBody {
  title: string;
  status: number;
  detail: string;
  problems?: { path: string; message: string; in?: string }[];
}
const problemOf = (res: HttpResponseInit) => JSON.parse(res.body as string) as ProblemBody;
/** A 400 with this title naming exactly these [in, path] problems, in order. */
function expectNamed(res: HttpResponseInit, title: string, named: [string, string][]): void {
  expect(res.status).toBe(400);
  const p = problemOf(res);
  expect(p.title).toBe(title);
  expect(p.problems?.map((x) => [x.in, x.path])).toEqual(named);
}

useEnv({ PLF_AUTH: 'off', AzureWebJobsStorage: undefined, AzureWebJobsStorage__tableServiceUri: undefined, AzureWebJobsStorage__accountName: undefined });

describe('PUT /api/forwards/{name}: a body declared as something this API does not read is a 415 naming each header', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['a gzip-encoded body', { ...JSON_TYPE, 'content-encoding': 'gzip' }, ['Content-Encoding']],
    ['a body encoded twice (br, gzip)', { ...JSON_TYPE, 'content-encoding': 'br, gzip' }, ['Content-Encoding']],
    ['a deflate body without a content type', { 'content-encoding': 'deflate' }, ['Content-Encoding']],
    ['JSON in UTF-16', { 'content-type': 'application/json; charset=utf-16' }, ['Content-Type']],
    ['JSON in Latin-1, quoted', { 'content-type': 'application/json; charset="iso-8859-1"' }, ['Content-Type']],
    ['text/plain, gzip-encoded: both named', { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, ['Content-Type', 'Content-Encoding']],
    ['a JSON merge patch (PUT replaces the whole spec; it would drop what the patch leaves out)', { 'content-type': 'application/merge-patch+json' }, ['Content-Type']],
    ['a JSON patch', { 'content-type': 'application/json-patch+json' }, ['Content-Type']],
    ['another +json type', { 'content-type': 'application/vnd.example+json' }, ['Content-Type']],
  ])('%s', async (_situation, headers, paths) => {
    const res = await forwardsPut(request('PUT', 'web', { name: 'web' }, headers, SPEC), context());
    expect(res.status).toBe(415);
    const p = problemOf(res);
    expect(p.title).toBe('Unsupported media type');
    expect(p.problems?.map((x) => x.path)).toEqual(paths);
    for (const encoding of headers['content-encoding']?.split(', ') ?? []) expect(p.detail).toContain(encoding);
    if (paths.includes('Content-Type')) expect(p.problems?.find((x) => x.path === 'Content-Type')?.message).toMatch(/must be (application\/json, not |UTF-8 )/);
    expect((res.headers as Record<string, string>)['Accept-Encoding']).toBe(headers['content-encoding'] ? 'identity' : undefined);
  });

  it.each<[string, Record<string, string>]>([
    ['Content-Encoding: identity', { ...JSON_TYPE, 'content-encoding': 'identity' }],
    ['charset=utf-8', { 'content-type': 'application/json; charset=utf-8' }],
    ['charset="UTF-8" (quoted, upper case)', { 'content-type': 'application/json; charset="UTF-8"' }],
    ['application/json in upper case', { 'content-type': 'APPLICATION/JSON' }],
    ['no content type', {}],
  ])('%s is read (the request goes on to the registry)', async (_situation, headers) => {
    expect((await forwardsPut(request('PUT', 'web', { name: 'web' }, headers, SPEC), context())).status).toBe(503);
  });
});

describe('POST action routes: an encoded or non-UTF-8 body is a 415 too', () => {
  it.each<[string, Handler, string]>([
    ['probes/run, gzip', forwardsProbesRun, 'probes/run'],
    ['recycling/resume, gzip', forwardsResumeRecycling, 'recycling/resume'],
  ])('%s', async (_situation, handler, route) => {
    const res = await handler(request('POST', `web/${route}`, { name: 'web' }, { ...JSON_TYPE, 'content-encoding': 'gzip' }, '{}'), context());
    expect(res.status).toBe(415);
    expect(problemOf(res).problems?.map((x) => x.path)).toEqual(['Content-Encoding']);
  });
});

describe('text that is not JSON: where the parser stopped, never the text', () => {
  it.each<[string, Handler, string, string, RegExp]>([
    ['PUT {bad: a property name expected at position 1', forwardsPut, 'web', '{bad', /^is not valid JSON \(at position 1(?: \(line 1 column 2\))?\)$/],
    ['PUT a spec cut off: it ends early', forwardsPut, 'web', '{"ports": [', /^is not valid JSON \(it ends early\)$/],
    ['PUT a second line with a stray comma', forwardsPut, 'web', '{"ports": []\n,}', /^is not valid JSON \(at position \d+( \(line 2 column \d+\))?\)$/],
    ['POST resume {bad: the position and what to send', forwardsResumeRecycling, 'web/recycling/resume', '{bad', /^is not valid JSON \(at position 1(?: \(line 1 column 2\))?\) \(send no body, or \{\}\)$/],
  ])('%s', async (_situation, handler, route, body, message) => {
    const res = await handler(request(route.includes('/') ? 'POST' : 'PUT', route, { name: 'web' }, JSON_TYPE, body), context());
    expect(res.status).toBe(400);
    const p = problemOf(res).problems?.find((x) => x.in === 'body');
    expect(p?.message).toMatch(message);
    expect(p?.message).not.toContain('bad');
  });
});

describe('one 400 names every problem of the name, the query and the body', () => {
  it.each<[string, Handler, HttpRequest, string, [string, string][]]>([
    ['PUT Bad_Name with {bad: the name and the JSON', forwardsPut, request('PUT', 'Bad_Name', { name: 'Bad_Name' }, JSON_TYPE, '{bad'), 'Invalid request', [['path', 'name'], ['body', '']]],
    ['PUT Bad_Name with a body of wrong fields: the name and each field', forwardsPut, request('PUT', 'Bad_Name', { name: 'Bad_Name' }, JSON_TYPE, '{"ports": 1, "targets": ["10.0.0.1"]}'), 'Invalid request', [['path', 'name'], ['body', 'ports']]],
    ['PUT Bad_Name with no body: the name and the missing spec', forwardsPut, request('PUT', 'Bad_Name', { name: 'Bad_Name' }, JSON_TYPE), 'Invalid request', [['path', 'name'], ['body', '']]],
    ['PUT Bad_Name with a valid spec: the name alone', forwardsPut, request('PUT', 'Bad_Name', { name: 'Bad_Name' }, JSON_TYPE, SPEC), 'Invalid forward name', [['path', 'name']]],
    ['PUT web with {bad: the JSON alone', forwardsPut, request('PUT', 'web', { name: 'web' }, JSON_TYPE, '{bad'), 'Invalid JSON', [['body', '']]],
    ['POST Bad_Name/recycling/resume with {"a":1}: the name and the property', forwardsResumeRecycling, request('POST', 'Bad_Name/recycling/resume', { name: 'Bad_Name' }, JSON_TYPE, '{"a":1}'), 'Invalid request', [['path', 'name'], ['body', 'a']]],
    ['POST Bad_Name/recycling/resume with {bad: the name and the JSON', forwardsResumeRecycling, request('POST', 'Bad_Name/recycling/resume', { name: 'Bad_Name' }, JSON_TYPE, '{bad'), 'Invalid request', [['path', 'name'], ['body', '']]],
    ['POST Bad_Name/probes/run?subnetId twice with {"a":1}: name, query and body', forwardsProbesRun, request('POST', `Bad_Name/probes/run?subnetId=${SUBNET}&subnetId=${SUBNET}`, { name: 'Bad_Name' }, JSON_TYPE, '{"a":1}'), 'Invalid request', [['path', 'name'], ['query', 'subnetId'], ['body', 'a']]],
    ['GET Bad_Name/actions?top=0: the name and the query', forwardsActions, request('GET', 'Bad_Name/actions?top=0', { name: 'Bad_Name' }), 'Invalid request', [['path', 'name'], ['query', 'top']]],
    ['GET Bad_Name/probes/runs/not-a-guid: both path parameters', forwardsProbeRunGet, request('GET', 'Bad_Name/probes/runs/x', { name: 'Bad_Name', runId: 'x' }), 'Invalid path', [['path', 'name'], ['path', 'runId']]],
    ['GET Bad_Name: the name', forwardsGet, request('GET', 'Bad_Name', { name: 'Bad_Name' }), 'Invalid forward name', [['path', 'name']]],
    ['DELETE Bad_Name: the name', forwardsDelete, request('DELETE', 'Bad_Name', { name: 'Bad_Name' }), 'Invalid forward name', [['path', 'name']]],
  ])('%s', async (_situation, handler, req, title, named) => expectNamed(await handler(req, context()), title, named));
});

describe('a query parameter the route does not take is named, with the ones it takes', () => {
  it.each<[string, Handler, string, string[]]>([
    ['actions ?tpo=20 (misspelt)', forwardsActions, 'web/actions?tpo=20', ['tpo']],
    ['probes ?top=5&subnet=x&foo=1', forwardsProbes, 'web/probes?top=5&subnet=x&foo=1', ['subnet', 'foo']],
    ['probes/run ?subnetID=x (case matters)', forwardsProbesRun, 'web/probes/run?subnetID=x', ['subnetID']],
  ])('%s', async (_situation, handler, route, paths) => {
    const res = await handler(request(route.includes('/run') ? 'POST' : 'GET', route, { name: 'web' }), context());
    expect(res.status).toBe(400);
    const p = problemOf(res);
    expect(p.problems?.map((x) => x.path)).toEqual(paths);
    for (const x of p.problems ?? []) expect(x.message).toMatch(/is not a query parameter of this route \(it takes /);
  });
});

describe('a query parameter given more than once is named as such, not as a bad value', () => {
  it.each<[string, Handler, string, string[]]>([
    ['actions ?top=20&top=30', forwardsActions, 'web/actions?top=20&top=30', ['top']],
    ['actions ?top=20&top=30&continuation=x&continuation=y', forwardsActions, 'web/actions?top=20&top=30&continuation=x&continuation=y', ['top', 'continuation']],
    ['probes ?top=20&top=30', forwardsProbes, 'web/probes?top=20&top=30', ['top']],
    ['probes ?subnetId twice', forwardsProbes, `web/probes?subnetId=${SUBNET}&subnetId=${SUBNET}`, ['subnetId']],
    ['probes/run ?subnetId twice', forwardsProbesRun, `web/probes/run?subnetId=${SUBNET}&subnetId=x`, ['subnetId']],
  ])('%s', async (_situation, handler, route, paths) => {
    const res = await handler(request(route.includes('/run') ? 'POST' : 'GET', route, { name: 'web' }), context());
    expect(res.status).toBe(400);
    const p = problemOf(res);
    expect(p.problems?.map((x) => x.path)).toEqual(paths);
    for (const x of p.problems ?? []) expect(x.message).toMatch(/given more than once/);
  });

  it.each<[string, Handler, string]>([
    ['actions ?top=20', forwardsActions, 'web/actions?top=20'],
    ['probes ?top=20&subnetId=...', forwardsProbes, `web/probes?top=20&subnetId=${SUBNET}`],
    ['probes ?top=20&code=<function key> (the platform reads code)', forwardsProbes, 'web/probes?top=20&code=abc'],
  ])('%s once is fine (the request goes on to the registry)', async (_situation, handler, route) => {
    expect((await handler(request('GET', route, { name: 'web' }), context())).status).toBe(503);
  });
});

describe('a patch media type on PUT is told why', () => {
  it('application/merge-patch+json: 415, PUT takes the whole spec and there is no PATCH', async () => {
    const res = await forwardsPut(request('PUT', 'web', { name: 'web' }, { 'content-type': 'application/merge-patch+json' }, '{"nodes":{"count":3}}'), context());
    expect(res.status).toBe(415);
    expect(problemOf(res).problems?.[0].message).toMatch(/application\/json.*whole spec.*no PATCH/);
  });
});

const RUN = '0b9f4e7c-3a2d-4c1b-9e8f-7a6b5c4d3e2f';
/** Every HTTP route with a request that passes its checks but for the query: [route, handler, method, path, params, headers, body]. */
type Call = [string, Handler, string, string, Record<string, string>, Record<string, string>?, string?];
const ROUTES: Call[] = [
  ['GET /api/forwards', forwardsList, 'GET', 'forwards', {}],
  ['PUT /api/forwards/{name}', forwardsPut, 'PUT', 'forwards/web', { name: 'web' }, JSON_TYPE, SPEC],
  ['GET /api/forwards/{name}', forwardsGet, 'GET', 'forwards/web', { name: 'web' }],
  ['DELETE /api/forwards/{name}', forwardsDelete, 'DELETE', 'forwards/web', { name: 'web' }],
  ['GET /api/forwards/{name}/actions', forwardsActions, 'GET', 'forwards/web/actions', { name: 'web' }],
  ['GET /api/forwards/{name}/probes', forwardsProbes, 'GET', 'forwards/web/probes', { name: 'web' }],
  ['POST /api/forwards/{name}/probes/run', forwardsProbesRun, 'POST', 'forwards/web/probes/run', { name: 'web' }],
  ['GET /api/forwards/{name}/probes/runs/{runId}', forwardsProbeRunGet, 'GET', `forwards/web/probes/runs/${RUN}`, { name: 'web', runId: RUN }],
  ['POST /api/forwards/{name}/recycling/resume', forwardsResumeRecycling, 'POST', 'forwards/web/recycling/resume', { name: 'web' }],
  ['GET /api/health', health, 'GET', 'health', {}],
  ['GET /api/openapi.json', openApi as Handler, 'GET', 'openapi.json', {}],
  ['GET /api/ui', ui, 'GET', 'ui', {}],
];
const call = ([, handler, method, p, params, headers, body]: Call, query: string) => handler(hostRequest(method, `http://127.0.0.1/api/${p}${query}`, params, headers ?? {}, body), context());
/** What the route answers once past its checks: 503 where it reads the (absent) registry, 200 where it does not. */
const PASSED = [200, 503];

describe('every route refuses a query parameter it does not take, before anything else happens', () => {
  it.each(ROUTES)('%s ?zz=1: 400 naming zz (in: query)', async (...route) => {
    const res = await call(route, '?zz=1');
    expect(res.status).toBe(400);
    const p = problemOf(res);
    expect(p.problems?.map((x) => [x.in, x.path])).toEqual([['query', 'zz']]);
    expect(p.problems?.[0].message).toMatch(/is not a query parameter of this route \(it takes (none|top|subnetId)/);
  });

  it.each(ROUTES)('%s ?code=<function key>: the platform\'s, let through', async (...route) => {
    expect(PASSED).toContain((await call(route, '?code=abc')).status);
    expect(PASSED).toContain((await call(route, '?CODE=abc')).status);
  });

  it.each<[string, Handler, HttpRequest, string, [string, string][]]>([
    ['PUT web?dryRun=true with a valid spec: refused, not written', forwardsPut, request('PUT', 'web?dryRun=true', { name: 'web' }, JSON_TYPE, SPEC), 'Invalid query', [['query', 'dryRun']]],
    ['PUT Bad_Name?dryRun=true with {bad: the name, the query and the JSON', forwardsPut, request('PUT', 'Bad_Name?dryRun=true', { name: 'Bad_Name' }, JSON_TYPE, '{bad'), 'Invalid request', [['path', 'name'], ['query', 'dryRun'], ['body', '']]],
    ['POST web/recycling/resume?force=1: refused, nothing resumed', forwardsResumeRecycling, request('POST', 'web/recycling/resume?force=1', { name: 'web' }), 'Invalid query', [['query', 'force']]],
    ['POST web/recycling/resume?force=1 with {"a":1}: the query and the body', forwardsResumeRecycling, request('POST', 'web/recycling/resume?force=1', { name: 'web' }, JSON_TYPE, '{"a":1}'), 'Invalid request', [['query', 'force'], ['body', 'a']]],
    ['DELETE web?force=true: refused, not deleted', forwardsDelete, request('DELETE', 'web?force=true', { name: 'web' }), 'Invalid query', [['query', 'force']]],
    ['DELETE Bad_Name?force=true&force=1: the name, the parameter once', forwardsDelete, request('DELETE', 'Bad_Name?force=true&force=1', { name: 'Bad_Name' }), 'Invalid request', [['path', 'name'], ['query', 'force']]],
    ['GET web?foo=1', forwardsGet, request('GET', 'web?foo=1', { name: 'web' }), 'Invalid query', [['query', 'foo']]],
    ['GET web/probes/runs/x?x=1: the run id and the query', forwardsProbeRunGet, request('GET', 'web/probes/runs/x?x=1', { name: 'web', runId: 'x' }), 'Invalid request', [['path', 'runId'], ['query', 'x']]],
    ['GET web/probes?top=5&TOP=6: names are case-sensitive, TOP is not top', forwardsProbes, request('GET', 'web/probes?top=5&TOP=6', { name: 'web' }), 'Invalid query', [['query', 'TOP']]],
  ])('%s', async (_situation, handler, req, title, named) => expectNamed(await handler(req, context()), title, named));

  it('GET /api/forwards?top=1: the list takes no query (it is not paged)', async () => {
    const p = problemOf(await forwardsList(hostRequest('GET', 'http://127.0.0.1/api/forwards?top=1', {}), context()));
    expect(p.problems).toEqual([{ path: 'top', message: 'is not a query parameter of this route (it takes none)', in: 'query' }]);
  });
});

describe('malformed If-Match / If-None-Match on PUT and DELETE: a 400 naming the header, with every other problem', () => {
  it.each<[string, Handler, HttpRequest, string, [string, string][]]>([
    ['PUT If-Match: garbage', forwardsPut, request('PUT', 'web', { name: 'web' }, { ...JSON_TYPE, 'if-match': 'garbage' }, SPEC), 'Invalid header', [['header', 'If-Match']]],
    ['PUT If-None-Match: "1.abc (no closing quote)', forwardsPut, request('PUT', 'web', { name: 'web' }, { ...JSON_TYPE, 'if-none-match': '"1.abc' }, SPEC), 'Invalid header', [['header', 'If-None-Match']]],
    ['PUT both malformed: both named', forwardsPut, request('PUT', 'web', { name: 'web' }, { ...JSON_TYPE, 'if-match': '1.abc', 'if-none-match': '*, "a"' }, SPEC), 'Invalid header', [['header', 'If-Match'], ['header', 'If-None-Match']]],
    ['PUT Bad_Name?x=1, If-Match: garbage, {bad: all four', forwardsPut, request('PUT', 'Bad_Name?x=1', { name: 'Bad_Name' }, { ...JSON_TYPE, 'if-match': 'garbage' }, '{bad'), 'Invalid request', [['path', 'name'], ['query', 'x'], ['header', 'If-Match'], ['body', '']]],
    ['DELETE If-Match: garbage', forwardsDelete, request('DELETE', 'web', { name: 'web' }, { 'if-match': 'garbage' }), 'Invalid header', [['header', 'If-Match']]],
    ['DELETE If-None-Match: W/ (no tag)', forwardsDelete, request('DELETE', 'web', { name: 'web' }, { 'if-none-match': 'W/' }), 'Invalid header', [['header', 'If-None-Match']]],
    ['DELETE Bad_Name with If-Match: garbage: the name and the header', forwardsDelete, request('DELETE', 'Bad_Name', { name: 'Bad_Name' }, { 'if-match': 'garbage' }), 'Invalid request', [['path', 'name'], ['header', 'If-Match']]],
  ])('%s', async (_situation, handler, req, title, named) => {
    const res = await handler(req, context());
    expect(res.status).toBe(400);
    const p = problemOf(res);
    expect(p.title).toBe(title);
    expect(p.problems?.map((x) => [x.in, x.path])).toEqual(named);
    for (const x of p.problems?.filter((y) => y.in === 'header') ?? []) expect(x.message).toMatch(/must be \* or a comma-separated list of entity tags/);
  });

  it.each<[string, Record<string, string>]>([
    ['If-Match: *', { 'if-match': '*' }],
    ['If-Match: a list, strong and weak', { 'if-match': '"0.zz", W/"1.zz"' }],
    ['If-None-Match: *', { 'if-none-match': '*' }],
    ['If-None-Match: an ETag', { 'if-none-match': '"1.abc"' }],
    ['blank fields (none)', { 'if-match': ' ', 'if-none-match': '' }],
  ])('%s is well-formed: PUT and DELETE go on to the registry', async (_situation, headers) => {
    expect((await forwardsPut(request('PUT', 'web', { name: 'web' }, { ...JSON_TYPE, ...headers }, SPEC), context())).status).toBe(503);
    expect((await forwardsDelete(request('DELETE', 'web', { name: 'web' }, headers), context())).status).toBe(503);
  });
});
