import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { forwardsActions } from '../../functions/forwards-actions';
import { forwardsDelete } from '../../functions/forwards-delete';
import { forwardsGet } from '../../functions/forwards-get';
import { forwardsProbeRunGet } from '../../functions/forwards-probe-run-get';
import { forwardsProbes } from '../../functions/forwards-probes';
import { forwardsProbesRun } from '../../functions/forwards-probes-run';
import { forwardsPut } from '../../functions/forwards-put';
import { forwardsResumeRecycling } from '../../functions/forwards-resume-recycling';
import { useEnv } from '../helpers/env';

/**
 * The checks every forwards route makes before the registry (functions/request-checks.ts), called
 * as the host calls the triggers: a body this API cannot read (encoded, not UTF-8, not JSON) is a
 * 415 naming each header at fault; otherwise one 400 names every problem of the name, the query
 * and the body together, each with where it is. No storage is configured here, so a request that
 * gets past the checks answers 503: a refused request answering 503 would mean it was let through.
 */
const SUBNET = '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/jump';
const SPEC = JSON.stringify({ ports: [{ port: 8000 }], targets: ['192.168.42.65'] });
const JSON_TYPE = { 'content-type': 'application/json' };
type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

const context = () => new InvocationContext({ functionName: 'test', logHandler: () => undefined });
function request(method: string, route: string, params: Record<string, string>, headers: Record<string, string> = {}, body?: string): HttpRequest {
  return new HttpRequest({ method, url: `http://127.0.0.1/api/forwards/${route}`, params, headers, ...(body !== undefined ? { body: { bytes: Buffer.from(body) } } : {}) });
}
interface ProblemBody {
  title: string;
  status: number;
  detail: string;
  problems?: { path: string; message: string; in?: string }[];
}
const problemOf = (res: HttpResponseInit) => JSON.parse(res.body as string) as ProblemBody;

useEnv({ PLF_AUTH: 'off', AzureWebJobsStorage: undefined, AzureWebJobsStorage__tableServiceUri: undefined, AzureWebJobsStorage__accountName: undefined });

describe('PUT /api/forwards/{name}: a body declared as something this API does not read is a 415 naming each header', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['a gzip-encoded body', { ...JSON_TYPE, 'content-encoding': 'gzip' }, ['Content-Encoding']],
    ['a body encoded twice (br, gzip)', { ...JSON_TYPE, 'content-encoding': 'br, gzip' }, ['Content-Encoding']],
    ['a deflate body without a content type', { 'content-encoding': 'deflate' }, ['Content-Encoding']],
    ['JSON in UTF-16', { 'content-type': 'application/json; charset=utf-16' }, ['Content-Type']],
    ['JSON in Latin-1, quoted', { 'content-type': 'application/json; charset="iso-8859-1"' }, ['Content-Type']],
    ['text/plain, gzip-encoded: both named', { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, ['Content-Type', 'Content-Encoding']],
  ])('%s', async (_situation, headers, paths) => {
    const res = await forwardsPut(request('PUT', 'web', { name: 'web' }, headers, SPEC), context());
    expect(res.status).toBe(415);
    const p = problemOf(res);
    expect(p.title).toBe('Unsupported media type');
    expect(p.problems?.map((x) => x.path)).toEqual(paths);
    for (const encoding of headers['content-encoding']?.split(', ') ?? []) expect(p.detail).toContain(encoding);
    expect((res.headers as Record<string, string>)['Accept-Encoding']).toBe(headers['content-encoding'] ? 'identity' : undefined);
  });

  it.each<[string, Record<string, string>]>([
    ['Content-Encoding: identity', { ...JSON_TYPE, 'content-encoding': 'identity' }],
    ['charset=utf-8', { 'content-type': 'application/json; charset=utf-8' }],
    ['charset="UTF-8" (quoted, upper case)', { 'content-type': 'application/json; charset="UTF-8"' }],
    ['a +json media type', { 'content-type': 'application/merge-patch+json' }],
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
  ])('%s', async (_situation, handler, req, title, named) => {
    const res = await handler(req, context());
    expect(res.status).toBe(400);
    const p = problemOf(res);
    expect(p.title).toBe(title);
    expect(p.problems?.map((x) => [x.in, x.path])).toEqual(named);
  });
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
