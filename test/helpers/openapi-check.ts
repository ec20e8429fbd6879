import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

/**
 * Checks a real answer of the API against its OpenAPI document: the operation (path template +
 * method) must list the answer's status, the answer's content type must be one it lists for that
 * status, and a JSON body must be valid against the schema listed there — JSON Schema 2020-12
 * (OpenAPI 3.1's dialect) compiled by ajv in strict mode, `$ref`s into `components.schemas`
 * resolved, and the formats the document uses (date-time, uuid) checked.
 *
 * What it does not judge: requests outside the document's server URL (`/api`), paths no template
 * matches, and methods an operation does not have: those are answered by the host (devhost's
 * 404/405 problem+json; the Azure Functions host's empty 404), not by the product.
 *
 * `checkedFetch` is `fetch` with the check: it reads the document from the same origin
 * (`GET /api/openapi.json`, once per origin) and throws naming the operation, the status and
 * every problem when an answer is not what the document says. test/integration/helpers/stack.ts's
 * `api()` goes through it, so every integration test checks every answer it reads.
 */

export interface OpenApiDocument {
  servers?: { url: string }[];
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** What one answer is, as the check needs it. */
export interface Answer {
  method: string;
  /** The request URL or its path (with the query, if any). */
  url: string;
  status: number;
  /** The Content-Type header (parameters allowed), or null. */
  contentType: string | null;
  /** The body as text ('' when none). */
  text: string;
}

/** Problems of an answer (empty: it is what the document says), or undefined when the document does not describe the request. */
export type ResponseChecker = (answer: Answer) => string[] | undefined;

const BASE = 'https://plf.invalid/openapi.json';
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Refs into components.schemas rewritten to refs into the $defs of one schema resource ajv knows. */
function resolvedRefs<T>(schema: T): T {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${BASE}#/$defs/`)) as T;
}

/** ajv for a document: its component schemas added, the formats it uses known. */
export function documentAjv(doc: OpenApiDocument): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat('uuid', { type: 'string', validate: (s: string) => UUID.test(s) });
  ajv.addSchema({ $id: BASE, $defs: resolvedRefs(doc.components?.schemas ?? {}) });
  return ajv;
}

/** The path template of `pathname` among the document's paths (below its server URL), or undefined. */
export function matchPath(doc: OpenApiDocument, pathname: string): string | undefined {
  const server = doc.servers?.[0]?.url ?? '';
  if (!pathname.startsWith(`${server}/`)) return undefined;
  const rest = pathname.slice(server.length);
  // A template's parameters ({name}) match one segment; the rest is literal.
  const pattern = (template: string) => new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
  return Object.keys(doc.paths).find((template) => pattern(template).test(rest));
}

/**
 * The check of answers against `doc`. Every answer's schema is compiled here, at once: compiling
 * takes a while (the ForwardSpec patterns), and a test whose emulator runs in its own process
 * must not have that pause in the middle of what it measures (ARM's token bucket refills meanwhile).
 */
export function responseChecker(doc: OpenApiDocument): ResponseChecker {
  const ajv = documentAjv(doc);
  const compiled = new Map<string, ValidateFunction>();
  const validator = (schema: unknown) => {
    const key = JSON.stringify(schema);
    if (!compiled.has(key)) compiled.set(key, ajv.compile(resolvedRefs(schema as object)));
    return compiled.get(key)!;
  };
  for (const item of Object.values(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      for (const response of Object.values((op as Operation).responses ?? {})) for (const media of Object.values(response.content ?? {})) if (media.schema !== undefined) validator(media.schema);
    }
  }
  return (a) => {
    const { pathname } = new URL(a.url, 'http://127.0.0.1');
    const template = matchPath(doc, pathname);
    if (!template) return undefined;
    const method = a.method.toLowerCase();
    if (method === 'parameters') return undefined;
    const op = doc.paths[template][method] as Operation | undefined;
    if (!op) return undefined;
    const name = `${a.method.toUpperCase()} ${template} answered ${a.status}`;
    const response = op.responses?.[String(a.status)];
    if (!response) return [`${name}: the document lists no such answer (it lists ${Object.keys(op.responses ?? {}).join(', ')})`];
    const type = a.contentType?.split(';')[0].trim().toLowerCase() ?? '';
    const listed = Object.keys(response.content ?? {});
    if (!listed.length) return a.text === '' ? [] : [`${name} with a body (${type || 'no content type'}); the document lists none`];
    if (!listed.includes(type)) return [`${name} as ${type || 'no content type'}; the document lists ${listed.join(', ')}`];
    const schema = response.content![type].schema;
    if (schema === undefined) return [];
    let body: unknown = a.text;
    if (type === 'application/json' || type.endsWith('+json')) {
      try {
        body = JSON.parse(a.text);
      } catch {
        return [`${name} as ${type}, but its body is not JSON: ${a.text.slice(0, 200)}`];
      }
    }
    const validate = validator(schema);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${name}: ${e.instancePath || '(the body)'} ${e.message ?? 'is invalid'}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
  };
}

const checkers = new Map<string, Promise<ResponseChecker>>();
/** Checkers by the document's text: a restarted host serves the same document on a new port. */
const byDocument = new Map<string, ResponseChecker>();

/**
 * The checker of the document the API at `origin` serves (read once per origin, compiled once per
 * document). test/integration/helpers/stack.ts awaits it as soon as devhost listens.
 */
export function servedChecker(origin: string): Promise<ResponseChecker> {
  if (!checkers.has(origin)) {
    const loading = fetch(`${origin}/api/openapi.json`).then(async (res) => {
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET ${origin}/api/openapi.json answered ${res.status}: ${text}`);
      if (!byDocument.has(text)) byDocument.set(text, responseChecker(JSON.parse(text) as OpenApiDocument));
      return byDocument.get(text)!;
    });
    loading.catch(() => checkers.delete(origin));
    checkers.set(origin, loading);
  }
  return checkers.get(origin)!;
}

/** `fetch`, then the answer checked against the document its origin serves; throws naming every problem. */
export async function checkedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, init);
  const text = await res.clone().text();
  const problems = (await servedChecker(new URL(url).origin))({ method: init.method ?? 'GET', url, status: res.status, contentType: res.headers.get('content-type'), text });
  if (problems?.length) throw new Error(`the answer is not what the OpenAPI document says:\n  ${problems.join('\n  ')}\nbody: ${text.slice(0, 2000)}`);
  return res;
}
