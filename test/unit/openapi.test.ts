import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { openApiDocument } from '../../core/openapi';
import { DEFAULTS, LIMITS, forwardSpecJsonSchema, parseForwardSpec } from '../../core/forward-spec';
import { COMPONENTS } from '../../core/responses/components';
import { documentAjv, type OpenApiDocument } from '../helpers/openapi-check';

/**
 * The OpenAPI document is structurally valid, states the limits the validator enforces, and its
 * ForwardSpec schema (generated from the validator's zod schema) accepts and refuses what the
 * validator accepts and refuses.
 */
type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  default?: unknown;
  description?: string;
  maxItems?: number;
  maximum?: number;
  minimum?: number;
  enum?: unknown[];
  $ref?: string;
};
const doc = openApiDocument('1.2.3') as {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
};
const schemas = doc.components.schemas;
const forwardSpec = schemas.ForwardSpec;

function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref') out.push(String(x));
      else refs(x, out);
    }
  }
  return out;
}

// Every component schema, compiled as JSON Schema 2020-12 (OpenAPI 3.1's dialect) by ajv in
// strict mode; $refs into components become refs into $defs of one schema resource.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: 'https://plf.invalid/openapi', $defs: JSON.parse(JSON.stringify(schemas).replaceAll('"#/components/schemas/', '"#/$defs/')) });
const schemaAccepts = (name: string) => {
  const validate = ajv.getSchema(`https://plf.invalid/openapi#/$defs/${name}`);
  if (!validate) throw new Error(`no schema ${name}`);
  return (body: unknown) => validate(body) === true;
};
const documentAccepts = schemaAccepts('ForwardSpec');

