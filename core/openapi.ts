import { AppRoles, BROWSER_SIGN_IN } from './auth';
import { componentRef, componentSchemas, type ComponentName } from './responses/components';

/**
 * The OpenAPI 3.1 document of the forwards API: its paths, parameters and answers are written
 * here; every schema is generated (core/responses/components.ts). The request bodies' schemas
 * (ForwardSpec, and the action routes' ProbeRunRequest and ResumeRecyclingRequest) come from the
 * zod schemas that validate them (core/forward-spec.ts, core/action-bodies.ts), so the documented
 * patterns, bounds, defaults and closed objects are the enforced ones; the response bodies' from
 * the zod schemas the code's types are inferred from (core/responses/*.ts), so an answer the code
 * builds has the documented shape, and the integration tests check every answer they get against
 * this document (test/helpers/openapi-check.ts). OpenAPI 3.1's schema dialect is
 * JSON Schema 2020-12, which is what zod emits.
 */
export function openApiDocument(version: string): Record<string, unknown> {
  const ref = (name: ComponentName) => ({ $ref: componentRef(name) });
  const problem = { description: 'Problem details', content: { 'application/problem+json': { schema: ref('Problem') } } };
  const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$' } };
  const actionBody = (schema: ComponentName) => ({ required: false, content: { 'application/json': { schema: ref(schema) } } });
  const unsupported = { ...problem, description: 'A body declared as something other than application/json (a +json type such as application/merge-patch+json included), in a charset other than UTF-8, or content-encoded (gzip...): each header at fault named' };
  // Every route refuses a query parameter it does not take (a 400 naming it; `code`, the function key, aside).
  const badQuery = { ...problem, description: 'A query parameter this operation does not take (it takes none), each named with `in: query`' };
  const ifMatch = (star: string) => ({
    name: 'If-Match',
    in: 'header',
    required: false,
    schema: { type: 'string' },
    description: `${star}, or a comma-separated list of entity tags, e.g. the ETag a GET answered (412 unless one of them is the current ETag, compared strongly: a W/ tag never matches); anything else is a 400 naming the header`,
  });
  const ifNoneMatch = (what: string) => ({
    name: 'If-None-Match',
    in: 'header',
    required: false,
    schema: { type: 'string' },
    description: `${what}; anything else is a 400 naming the header`,
  });
  const forwardResponse = (description: string) => ({ description, headers: { ETag: { schema: { type: 'string' } } }, content: { 'application/json': { schema: ref('Forward') } } });
  const doc: Record<string, unknown> = {
    openapi: '3.1.0',
    info: { title: 'private-link-forwarder', version, description: 'Forwards: TCP services reached from isolated spokes through Private Link.' },
    servers: [{ url: '/api' }],
    paths: {
      '/forwards': {
        get: { operationId: 'listForwards', responses: { 200: { description: 'Every forward with its phase', content: { 'application/json': { schema: ref('ForwardList') } } }, 400: badQuery, 503: problem } },
      },
      '/forwards/{name}': {
        parameters: [nameParam],
        put: {
          operationId: 'putForward',
          description:
            'Creates or replaces the forward with the whole spec (application/json; there is no PATCH). It takes no query parameter. Preconditions are optional and only the client\'s (RFC 9110 13.1): If-Match (`*`: it must exist; entity tags: one must be its current ETag) and If-None-Match (`*`: create only; entity tags: it must be none of those versions) answer 412 when they do not hold, 400 when malformed. Without them, concurrent PUTs all succeed: the last writer wins and each write bumps the generation.',
          parameters: [
            ifMatch('* (412 when the forward does not exist)'),
            ifNoneMatch('* : create only (412 when the forward exists); a comma-separated list of entity tags: 412 while the forward is one of those versions (compared weakly)'),
            { name: 'Content-Encoding', in: 'header', required: false, schema: { type: 'string', enum: ['identity'] }, description: 'the body is read as sent: any other encoding (gzip...) is 415' },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ForwardSpec') } } },
          responses: {
            200: forwardResponse('Unchanged (identical spec)'),
            202: forwardResponse('Accepted: the spec is stored and being reconciled'),
            400: { ...problem, description: 'The name, the query (it takes none), If-Match/If-None-Match (malformed) and the body have problems, each named (`in`: path, query, header or body), or the body is not JSON' },
            409: { ...problem, description: 'Other writers kept changing the forward while it was written (rare); try again' },
            412: { ...problem, description: 'If-Match or If-None-Match does not hold' },
            413: { ...problem, description: 'A body over 256 KiB' },
            415: unsupported,
            503: problem,
          },
        },
        get: { operationId: 'getForward', responses: { 200: forwardResponse('The forward'), 400: { ...problem, description: 'The name cannot be a forward name, or a query parameter is given (it takes none)' }, 404: problem, 503: problem } },
        delete: {
          operationId: 'deleteForward',
          description: 'Marks the forward for deletion; its teardown follows. It takes no query parameter. If-Match and If-None-Match are evaluated as on PUT (412 when they do not hold, 400 when malformed); a forward that does not exist is 404 whatever they say (RFC 9110 13.2.1).',
          parameters: [ifMatch('* (the forward exists; a missing one is 404)'), ifNoneMatch('* : 412, the forward exists; a comma-separated list of entity tags: 412 while the forward is one of those versions (compared weakly)')],
          responses: {
            202: forwardResponse('Accepted: teardown in reverse order'),
            400: { ...problem, description: 'The name, the query (it takes none) or If-Match/If-None-Match (malformed) have problems, each named (`in`: path, query or header)' },
            404: { ...problem, description: 'No such forward (with or without If-Match)' },
            409: { ...problem, description: 'Other writers kept changing the forward while it was marked (rare); try again' },
            412: { ...problem, description: 'If-Match does not hold' },
            503: problem,
          },
        },
      },
      '/forwards/{name}/actions': {
        parameters: [nameParam],
        get: {
          operationId: 'listForwardActions',
          description: 'What the control plane did for the forward (approvals, rejections, DNS writes, conflicts), newest first, a page at a time.',
          parameters: [
            { name: 'top', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, description: 'page size' },
            { name: 'continuation', in: 'query', required: false, schema: { type: 'string' }, description: 'the continuation of the previous page (from its nextLink)' },
          ],
          responses: { 200: { description: 'A page of actions', content: { 'application/json': { schema: ref('ActionList') } } }, 400: problem, 404: problem, 503: problem },
        },
      },
      '/forwards/{name}/probes': {
        parameters: [nameParam],
        get: {
          operationId: 'listProbeRuns',
          description: "The forward's finished probe runs, newest first, a page at a time; optionally of one probe subnet.",
          parameters: [
            { name: 'top', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, description: 'page size' },
            { name: 'subnetId', in: 'query', required: false, schema: { type: 'string' }, description: 'only the runs of the probe in this subnet (a subnet resource id)' },
            { name: 'continuation', in: 'query', required: false, schema: { type: 'string' }, description: 'the continuation of the previous page (from its nextLink)' },
          ],
          responses: { 200: { description: 'A page of probe runs', content: { 'application/json': { schema: ref('ProbeRunList') } } }, 400: problem, 404: problem, 503: problem },
        },
      },
      '/forwards/{name}/probes/run': {
        parameters: [nameParam],
        post: {
          operationId: 'runProbe',
          description: "Starts a run of the forward's probe now (the one in `subnetId`, required when the forward has several). The Location header names where the run, then its result, can be read.",
          parameters: [{ name: 'subnetId', in: 'query', required: false, schema: { type: 'string' }, description: 'the probe to run (a subnet resource id from spec.probes); the only query parameter it takes' }],
          requestBody: actionBody('ProbeRunRequest'),
          responses: {
            202: { description: 'Started', headers: { Location: { schema: { type: 'string' } } }, content: { 'application/json': { schema: ref('ProbeRunStarted') } } },
            400: { ...problem, description: 'The name, the query or the body have problems (each named, with `in`), the body is not JSON, or the forward has no such probe' },
            404: problem,
            409: problem,
            413: problem,
            415: unsupported,
            503: problem,
          },
        },
      },
      '/forwards/{name}/probes/runs/{runId}': {
        parameters: [nameParam, { name: 'runId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        get: {
          operationId: 'getProbeRun',
          responses: { 200: { description: 'The run: running, or finished with its result', content: { 'application/json': { schema: ref('ProbeRunState') } } }, 400: { ...problem, description: 'The name or the run id is malformed, or a query parameter is given (it takes none)' }, 404: problem, 503: problem },
        },
      },
      '/forwards/{name}/recycling/resume': {
        parameters: [nameParam],
        post: {
          operationId: 'resumeRecycling',
          description:
            'Resumes node recycling after RecycleSuspended (recycles before now no longer count toward the hourly limit); the next health sweep clears the condition. A spec change does the same. Idempotent: with no suspension in force it changes nothing and answers 200 saying so.',
          requestBody: actionBody('ResumeRecyclingRequest'),
          responses: {
            200: { description: 'Nothing to resume (no suspension, ended by a spec change, or already resumed): nothing changed', content: { 'application/json': { schema: ref('RecyclingResume') } } },
            202: { description: 'Resumed: the suspension is lifted; the next health sweep clears RecycleSuspended', content: { 'application/json': { schema: ref('RecyclingResume') } } },
            400: { ...problem, description: 'The name, the query (it takes none) or the body have problems (each named, with `in`), or the body is not JSON' },
            404: problem,
            413: problem,
            415: unsupported,
            503: problem,
          },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          description: 'The health probe (infra points App Service health checks here): the version and the Azure endpoint and storage the app is set up for. Anonymous: sign-in excludes this path.',
          responses: { 200: { description: 'Up', content: { 'application/json': { schema: ref('Health') } } }, 400: badQuery },
        },
      },
      '/ui': {
        get: {
          operationId: 'statusPage',
          description: "The status page: every forward's phase, nodes, connections and problems, rendered on the server.",
          responses: { 200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } }, 400: badQuery, 503: problem },
        },
      },
      '/openapi.json': { get: { operationId: 'openApi', responses: { 200: { description: 'This document', content: { 'application/json': { schema: { type: 'object' } } } }, 400: badQuery } } },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        entraId: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `A Microsoft Entra ID v2 token for the app registration (PLF_AUTH=entra), checked by the app itself: signature against the tenant's signing keys, issuer, audience (the client id), expiry (60 s of clock skew). App role ${AppRoles.reader} for reads, ${AppRoles.operator} for changes (operators may read). A browser signed in at ${BROWSER_SIGN_IN} needs no header: App Service authentication passes its session's ID token on (x-ms-token-aad-id-token), checked by the same rules.`,
        },
      },
    },
    security: [{ entraId: [] }],
  };
  return withAuthResponses(doc);
}

