import { InvocationContext, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import Ajv2020 from 'ajv/dist/2020';
import { actionBodyProblems, probeRunBodySchema, resumeRecyclingBodySchema } from '../../core/action-bodies';
import { openApiDocument } from '../../core/openapi';
import { forwardsProbesRun } from '../../functions/forwards-probes-run';
import { forwardsResumeRecycling } from '../../functions/forwards-resume-recycling';
import { MAX_ACTION_BODY_BYTES } from '../../functions/request-checks';
import { ForwardRegistry, type ForwardRecord } from '../../store/forward-registry';
import { useEnv } from '../helpers/env';
import { hostRequest } from '../helpers/host-request';

/**
 * The action routes, POST /api/forwards/{name}/probes/run and .../recycling/resume, called as the
 * host calls them. Their body is none or `{}`: everything else is refused with a 4xx problem+json
 * naming each problem, before the registry is read. Here no storage is configured, so a request
 * that gets past the checks answers 503 from the registry: a refused body answering 503 would
 * mean it was let through. Then what resume does for each recycling situation (registry faked).
 */
const SUBNET = '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/jump';
const JSON_TYPE = { 'content-type': 'application/json' };
const ROUTES = [
  ['probes/run', forwardsProbesRun],
  ['recycling/resume', forwardsResumeRecycling],
] as const;
type Handler = (typeof ROUTES)[number][1];

const context = () => new InvocationContext({ functionName: 'test', logHandler: () => undefined });
/** As the host passes it (`hostRequest`): the body as bytes, the query as the host's map. */
function post(route: string, headers: Record<string, string>, body?: string, query = ''): HttpRequest {
  return hostRequest('POST', `http://127.0.0.1/api/forwards/web/${route}${query}`, { name: 'web' }, headers, body);
}
interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  problems?: { path: string; message: string }[];
}
const problemOf = (res: HttpResponseInit) => JSON.parse(res.body as string) as ProblemBody;

useEnv({ PLF_AUTH: 'off', AzureWebJobsStorage: undefined, AzureWebJobsStorage__tableServiceUri: undefined, AzureWebJobsStorage__accountName: undefined });

