import { openApiDocument } from '../../core/openapi';
import { matchPath, responseChecker, type Answer, type OpenApiDocument } from '../helpers/openapi-check';

/**
 * The check the integration tests run on every answer (test/helpers/openapi-check.ts) against the
 * document the app serves: what it accepts, and that it refuses each way an answer can differ
 * from the document — so a test that passes through it proves the answers it read are documented.
 */
const doc = openApiDocument('1.2.3') as unknown as OpenApiDocument;
const check = responseChecker(doc);

const T = '2026-01-01T00:00:00.000Z';
const SUB = '00000000-0000-0000-0000-00000000c001';
const forward = {
  name: 'web',
  generation: 2,
  deleting: false,
  spec: {
    ports: [{ port: 8000, targetPort: 8000 }],
    targets: ['192.168.42.65'],
    nodes: { count: 2, vmSize: 'Standard_B1s', zones: ['1', '2', '3'] },
    consumers: { allow: [{ subscriptionId: SUB, virtualNetworkIds: [] }], unmatched: 'leavePending', maxConnections: 50, onDisallow: 'keep' },
    probes: [],
    agent: { intervalSeconds: 5, connectTimeoutSeconds: 2 },
  },
  status: {
    phase: 'Ready',
    observedGeneration: 2,
    conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: 'generation 2 is provisioned', lastTransitionTime: T, observedGeneration: 2 }],
    resources: { loadBalancerId: '/subscriptions/x/lb' },
    nodes: [{ instanceId: '0', ip: '10.0.1.5', health: 'healthy', latestModelApplied: true }],
    connections: [],
  },
  createdAt: T,
  updatedAt: T,
};
const json = (method: string, url: string, status: number, body: unknown, contentType = 'application/json'): Answer => ({ method, url, status, contentType, text: JSON.stringify(body) });
const problem = (status: number) => json('GET', '/api/forwards/web', status, { type: 'https://x/not-found', title: 'Not found', status, detail: 'no forward named "web"' }, 'application/problem+json');

describe('an answer the document describes is accepted', () => {
  it.each<[string, Answer]>([
    ['GET of a forward (200, application/json; charset=utf-8)', json('GET', 'http://127.0.0.1:7071/api/forwards/web', 200, forward, 'application/json; charset=utf-8')],
    ['a 404 problem', problem(404)],
    ['PUT accepted (202)', json('PUT', '/api/forwards/web', 202, forward)],
    ['a page of actions with its query', json('GET', '/api/forwards/web/actions?top=1', 200, { value: [{ time: T, actor: 'event', action: 'approve', target: 'pe-1', reason: 'allowed' }], nextLink: '/api/forwards/web/actions?top=1&continuation=x' })],
    ['a probe run still running', json('GET', '/api/forwards/web/probes/runs/0b9f4e7c-3a2d-4c1b-9e8f-7a6b5c4d3e2f', 200, { runId: '0b9f4e7c-3a2d-4c1b-9e8f-7a6b5c4d3e2f', state: 'running', subnetId: 's' })],
    ['the health probe', json('GET', '/api/health', 200, { status: 'ok', version: '1.2.3' })],
    ['the status page', { method: 'GET', url: '/api/ui', status: 200, contentType: 'text/html; charset=utf-8', text: '<!doctype html>' }],
  ])('%s', (_situation, answer) => {
    expect(check(answer)).toEqual([]);
  });
});

describe('an answer that is not what the document says is refused, naming why', () => {
  it.each<[string, Answer, RegExp]>([
    ['a property the document does not list', json('GET', '/api/forwards/web', 200, { ...forward, etag: '"1"' }), /must NOT have additional properties.*etag/],
    ['a required property missing', json('GET', '/api/forwards/web', 200, { ...forward, status: { ...forward.status, conditions: [{ type: 'Ready', status: 'True', reason: 'R', message: 'm' }] } }), /conditions\/0 must have required property 'lastTransitionTime'/],
    ['a value outside an enum', json('GET', '/api/forwards/web', 200, { ...forward, status: { ...forward.status, phase: 'Happy' } }), /\/status\/phase must be equal to one of the allowed values/],
    ['a time that is not ISO 8601', json('GET', '/api/forwards/web', 200, { ...forward, createdAt: 'yesterday' }), /\/createdAt must match format "date-time"/],
    ['a spec the PUT body schema refuses', json('GET', '/api/forwards/web', 200, { ...forward, spec: { ...forward.spec, targets: ['not-an-ip'] } }), /\/spec\/targets\/0 must match pattern/],
    ['a status the operation does not list', problem(500), /GET \/forwards\/\{name\} answered 500: the document lists no such answer/],
    ['a content type the answer does not list', json('GET', '/api/forwards/web', 404, { title: 'Not found', status: 404 }, 'application/json'), /as application\/json; the document lists application\/problem\+json/],
    ['a body that is not JSON', { method: 'GET', url: '/api/health', status: 200, contentType: 'application/json', text: 'ok' }, /its body is not JSON/],
    ['a probe run finished without its result', json('GET', '/api/forwards/web/probes/runs/0b9f4e7c-3a2d-4c1b-9e8f-7a6b5c4d3e2f', 200, { runId: 'r', state: 'finished' }), /must have required property 'result'/],
  ])('%s', (_situation, answer, why) => {
    const problems = check(answer);
    expect(problems?.length).toBeGreaterThan(0);
    expect(problems?.join('\n')).toMatch(why);
  });
});

describe('what the document does not describe is not judged (the host answers it)', () => {
  it.each<[string, Answer]>([
    ['a path outside /api', json('GET', '/runtime/webhooks/durabletask/instances/x', 404, {})],
    ['a path no template matches', json('GET', '/api/nowhere', 404, {})],
    ['a method the path does not take (devhost 405)', json('PATCH', '/api/forwards/web', 405, {})],
  ])('%s', (_situation, answer) => {
    expect(check(answer)).toBeUndefined();
  });

  it.each([
    ['/api/forwards', '/forwards'],
    ['/api/forwards/web', '/forwards/{name}'],
    ['/api/forwards/web/probes/run', '/forwards/{name}/probes/run'],
    ['/api/forwards/web/probes/runs/abc', '/forwards/{name}/probes/runs/{runId}'],
    ['/api/openapi.json', '/openapi.json'],
    ['/api/openapiXjson', undefined],
    ['/api/forwards/a/b', undefined],
  ])('%s is the operation path %s', (pathname, template) => {
    expect(matchPath(doc, pathname)).toBe(template);
  });
});