const SUB = '00000000-0000-0000-0000-00000000c001';
const SUB2 = '00000000-0000-0000-0000-00000000C002';
const VNET = `/subscriptions/${SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke`;
const SUBNET = `${VNET}/subnets/jump`;
const ZONE_ID = `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/internal.net`;
const minimal = { ports: [{ port: 8000 }], targets: ['192.168.42.65'] };
const example = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/onprem-web.json'), 'utf8'));
const guid = (i: number) => `00000000-0000-0000-0000-${i.toString(16).padStart(12, '0')}`;

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 served under /api with the forwards operations', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: '/api' }]);
    expect(Object.keys(doc.paths).sort()).toEqual(['/forwards', '/forwards/{name}', '/forwards/{name}/actions', '/forwards/{name}/probes', '/forwards/{name}/probes/run', '/forwards/{name}/probes/runs/{runId}', '/forwards/{name}/recycling/resume', '/health', '/openapi.json', '/ui']);
    expect(Object.keys(doc.paths['/forwards/{name}']).sort()).toEqual(['delete', 'get', 'parameters', 'put']);
  });

  it('every $ref resolves to a component schema', () => {
    const missing = refs(doc).filter((r) => !(r.replace('#/components/schemas/', '') in schemas));
    expect(missing).toEqual([]);
  });

  it('every required property is declared', () => {
    const problems: string[] = [];
    const walk = (s: unknown, at: string) => {
      if (!s || typeof s !== 'object') return;
      const o = s as Schema;
      for (const r of o.required ?? []) if (!o.properties || !(r in o.properties)) problems.push(`${at}.${r}`);
      for (const [k, v] of Object.entries(o.properties ?? {})) walk(v, `${at}.${k}`);
      walk(o.items, `${at}[]`);
    };
    for (const [name, s] of Object.entries(schemas)) walk(s, name);
    expect(problems).toEqual([]);
  });

  it('every component schema compiles as JSON Schema 2020-12 (strict)', () => {
    for (const name of Object.keys(schemas)) expect(() => schemaAccepts(name)).not.toThrow();
  });

  it("states the validator's limits and defaults", () => {
    const p = forwardSpec.properties!;
    expect(p.targets.maxItems).toBe(LIMITS.targets);
    expect(p.nodes.properties?.count).toMatchObject({ maximum: LIMITS.nodes.max, default: DEFAULTS.nodes.count });
    expect(p.consumers.properties?.visibleTo.maxItems).toBe(LIMITS.visibleTo);
    expect(p.consumers.properties?.onDisallow).toMatchObject({ enum: ['keep', 'reject'], default: 'keep' });
    expect(p.dns.properties?.zoneIds).toMatchObject({ minItems: LIMITS.zoneIds.min, maxItems: LIMITS.zoneIds.max });
  });

  it('every operation but the anonymous ones (the document, the health probe) documents 401 (not signed in) and 403 (no app role)', () => {
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const codes = Object.keys(op.responses ?? {});
        expect({ p, method, documented: ['401', '403'].every((c) => codes.includes(c)) }).toEqual({ p, method, documented: !['/openapi.json', '/health'].includes(p) });
      }
    }
  });

  it('sign-in is an Entra ID bearer token (no function key), and the anonymous operations say they need none', () => {
    const whole = doc as unknown as { security: unknown; components: { securitySchemes: Record<string, { type: string; scheme?: string; description?: string }> } };
    const components = whole.components as { securitySchemes: Record<string, { type: string; scheme?: string; description?: string }> };
    expect(Object.keys(components.securitySchemes)).toEqual(['entraId']);
    expect(components.securitySchemes.entraId).toMatchObject({ type: 'http', scheme: 'bearer', description: expect.stringMatching(/Forwards\.Read.*Forwards\.Operate[\s\S]*x-ms-token-aad-id-token/) });
    expect(whole.security).toEqual([{ entraId: [] }]);
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown }>>)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters') continue;
        expect({ p, method, security: op.security }).toEqual({ p, method, security: ['/openapi.json', '/health'].includes(p) ? [] : undefined });
      }
    }
  });

  it('lists the actions of a forward, a page at a time', () => {
    const get = doc.paths['/forwards/{name}/actions'].get as { parameters: { name: string; in: string; schema: Schema }[]; responses: Record<string, { content?: Record<string, { schema: Schema }> }> };
    expect(get.parameters.map((p) => [p.name, p.in])).toEqual([
      ['top', 'query'],
      ['continuation', 'query'],
    ]);
    expect(get.parameters[0].schema).toEqual({ type: 'integer', minimum: 1, maximum: 200, default: 50 });
    expect(Object.keys(get.responses).sort()).toEqual(['200', '400', '401', '403', '404', '503']);
    expect(get.responses[200].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/ActionList' });
    const page = schemaAccepts('ActionList');
    const action = { time: '2025-01-01T00:00:00Z', actor: 'event', action: 'approve', target: 'pe-1', reason: 'subscription allowed' };
    expect(page({ value: [action], nextLink: '/api/forwards/web/actions?continuation=x' })).toBe(true);
    expect(page({ value: [] })).toBe(true);
    expect(page({ value: [{ ...action, actor: 'cron' }] })).toBe(false);
  });

  it('documents the probe history, a manual run (202 + Location, 409 while one runs) and the probes in status', () => {
    const list = doc.paths['/forwards/{name}/probes'].get as { parameters: { name: string }[]; responses: Record<string, unknown> };
    expect(list.parameters.map((p) => p.name)).toEqual(['top', 'subnetId', 'continuation']);
    expect(Object.keys(list.responses).sort()).toEqual(['200', '400', '401', '403', '404', '503']);
    const run = doc.paths['/forwards/{name}/probes/run'].post as { responses: Record<string, { headers?: Record<string, unknown> }> };
    expect(Object.keys(run.responses).sort()).toEqual(['202', '400', '401', '403', '404', '409', '413', '415', '503']);
    expect(run.responses[202].headers).toHaveProperty('Location');
    const page = schemaAccepts('ProbeRunList');
    const result = { runId: 'r', forward: 'web', subnetId: 's', probeKey: 'k', actor: 'api', startedAt: '2025-01-01T00:00:00Z', finishedAt: '2025-01-01T00:00:01Z', outcome: 'failed', host: 'onprem.internal.net', ports: [{ port: 8000, ok: false, stage: 'connect', connect: 'timeout', latencyMs: 5000, detail: 'nc: ... Connection timed out' }] };
    expect(page({ value: [result], nextLink: '/api/forwards/web/probes?continuation=x' })).toBe(true);
    expect(page({ value: [{ ...result, outcome: 'maybe' }] })).toBe(false);
    expect(page({ value: [{ ...result, ports: [{ port: 8000, ok: false, stage: 'tcp', detail: '' }] }] })).toBe(false);
    const status = schemaAccepts('ForwardStatus');
    const base = { phase: 'Ready', observedGeneration: 1, conditions: [], resources: {}, nodes: [] };
    expect(status({ ...base, probes: [{ subnetId: 's', runId: 'r', at: '2025-01-01T00:00:00Z', outcome: 'ok', ports: [{ port: 8000, ok: true, latencyMs: 3 }], nextRunAt: '2025-01-01T00:15:00Z' }] })).toBe(true);
    expect(JSON.stringify(schemas.ForwardStatus)).toContain('Reachable');
  });

  it('documents resuming recycling: 202 when a suspension was lifted, 200 when there was none (nothing changed)', () => {
    const resume = doc.paths['/forwards/{name}/recycling/resume'].post as { responses: Record<string, { content?: Record<string, { schema: Schema }> }> };
    expect(Object.keys(resume.responses).sort()).toEqual(['200', '202', '400', '401', '403', '404', '413', '415', '503']);
    expect(resume.responses[200].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/RecyclingResume' });
    expect(resume.responses[202].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/RecyclingResume' });
    const answer = schemaAccepts('RecyclingResume');
    expect(answer({ resumed: true, resumedAt: '2025-01-01T00:00:00Z', instanceId: '1', suspendedSince: '2024-12-31T23:00:00Z', message: 'resumed' })).toBe(true);
    expect(answer({ resumed: false, message: 'recycling is not suspended: nothing to resume' })).toBe(true);
    expect(answer({ resumedAt: '2025-01-01T00:00:00Z' })).toBe(false);
  });

  it('a forward status shows its connections and their DNS records', () => {
    const status = schemaAccepts('ForwardStatus');
    const base = { phase: 'Ready', observedGeneration: 1, conditions: [], resources: {}, nodes: [] };
    const connection = {
      name: 'pe-1.abc',
      privateEndpointId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-1`,
      subscriptionId: SUB,
      virtualNetworkId: VNET,
      state: 'Approved',
      decision: 'approve',
      reason: 'subscription allowed',
      dns: [{ fqdn: 'onprem.internal.net', zoneId: ZONE_ID, ip: '10.1.0.4', state: 'written' }],
    };
    expect(status(base)).toBe(true);
    expect(status({ ...base, connections: [connection] })).toBe(true);
    expect(status({ ...base, connections: [{ ...connection, decision: 'maybe' }] })).toBe(false);
    expect(status({ ...base, connections: [{ ...connection, dns: [{ ...connection.dns[0], state: 'lost' }] }] })).toBe(false);
    expect(JSON.stringify(schemas.Condition)).toContain('ConnectionsReconciled');
    expect(JSON.stringify(schemas.Condition)).toContain('DnsRecordsReady');
  });
});

/**
 * The HTTP triggers as functions/*.ts register them (route, methods) and the statuses each can
 * answer, read from its source: literal `problem(NNN` / `json(NNN` / `status: NNN`, and those of
 * the request helpers it calls (functions/request-checks.ts, functions/auth.ts). A trigger added,
 * a method added, or a new answer without its line in the document fails here.
 */
const FUNCTIONS = path.join(__dirname, '../../functions');
const HELPER_STATUSES: [RegExp, number[]][] = [
  [/\bdenied\(/, [401, 403]],
  [/\bbadRequest\(|\bqueryValues\(|\bpreconditions\(/, [400]],
  [/\breadJsonBody\(|\breadActionBody\(/, [400, 413, 415]],
];
const triggers = fs
  .readdirSync(FUNCTIONS)
  .filter((f) => f.endsWith('.ts'))
  .flatMap((file) => {
    const text = fs.readFileSync(path.join(FUNCTIONS, file), 'utf8');
    return [...text.matchAll(/app\.http\([^{]*\{[^}]*?route: '([^']+)'[^}]*?methods: \[([^\]]*)\]/g)].flatMap((m) => {
      const statuses = new Set<number>();
      for (const call of text.matchAll(/\b(?:problem|json)\(([^,]+),|\bstatus: (\d{3})\b/g)) for (const n of (call[1] ?? call[2]).match(/\b[1-5]\d\d\b/g) ?? []) statuses.add(Number(n));
      for (const [uses, codes] of HELPER_STATUSES) if (uses.test(text)) codes.forEach((c) => statuses.add(c));
      // The query parameters it takes: queryValues(request, ['top', ...]) (none when it passes []).
      const query = [...(/\bqueryValues\(request, \[([^\]]*)\]/.exec(text)?.[1] ?? '').matchAll(/'(\w+)'/g)].map((q) => q[1]);
      return [...m[2].matchAll(/'(\w+)'/g)].map((method) => ({ file, path: `/${m[1]}`, method: method[1].toLowerCase(), statuses: [...statuses].sort(), query }));
    });
  });

describe('the document describes every HTTP trigger, and every answer it can give', () => {
  it('finds the triggers', () => expect(triggers.length).toBeGreaterThan(10));

  it('each registered route and method is an operation of the document, and each operation is registered', () => {
    const registered = triggers.map((t) => `${t.method.toUpperCase()} ${t.path}`).sort();
    const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(documented).toEqual(registered);
  });

  it.each(triggers.map((t) => [`${t.method.toUpperCase()} ${t.path} (${t.file})`, t] as const))('%s: every status it can answer is documented', (_name, t) => {
    const op = doc.paths[t.path]?.[t.method] as { responses?: Record<string, unknown> } | undefined;
    const documented = Object.keys(op?.responses ?? {}).map(Number);
    expect({ op: _name, undocumented: t.statuses.filter((c) => !documented.includes(c)) }).toEqual({ op: _name, undocumented: [] });
  });

  it.each([
    ['/forwards/{name}', 'put', ['400', '409', '412', '413', '415']],
    ['/forwards/{name}', 'get', ['400', '404']],
    ['/forwards/{name}', 'delete', ['400', '404', '409', '412']],
  ])('%s %s documents the refusals %j', (p, method, codes) => {
    const responses = (doc.paths[p][method] as { responses: Record<string, unknown> }).responses;
    expect(codes.filter((c) => !(c in responses))).toEqual([]);
  });

  it('PUT documents its preconditions (If-Match, If-None-Match) and that the body is not encoded', () => {
    const put = doc.paths['/forwards/{name}'].put as { parameters: { name: string; in: string }[] };
    expect(put.parameters.map((x) => [x.name, x.in])).toEqual([
      ['If-Match', 'header'],
      ['If-None-Match', 'header'],
      ['Content-Encoding', 'header'],
    ]);
  });

  it('DELETE documents the same preconditions, each a list of entity tags or *', () => {
    const del = doc.paths['/forwards/{name}'].delete as { parameters: { name: string; in: string; description: string }[] };
    expect(del.parameters.map((x) => [x.name, x.in])).toEqual([
      ['If-Match', 'header'],
      ['If-None-Match', 'header'],
    ]);
    for (const x of del.parameters) expect(x.description).toMatch(/list of entity tags.*400/);
  });

  it('no operation documents a query parameter its route does not read', () => {
    // The routes read theirs through queryValues(request, [...]); each documented one is in that list.
    const read = new Map(triggers.map((t) => [`${t.method} ${t.path}`, t.query]));
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const documented = ((op as { parameters?: { name: string; in: string }[] }).parameters ?? []).filter((x) => x.in === 'query').map((x) => x.name);
        expect({ op: `${method} ${p}`, query: documented }).toEqual({ op: `${method} ${p}`, query: read.get(`${method} ${p}`) });
      }
    }
  });

  it('the status page is text/html and the health probe answers its documented shape', () => {
    const ui = doc.paths['/ui'].get as { responses: Record<string, { content?: Record<string, unknown> }> };
    expect(Object.keys(ui.responses[200].content ?? {})).toEqual(['text/html']);
    const health = schemaAccepts('Health');
    expect(health({ status: 'ok', version: '1.2.3', node: 'v20.0.0', arm: { kind: 'azure', endpoint: 'https://management.azure.com' }, storage: { kind: 'identity', tableEndpoint: 'https://a.table.core.windows.net', accountName: 'a' } })).toBe(true);
    expect(health({ status: 'ok', version: '1.2.3', arm: 'azure' })).toBe(false);
  });

  it('a problem says where each of its problems is', () => {
    const p = schemaAccepts('Problem');
    expect(p({ title: 'Invalid request', status: 400, problems: [{ path: 'name', message: 'm', in: 'path' }, { path: '', message: 'is not valid JSON', in: 'body' }] })).toBe(true);
    expect(p({ title: 'Invalid request', status: 400, problems: [{ path: 'If-Match', message: 'm', in: 'header' }, { path: 'x', message: 'm', in: 'query' }] })).toBe(true);
    expect(p({ title: 'Invalid request', status: 400, problems: [{ path: 'name', message: 'm', in: 'cookie' }] })).toBe(false);
  });
});

type Parameter = { name?: string; in?: string; required?: boolean; schema?: unknown };
type Operation = { operationId?: string; parameters?: Parameter[]; responses?: Record<string, { description?: unknown; content?: Record<string, { schema?: unknown }> }>; security?: Record<string, unknown>[] };

describe('the document has the shape OpenAPI 3.1 asks for', () => {
  const operations = Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.entries(item)
      .filter(([k]) => k !== 'parameters')
      .map(([method, op]) => ({ p, method, op: op as Operation, shared: (item.parameters ?? []) as Parameter[] })),
  );
  const whole = doc as unknown as { info?: { title?: unknown; version?: unknown }; security?: Record<string, unknown>[]; components: { securitySchemes?: Record<string, unknown> } };

  it('info names the API and its version; every path starts with /; every method is an HTTP method', () => {
    expect(whole.info).toMatchObject({ title: expect.any(String), version: '1.2.3' });
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/'))).toEqual([]);
    expect(operations.filter((o) => !['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(o.method)).map((o) => o.method)).toEqual([]);
  });

  it('operation ids are unique', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('each {parameter} of a path is a required path parameter, and each path parameter is in its path', () => {
    for (const { p, method, op, shared } of operations) {
      const inPath = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = [...shared, ...(op.parameters ?? [])].filter((x) => x.in === 'path');
      expect({ op: `${method} ${p}`, path: declared.map((x) => x.name).sort(), required: declared.every((x) => x.required === true) }).toEqual({ op: `${method} ${p}`, path: inPath, required: true });
    }
  });

  it('every parameter names where it is and has a schema', () => {
    for (const { p, method, op, shared } of operations) {
      for (const x of [...shared, ...(op.parameters ?? [])]) expect({ op: `${method} ${p}`, name: x.name, in: ['query', 'header', 'path', 'cookie'].includes(x.in ?? ''), schema: typeof x.schema }).toEqual({ op: `${method} ${p}`, name: expect.any(String), in: true, schema: 'object' });
    }
  });

  it('every answer is a status code with a description, and each of its media types has a schema that compiles (JSON Schema 2020-12, strict)', () => {
    const ajv = documentAjv(doc as unknown as OpenApiDocument);
    for (const { p, method, op } of operations) {
      expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
      for (const [code, response] of Object.entries(op.responses ?? {})) {
        expect({ op: `${method} ${p}`, code: /^[1-5]\d\d$/.test(code), description: typeof response.description }).toEqual({ op: `${method} ${p}`, code: true, description: 'string' });
        for (const [type, media] of Object.entries(response.content ?? {})) {
          expect({ op: `${method} ${p} ${code} ${type}`, schema: typeof media.schema }).toEqual({ op: `${method} ${p} ${code} ${type}`, schema: 'object' });
          expect(() => ajv.compile(JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/schemas/', '"https://plf.invalid/openapi.json#/$defs/')))).not.toThrow();
        }
      }
    }
  });

  it('every security requirement names a declared scheme', () => {
    const named = [...(whole.security ?? []), ...operations.flatMap((o) => o.op.security ?? [])].flatMap((r) => Object.keys(r));
    expect(named.filter((n) => !(n in (whole.components.securitySchemes ?? {})))).toEqual([]);
  });

  it('every schema is generated from a zod schema the code uses (core/responses/components.ts), none written by hand', () => {
    expect(Object.keys(schemas).sort()).toEqual(Object.keys(COMPONENTS).sort());
  });

  it('every 2xx answer with a JSON body names a component (the schema its type is inferred from), but the document itself', () => {
    const inline = operations.flatMap(({ p, method, op }) =>
      Object.entries(op.responses ?? {})
        .filter(([code]) => code.startsWith('2'))
        .flatMap(([code, r]) => Object.entries(r.content ?? {}).filter(([type, m]) => type.endsWith('json') && !(m.schema as { $ref?: string }).$ref).map(() => `${method} ${p} ${code}`)),
    );
    expect(inline).toEqual(['get /openapi.json 200']);
  });
});

describe("the document's ForwardSpec is the validator's schema", () => {
  it('is generated from it, not written twice', () => {
    expect(forwardSpec).toEqual(forwardSpecJsonSchema());
  });

  it.each<[string, unknown]>([
    ['examples/onprem-web.json', example],
    ['the minimal body', minimal],
    ['visible to anyone', { ...minimal, consumers: { visibleTo: ['*'], onDisallow: 'reject' } }],
    ['visible to subscriptions (any case)', { ...minimal, consumers: { visibleTo: [SUB, SUB2], allow: [{ subscriptionId: SUB2, virtualNetworkIds: [VNET.toLowerCase()] }] } }],
    ['dns with zone ids only', { ...minimal, dns: { zoneIds: [ZONE_ID, ZONE_ID.replace('rg-dns', 'rg-dns2').toUpperCase()], recordName: 'web' } }],
    ['dns with a zone name and ids', { ...minimal, dns: { zoneName: 'Internal.NET', zoneIds: [ZONE_ID], recordName: 'web', ttl: 60 } }],
    ['every field', { ...example, placement: { resourceGroup: 'rg-hub', subnetId: SUBNET, location: 'westeurope' }, agent: { intervalSeconds: 10, connectTimeoutSeconds: 3 }, nodes: { count: 1, vmSize: 'Standard_B2s', zones: [] } }],
  ])('both accept %s', (_s, body) => {
    expect(parseForwardSpec(body).ok).toBe(true);
    expect(documentAccepts(body)).toBe(true);
  });

  it('accepts the spec the validator stores (defaults filled in), as GET returns it', () => {
    for (const body of [minimal, example, { ...minimal, dns: { zoneIds: [ZONE_ID], recordName: 'x' }, consumers: { visibleTo: ['*'] } }]) {
      const r = parseForwardSpec(body);
      expect(r.ok && documentAccepts(r.spec)).toBe(true);
    }
  });

  it.each<[string, unknown]>([
    ['a body that is not an object', ['ports']],
    ['no ports', { targets: ['10.0.0.1'] }],
    ['no targets', { ports: [{ port: 80 }] }],
    ['an empty ports list', { ...minimal, ports: [] }],
    ['33 ports', { ...minimal, ports: Array.from({ length: 33 }, (_, i) => ({ port: i + 1 })) }],
    ['port 65536', { ...minimal, ports: [{ port: 65536 }] }],
    ['a fractional target port', { ...minimal, ports: [{ port: 80, targetPort: 80.5 }] }],
    ['a port given as a string', { ...minimal, ports: [{ port: '80' }] }],
    ['an unknown property', { ...minimal, color: 'blue' }],
    ['an unknown port mapping property', { ...minimal, ports: [{ port: 80, protocol: 'udp' }] }],
    ['an IPv6 target', { ...minimal, targets: ['fd00::1'] }],
    ['a target with a leading zero', { ...minimal, targets: ['010.0.0.1'] }],
    ['a target octet over 255', { ...minimal, targets: ['10.0.0.256'] }],
    ['a duplicated target', { ...minimal, targets: ['10.0.0.1', '10.0.0.1'] }],
    ['17 targets', { ...minimal, targets: Array.from({ length: 17 }, (_, i) => `10.0.0.${i + 1}`) }],
    ['0 nodes', { ...minimal, nodes: { count: 0 } }],
    ['21 nodes', { ...minimal, nodes: { count: 21 } }],
    ['zone 4', { ...minimal, nodes: { zones: ['4'] } }],
    ['a zone listed twice', { ...minimal, nodes: { zones: ['1', '1'] } }],
    ['a VM size with a space', { ...minimal, nodes: { vmSize: 'Standard B1s' } }],
    ['an unknown nodes property', { ...minimal, nodes: { size: 'big' } }],
    ['a consumer that is not a GUID', { ...minimal, consumers: { allow: [{ subscriptionId: 'abc' }] } }],
    ['a consumer without a subscription', { ...minimal, consumers: { allow: [{ virtualNetworkIds: [] }] } }],
    ['a consumer VNet that is a subnet', { ...minimal, consumers: { allow: [{ subscriptionId: SUB, virtualNetworkIds: [SUBNET] }] } }],
    ['an unknown consumer rule property', { ...minimal, consumers: { allow: [{ subscriptionId: SUB, vnet: VNET }] } }],
    ['101 consumers', { ...minimal, consumers: { allow: Array.from({ length: 101 }, (_, i) => ({ subscriptionId: guid(i) })) } }],
    ['an unknown unmatched policy', { ...minimal, consumers: { unmatched: 'approve' } }],
    ['maxConnections 1001', { ...minimal, consumers: { maxConnections: 1001 } }],
    ['an unknown onDisallow policy', { ...minimal, consumers: { onDisallow: 'delete' } }],
    ['"*" mixed with a subscription', { ...minimal, consumers: { visibleTo: ['*', SUB] } }],
    ['"*" twice', { ...minimal, consumers: { visibleTo: ['*', '*'] } }],
    ['a visibleTo entry that is not a GUID', { ...minimal, consumers: { visibleTo: ['everyone'] } }],
    ['a visibleTo subscription listed twice', { ...minimal, consumers: { visibleTo: [SUB, SUB] } }],
    ['101 visibleTo subscriptions', { ...minimal, consumers: { visibleTo: Array.from({ length: 101 }, (_, i) => guid(i)) } }],
    ['a visibleTo that is a string', { ...minimal, consumers: { visibleTo: '*' } }],
    ['a dns record without a zone', { ...minimal, dns: { recordName: 'x' } }],
    ['a dns zone without a record', { ...minimal, dns: { zoneName: 'internal.net' } }],
    ['a zone with one label', { ...minimal, dns: { zoneName: 'internal', recordName: 'x' } }],
    ['a zone label ending with a hyphen', { ...minimal, dns: { zoneName: 'internal-.net', recordName: 'x' } }],
    ['a record with a dot', { ...minimal, dns: { zoneName: 'internal.net', recordName: 'a.b' } }],
    ['a record ending with a hyphen', { ...minimal, dns: { zoneName: 'internal.net', recordName: 'a-' } }],
    ['ttl 0', { ...minimal, dns: { zoneName: 'internal.net', recordName: 'a', ttl: 0 } }],
    ['a null ttl', { ...minimal, dns: { zoneName: 'internal.net', recordName: 'a', ttl: null } }],
    ['an empty zoneIds', { ...minimal, dns: { zoneIds: [], recordName: 'x' } }],
    ['11 zoneIds', { ...minimal, dns: { zoneIds: Array.from({ length: 11 }, (_, i) => ZONE_ID.replace('rg-dns', `rg-${i}`)), recordName: 'x' } }],
    ['a zone id that is a VNet id', { ...minimal, dns: { zoneIds: [VNET], recordName: 'x' } }],
    ['a zone id with a malformed subscription', { ...minimal, dns: { zoneIds: [ZONE_ID.replace(SUB, 'not-a-guid-but-thirty-six-characters')], recordName: 'x' } }],
    ['an unknown dns property', { ...minimal, dns: { zoneName: 'internal.net', recordName: 'x', zone: 'y' } }],
    ['a malformed duration', { ...minimal, probes: [{ subnetId: SUBNET, every: '15 minutes' }] }],
    ['a duration in lower case', { ...minimal, probes: [{ subnetId: SUBNET, every: 'pt15m' }] }],
    ['a probe without a subnet', { ...minimal, probes: [{ every: 'PT15M' }] }],
    ['a probe subnet that is a VNet id', { ...minimal, probes: [{ subnetId: VNET }] }],
    ['11 probes', { ...minimal, probes: Array.from({ length: 11 }, () => ({ subnetId: SUBNET })) }],
    ['a placement location with spaces', { ...minimal, placement: { location: 'West Europe' } }],
    ['a placement resource group with a slash', { ...minimal, placement: { resourceGroup: 'rg/hub' } }],
    ['an unknown placement property', { ...minimal, placement: { region: 'westeurope' } }],
    ['an agent interval of 0', { ...minimal, agent: { intervalSeconds: 0 } }],
    ['an agent connect timeout of 31', { ...minimal, agent: { connectTimeoutSeconds: 31 } }],
  ])('both refuse %s', (_s, body) => {
    expect(parseForwardSpec(body).ok).toBe(false);
    expect(documentAccepts(body)).toBe(false);
  });

  // Rules JSON Schema cannot state; the document says them in words.
  it.each<[string, unknown, string]>([
    ['a reserved target', { ...minimal, targets: ['127.0.0.1'] }, 'loopback'],
    ['a port listed twice (targetPort aside)', { ...minimal, ports: [{ port: 80 }, { port: 80, targetPort: 81 }] }, 'duplicate ports'],
    ['a probe every minute', { ...minimal, probes: [{ subnetId: SUBNET, every: 'PT1M' }] }, 'PT5M..P1D'],
  ])('the validator refuses %s and the document describes the rule', (_s, body, words) => {
    expect(parseForwardSpec(body).ok).toBe(false);
    expect(JSON.stringify(forwardSpec)).toContain(words);
  });

  it('every property the validator knows is in the document, object by object', () => {
    // Each object the document describes gets an unknown property; the validator's problem lists
    // the properties it knows there, which must be the document's.
    const objects: { at: (string | number)[]; keys: string[] }[] = [];
    const walk = (s: Schema, at: (string | number)[]) => {
      if (s.properties) {
        objects.push({ at, keys: Object.keys(s.properties) });
        for (const [k, v] of Object.entries(s.properties)) walk(v, [...at, k]);
      }
      if (s.items) walk(s.items, [...at, 0]);
    };
    walk(forwardSpec, []);
    expect(objects.map((o) => o.at.join('.'))).toEqual(['', 'ports.0', 'nodes', 'consumers', 'consumers.allow.0', 'dns', 'probes.0', 'placement', 'agent']);
    for (const { at, keys } of objects) {
      const body: Record<string, unknown> = structuredClone(minimal);
      let container: Record<string | number, unknown> = body;
      at.forEach((step, i) => {
        const next = typeof at[i + 1] === 'number' ? [] : {};
        container[step] = container[step] !== undefined && typeof container[step] === 'object' ? container[step] : next;
        container = container[step] as Record<string | number, unknown>;
      });
      container.unexpected = 1;
      const r = parseForwardSpec(body);
      const where = at.reduce<string>((out, s) => (typeof s === 'number' ? `${out}[${s}]` : out ? `${out}.${s}` : s), '');
      const problem = !r.ok ? r.problems.find((p) => p.path === (where ? `${where}.unexpected` : 'unexpected')) : undefined;
      const known = /\(known: (.*)\)$/.exec(problem?.message ?? '')?.[1]?.split(', ');
      expect({ at: where, known: known?.sort() }).toEqual({ at: where, known: [...keys].sort() });
    }
  });

  it('every default the validator fills in is the documented default', () => {
    const body = { ...minimal, dns: { zoneName: 'internal.net', recordName: 'x' }, probes: [{ subnetId: SUBNET }] };
    const r = parseForwardSpec(body);
    if (!r.ok) throw new Error('the body is valid');
    const filled: string[] = [];
    const compare = (value: unknown, given: unknown, s: Schema | undefined, at: string) => {
      if (given === undefined) {
        filled.push(at);
        // an object given as a whole default ({}) has each of its fields' defaults
        if (s?.default !== undefined && JSON.stringify(s.default) !== '{}') expect({ at, default: s.default }).toEqual({ at, default: value });
        else if (value && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) compare(v, undefined, s?.properties?.[k], `${at}.${k}`);
        else expect({ at, default: s?.default }).toEqual({ at, default: value });
      } else if (Array.isArray(value)) value.forEach((v, i) => compare(v, (given as unknown[])[i], s?.items, `${at}[${i}]`));
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) compare(v, (given as Record<string, unknown>)[k], s?.properties?.[k], at ? `${at}.${k}` : k);
    };
    // ports[].targetPort is filled from the port, not a default: checked below
    const { ports: _ports, ...spec } = r.spec;
    const { ports: _given, ...given } = body;
    compare(spec, given, forwardSpec, '');
    expect(filled.sort()).toEqual(
      ['agent', 'agent.connectTimeoutSeconds', 'agent.intervalSeconds', 'consumers', 'consumers.allow', 'consumers.maxConnections', 'consumers.onDisallow', 'consumers.unmatched', 'dns.ttl', 'nodes', 'nodes.count', 'nodes.vmSize', 'nodes.zones', 'probes[0].every'].sort(),
    );
    expect(forwardSpec.properties?.ports.items?.properties?.targetPort.description).toMatch(/defaults to port/);
  });
});