describe.each(ROUTES)('POST .../%s: a body that is not none or {} is refused before the registry', (route, handler: Handler) => {
  it.each<[string, Record<string, string>, string, number, string, string[]]>([
    ['malformed JSON', JSON_TYPE, '{"now": tru', 400, 'Invalid body', ['']],
    ['a JSON array', JSON_TYPE, '[]', 400, 'Invalid body', ['']],
    ['JSON null', JSON_TYPE, 'null', 400, 'Invalid body', ['']],
    ['a JSON string', JSON_TYPE, '"run"', 400, 'Invalid body', ['']],
    ['a JSON number', JSON_TYPE, '1', 400, 'Invalid body', ['']],
    ['an unknown property', JSON_TYPE, '{"now": true}', 400, 'Invalid body', ['now']],
    ['several unknown properties: every one named', JSON_TYPE, '{"force": true, "reason": "x", "nested": {"a": 1}}', 400, 'Invalid body', ['force', 'reason', 'nested']],
    ['a property of the wrong type is still not one it takes', JSON_TYPE, '{"subnetId": 7}', 400, 'Invalid body', ['subnetId']],
    ['JSON sent without a content type is still checked', {}, '{"now": true}', 400, 'Invalid body', ['now']],
    ['a text/plain body', { 'content-type': 'text/plain' }, 'run it', 415, 'Unsupported media type', ['Content-Type']],
    ['a form body (curl -d a=1)', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1', 415, 'Unsupported media type', ['Content-Type']],
    ['{} declared as XML', { 'content-type': 'application/xml' }, '{}', 415, 'Unsupported media type', ['Content-Type']],
    ['a body over the action limit', JSON_TYPE, `{"pad": "${'x'.repeat(MAX_ACTION_BODY_BYTES)}"}`, 413, 'Body too large', []],
  ])('%s', async (_situation, headers, body, status, title, paths) => {
    const res = await handler(post(route, headers, body), context());
    expect(res.status).toBe(status);
    expect((res.headers as Record<string, string>)['Content-Type']).toBe('application/problem+json');
    const p = problemOf(res);
    expect(p).toMatchObject({ status, title });
    expect(p.detail).toEqual(expect.any(String));
    expect((p.problems ?? []).map((x) => x.path)).toEqual(paths);
    expect(res.body).not.toMatch(/\bat .*\.(js|ts):\d+/);
  });
});

describe.each(ROUTES)('POST .../%s: no body or {} is accepted (the request goes on to the registry)', (route, handler: Handler) => {
  it.each<[string, Record<string, string>, string | undefined]>([
    ['no body, no content type (curl -X POST)', {}, undefined],
    ['an empty body declared as JSON', JSON_TYPE, ''],
    ['an empty body declared as a form (curl -X POST -d "")', { 'content-type': 'application/x-www-form-urlencoded' }, ''],
    ['whitespace only', JSON_TYPE, ' \r\n\t'],
    ['{}', JSON_TYPE, '{}'],
    ['{} with a charset and spaces', { 'content-type': 'application/json; charset=utf-8' }, ' { }\n'],
    ['{} without a content type', {}, '{}'],
  ])('%s', async (_situation, headers, body) => {
    const res = await handler(post(route, headers, body), context());
    expect(res.status).toBe(503);
  });
});

describe('POST .../probes/run: the query and the body are checked together', () => {
  it.each<[string, string, string, string, string[]]>([
    ['a malformed subnetId and a clean body: the query named', '?subnetId=x', '{}', 'Invalid query', ['subnetId']],
    ['a malformed subnetId and an unknown body property: both named at once', '?subnetId=x', '{"now": true}', 'Invalid request', ['subnetId', 'now']],
    ['the probe named in the body instead of the query', '', JSON.stringify({ subnetId: SUBNET }), 'Invalid body', ['subnetId']],
    ['the same subnetId twice (the host joins them: "S,S"): given more than once, not a bad value', `?subnetId=${SUBNET}&subnetId=${SUBNET}`, '{}', 'Invalid query', ['subnetId']],
    ['an unknown parameter and an unknown body property: both named', '?now=1', '{"now": true}', 'Invalid request', ['now', 'now']],
  ])('%s', async (_situation, query, body, title, paths) => {
    const res = await forwardsProbesRun(post('probes/run', JSON_TYPE, body, query), context());
    expect(res.status).toBe(400);
    const p = problemOf(res);
    expect(p.title).toBe(title);
    expect(p.problems?.map((x) => x.path)).toEqual(paths);
  });

  it('a subnetId sent in the body is pointed to the query', async () => {
    const p = problemOf(await forwardsProbesRun(post('probes/run', JSON_TYPE, JSON.stringify({ subnetId: SUBNET })), context()));
    expect(p.problems?.[0].message).toContain('?subnetId=');
  });
});

describe("the document's request bodies are the validators' schemas", () => {
  const doc = openApiDocument('1') as { paths: Record<string, { post: { requestBody: { required: boolean; content: Record<string, { schema: { $ref: string } }> } } }>; components: { schemas: Record<string, unknown> } };
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  it.each([
    ['/forwards/{name}/probes/run', probeRunBodySchema],
    ['/forwards/{name}/recycling/resume', resumeRecyclingBodySchema],
  ] as const)('%s: optional, and the document accepts and refuses what the route does', (p, schema) => {
    const body = doc.paths[p].post.requestBody;
    expect(body.required).toBe(false);
    const name = body.content['application/json'].schema.$ref.replace('#/components/schemas/', '');
    const validate = ajv.compile(doc.components.schemas[name] as object);
    for (const sample of [{}, { now: true }, [], null, 'x', { subnetId: SUBNET }]) {
      expect({ sample, document: validate(sample) }).toEqual({ sample, document: actionBodyProblems(schema, sample).length === 0 });
    }
  });
});

describe('POST .../recycling/resume: what it does in each situation', () => {
  const T = (s: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + s * 1000).toISOString();
  const record = (extra: Partial<ForwardRecord>): ForwardRecord => ({ name: 'web', generation: 3, deleting: false, etag: 'e', createdAt: T(0), updatedAt: T(0), ...extra }) as ForwardRecord;
  const health = (suspended?: { instanceId: string; generation: number; since: string }) => ({ conditions: [], nodes: [], ...(suspended ? { suspended } : {}) });
  afterEach(() => jest.restoreAllMocks());

  it.each<[string, ForwardRecord | undefined, number, boolean, RegExp]>([
    ['no such forward: 404, nothing written', undefined, 404, false, /no forward named "web"/],
    ['never swept (no health section): 200, nothing to resume, nothing written', record({}), 200, false, /not suspended: nothing to resume/],
    ['healthy, nothing suspended: 200, nothing written', record({ health: health() }), 200, false, /not suspended: nothing to resume/],
    ['suspended at an older generation (the spec changed since): 200, nothing written', record({ health: health({ instanceId: '1', generation: 2, since: T(60) }) }), 200, false, /spec change ended the suspension of node 1/],
    ['already resumed, the sweep has not cleared it yet: 200, nothing written', record({ health: health({ instanceId: '1', generation: 3, since: T(60) }), recycleResumedAt: T(120) }), 200, false, /already resumed at .*next health sweep/],
    ['suspended now: 202, the resume written', record({ health: health({ instanceId: '1', generation: 3, since: T(60) }) }), 202, true, /node 1 .* is resumed/],
    ['suspended again after an older resume: 202, the resume written', record({ health: health({ instanceId: '1', generation: 3, since: T(180) }), recycleResumedAt: T(120) }), 202, true, /node 1 .* is resumed/],
  ])('%s', async (_situation, found, status, writes, message) => {
    const resumeRecycling = jest.fn(async () => undefined);
    jest.spyOn(ForwardRegistry, 'fromEnv').mockReturnValue({ get: async () => found, resumeRecycling } as unknown as ForwardRegistry);
    const res = await forwardsResumeRecycling(post('recycling/resume', {}), context());
    expect(res.status).toBe(status);
    const body = JSON.parse(res.body as string) as { resumed?: boolean; resumedAt?: string; message?: string; detail?: string };
    expect(body.message ?? body.detail).toMatch(message);
    expect(resumeRecycling).toHaveBeenCalledTimes(writes ? 1 : 0);
    if (status === 202) expect(body).toMatchObject({ resumed: true, resumedAt: (resumeRecycling.mock.calls[0] as unknown[])[1], instanceId: '1' });
    if (status === 200) {
      expect(body.resumed).toBe(false);
      expect(body.resumedAt).toBe(found?.recycleResumedAt);
    }
  });
});