/**
 * Every operation but the anonymous ones (the document itself, the health probe) answers 401 (no
 * sign-in) and 403 (no role) as problem+json.
 *
 * 405 is not documented per operation: it is not the product's answer but the host's, for a
 * method no trigger registered on a path — the Azure Functions host answers such a request 404
 * (a route matches only with its methods), devhost 405 with Allow. The methods an operation
 * takes are the document's operations; no client needs a 405 listed under each one.
 */
/** The paths that do not sign in (their functions check no token; excluded from Easy Auth in infra/main.bicep). */
export const ANONYMOUS = new Set(['/openapi.json', '/health']);

function withAuthResponses(doc: Record<string, unknown>): Record<string, unknown> {
  const problem = { description: 'Problem details', content: { 'application/problem+json': { schema: { $ref: componentRef('Problem') } } } };
  for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    if (ANONYMOUS.has(p)) {
      for (const [method, op] of Object.entries(item)) if (method !== 'parameters') (op as Record<string, unknown>).security = [];
      continue;
    }
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const responses = (op as { responses: Record<string, unknown> }).responses;
      const role = method === 'get' ? AppRoles.reader : AppRoles.operator;
      responses[401] = { ...problem, description: 'Not signed in (sign-in is on)' };
      responses[403] = { ...problem, description: `Signed in without the app role ${role}` };
    }
  }
  return doc;
}
