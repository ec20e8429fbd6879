import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { actionBodyProblems } from '../core/action-bodies';
import { parseEntityTagCondition, type Preconditions } from '../core/conditional-requests';
import { forwardNameProblems, type Problem } from '../core/forward-spec';
import type { ProblemSource } from '../core/responses/problem';
import { problem } from './problem';

/**
 * Checks every route makes before touching the registry: a name that can never be a forward is a
 * 400 (not a registry lookup that fails), the query holds only the parameters the route takes,
 * each once (every HTTP route, even one that takes none: `queryValues`), If-Match/If-None-Match
 * are well-formed, a PUT body must be JSON of a sane size, and an action route's body (POST
 * .../probes/run, .../recycling/resume) is none or what it takes. The problems of the name, the
 * query, the headers and the body are named together in one 400 (`badRequest`); only a body that
 * cannot be read at all (413, 415) answers alone.
 */

/** Where a problem is: the route's path ({name}), its query, a request header, or its body (core/responses/problem.ts). */
export type { ProblemSource };
/** A problem as the API names it: with where it is, since a body property may share a path's name. */
export type LocatedProblem = Problem & { in: ProblemSource };

const CONDITION_HEADERS = { 'if-match': ['ifMatch', 'If-Match'], 'if-none-match': ['ifNoneMatch', 'If-None-Match'] } as const;

/**
 * The client's preconditions (If-Match, If-None-Match: `*` or a list of entity tags, RFC 9110
 * 13.1) as the store evaluates them, and a problem (`in: header`) for each one that is malformed
 * — a 400, never a 412, which would claim the forward changed. A blank field is none.
 */
export function preconditions(request: HttpRequest, headers: readonly (keyof typeof CONDITION_HEADERS)[]): { conditions: Preconditions; problems: Problem[] } {
  const conditions: Preconditions = {};
  const problems: Problem[] = [];
  for (const header of headers) {
    const value = request.headers.get(header)?.trim();
    if (!value) continue;
    const [key, shown] = CONDITION_HEADERS[header];
    const parsed = parseEntityTagCondition(value);
    if ('problem' in parsed) problems.push({ path: shown, message: parsed.problem });
    else conditions[key] = parsed.condition;
  }
  return { conditions, problems };
}

/** A forward spec is a few kilobytes; far larger bodies are refused before they are parsed. */
export const MAX_BODY_BYTES = 256 * 1024;

/** 415 when the body is declared as something other than UTF-8 JSON, or encoded; 413 when it is too large. */
export function badBody(request: HttpRequest, text?: string): HttpResponseInit | undefined {
  return notJson(request) ?? tooLarge(request, text, MAX_BODY_BYTES, 'a forward spec');
}

/**
 * 415 naming every header that makes the body something this API does not read: a Content-Type
 * other than application/json (a +json type is not the same thing: application/merge-patch+json
 * or json-patch+json is a patch, and a PUT read as a whole spec would drop what the patch leaves
 * out), a charset other than UTF-8 (RFC 8259 8.1: JSON exchanged between systems is UTF-8), and
 * any Content-Encoding but identity (gzip, deflate, br...: the body is read as it comes; RFC 7694
 * says to answer with the Accept-Encoding this server takes).
 */
function notJson(request: HttpRequest): HttpResponseInit | undefined {
  const problems: Problem[] = [];
  const type = request.headers.get('content-type');
  if (type) {
    const [media, ...params] = type.split(';').map((x) => x.trim());
    if (media.toLowerCase() !== 'application/json') {
      const patch = /patch\+json$/i.test(media) ? ' (a patch: PUT takes the whole spec, and there is no PATCH)' : '';
      problems.push({ path: 'Content-Type', message: `the body must be application/json, not ${type.slice(0, 80)}${patch}` });
    }
    for (const param of params) {
      const [key, ...rest] = param.split('=');
      const value = rest.join('=').trim().replace(/^"(.*)"$/, '$1');
      if (key.trim().toLowerCase() === 'charset' && value.toLowerCase() !== 'utf-8') problems.push({ path: 'Content-Type', message: `the body must be UTF-8 (charset=utf-8 or none), not charset=${value.slice(0, 40)}` });
    }
  }
  const encodings = (request.headers.get('content-encoding') ?? '').split(',').map((x) => x.trim().toLowerCase()).filter((x) => x && x !== 'identity');
  if (encodings.length) problems.push({ path: 'Content-Encoding', message: `the body must not be encoded (send it as plain JSON), not ${encodings.join(', ').slice(0, 80)}` });
  if (!problems.length) return undefined;
  const refused = problem(415, 'Unsupported media type', `the body must be UTF-8 JSON, not encoded: ${problems.map((p) => p.message).join('; ')}`, problems);
  return encodings.length ? { ...refused, headers: { ...(refused.headers as Record<string, string>), 'Accept-Encoding': 'identity' } } : refused;
}

function tooLarge(request: HttpRequest, text: string | undefined, max: number, what: string): HttpResponseInit | undefined {
  const declared = Number(request.headers.get('content-length') ?? 0);
  const size = text === undefined ? declared : Buffer.byteLength(text);
  if (size > max) return problem(413, 'Body too large', `the body has ${size} bytes; ${what} has at most ${max}`);
  return undefined;
}

/** An action route's body is `{}` at most (and some whitespace): anything near this is not one. */
export const MAX_ACTION_BODY_BYTES = 4 * 1024;

/**
 * The body problem of text that is not JSON (named with the name's and the query's), with where
 * the parser stopped: V8's SyntaxError says `at position N (line L column C)`, or that the text
 * ended early; only that part is kept (never the text itself).
 */
const notJsonProblem = (err: unknown, hint: string): Problem => {
  const message = err instanceof Error ? err.message : '';
  const where = /at position \d+(?: \(line \d+ column \d+\))?/.exec(message)?.[0] ?? (/end of (JSON )?input|Unterminated/i.test(message) ? 'it ends early' : undefined);
  return { path: '', message: `is not valid JSON${where ? ` (${where})` : ''}${hint}` };
};

/**
 * A PUT's JSON body: the answer for a body that cannot be read (413 too large, 415 not UTF-8
 * JSON), or the parsed value (undefined: no body), or the problem of text that is not JSON, for
 * the route to name with the name's (`badRequest`).
 */
export async function readJsonBody(request: HttpRequest): Promise<{ unreadable: HttpResponseInit } | { body: unknown } | { problems: Problem[] }> {
  const early = badBody(request);
  if (early) return { unreadable: early };
  let text: string;
  try {
    text = await request.text();
  } catch {
    return { unreadable: problem(400, 'Unreadable body', 'the request body could not be read') };
  }
  const late = badBody(request, text);
  if (late) return { unreadable: late };
  if (!text.trim()) return { body: undefined };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch (err) {
    return { problems: [notJsonProblem(err, '')] };
  }
}

/**
 * The body of an action route, which takes none or `{}` (core/action-bodies.ts): either the
 * answer for a body that cannot be read — 413 too large, 415 declared as something other than
 * UTF-8 JSON or encoded — or the problems `schema` finds in it (empty: fine; text that is not
 * JSON is one), for the route to name together with its name's and query's (`badRequest`). No
 * body, or only whitespace, is fine whatever its declared type (`curl -X POST -d ''` declares a
 * form); a body without a declared type must be JSON.
 */
export async function readActionBody(request: HttpRequest, schema: z.ZodType): Promise<{ unreadable: HttpResponseInit } | { problems: Problem[] }> {
  const early = tooLarge(request, undefined, MAX_ACTION_BODY_BYTES, 'an action request');
  if (early) return { unreadable: early };
  let text: string;
  try {
    text = await request.text();
  } catch {
    return { unreadable: problem(400, 'Unreadable body', 'the request body could not be read') };
  }
  const late = tooLarge(request, text, MAX_ACTION_BODY_BYTES, 'an action request');
  if (late) return { unreadable: late };
  if (!text.trim()) return { problems: [] };
  const type = notJson(request);
  if (type) return { unreadable: type };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return { problems: [notJsonProblem(err, ' (send no body, or {})')] };
  }
  return { problems: actionBodyProblems(schema, body) };
}

/** What a route found wrong with its request, by where: the {name}, the query, the headers, the body. */
export interface RequestProblems {
  /** The route's {name}: checked here (forwardNameProblems) when given. */
  name?: string | undefined;
  /** Problems of the route's other path parameters (a run id). */
  path?: Problem[];
  query?: Problem[];
  /** Malformed request headers (If-Match, If-None-Match), each named by its header name. */
  header?: Problem[];
  body?: Problem[];
  /** The title when only the body has problems (default 'Invalid body'). */
  bodyTitle?: string;
}

/**
 * One 400 naming every problem of the name, the query, the headers and the body at once (each
 * with `in`: path, query, header or body), or undefined when there are none. The title says which
 * part is wrong: 'Invalid forward name' (or 'Invalid path'), 'Invalid query', 'Invalid header',
 * the body's title, or 'Invalid request' for several.
 */
export function badRequest(checks: RequestProblems): HttpResponseInit | undefined {
  const parts: [ProblemSource, Problem[], string, string][] = [
    ['path', [...('name' in checks ? forwardNameProblems(checks.name) : []), ...(checks.path ?? [])], 'Invalid path', 'the path'],
    ['query', checks.query ?? [], 'Invalid query', 'the query'],
    ['header', checks.header ?? [], 'Invalid header', 'the headers'],
    ['body', checks.body ?? [], checks.bodyTitle ?? 'Invalid body', 'the request body'],
  ];
  const wrong = parts.filter(([, problems]) => problems.length);
  if (!wrong.length) return undefined;
  const all: LocatedProblem[] = wrong.flatMap(([source, problems]) => problems.map((p) => ({ ...p, in: source })));
  if (wrong.length > 1) return problem(400, 'Invalid request', `the request has ${all.length} problem(s): ${wrong.map(([, , , what]) => what).join(', ')}`, all);
  const [[source, , title, what]] = wrong;
  // A bad name alone keeps its own title, as it had before the path's other parameters were checked here.
  if (source === 'path' && all.every((p) => p.path === 'name')) return problem(400, 'Invalid forward name', `"${String(checks.name).slice(0, 80)}" cannot be a forward name`, all);
  return problem(400, title, `${what} has ${all.length} problem(s)`, all);
}

/** Query parameters the platform reads, never the route: `code`, a function key (Azure Functions HTTP key authorization; the host reads it whatever its case). */
const PLATFORM_QUERY = new Set(['code']);

/**
 * The query as the client sent it: every name as spelled, every value, repeats kept. Not
 * `request.query`: on the Azure Functions host that is the host's view (ASP.NET Core's
 * IQueryCollection turned into one string per name: names merged case-insensitively, repeated
 * values joined with commas, so `?top=20&top=30` arrives as `top=20,30` and `?top=1&TOP=2` as
 * `top=1,2`), and a repeat cannot be told from a value with a comma. `request.url` carries the
 * query string as sent (the host builds it from the raw request's path and query string).
 */
export function sentQuery(request: HttpRequest): URLSearchParams {
  try {
    return new URL(request.url).searchParams;
  } catch {
    // The library's request always has an absolute URL; should it not, the host's view is all there is.
    return request.query;
  }
}

/**
 * The query values a route takes, each given at most once: `values[key]` is the value (undefined:
 * absent), and a parameter given twice (`?top=20&top=30`) is a problem of its own — which value
 * was meant cannot be known — and is left out of `values`, so it is not checked again as a value.
 * A parameter the route does not take (other than `code`) is a problem too, named with the ones it
 * takes (none: `keys` empty, as for most routes). Names are case-sensitive (`?TOP=5` is not
 * `top`). Every HTTP route calls this before anything else it checks: a parameter it ignored
 * (`PUT ...?dryRun=true`) would do what the client did not ask.
 */
export function queryValues<K extends string>(request: HttpRequest, keys: readonly K[]): { values: Partial<Record<K, string>>; problems: Problem[] } {
  const query = sentQuery(request);
  const values: Partial<Record<K, string>> = {};
  const problems: Problem[] = [];
  for (const key of keys) {
    const given = query.getAll(key);
    if (given.length > 1) problems.push({ path: key, message: `is given more than once (${given.length} times); give it once` });
    else if (given.length === 1) values[key] = given[0];
  }
  // A misspelt parameter (?tpo=5) would otherwise be ignored without a word.
  const takes = keys.length ? `it takes ${keys.join(', ')}` : 'it takes none';
  const unknown = [...new Set(query.keys())].filter((k) => !(keys as readonly string[]).includes(k) && !PLATFORM_QUERY.has(k.toLowerCase()));
  for (const key of unknown) problems.push({ path: key.slice(0, 80), message: `is not a query parameter of this route (${takes})` });
  return { values, problems };
}

/** A `top` query value: absent = `fallback`; else a plain decimal integer 1-`max` (no 0x, 1e1, spaces), or undefined. */
export function topOf(text: string | null | undefined, fallback: number, max: number): number | undefined {
  if (text === null || text === undefined) return fallback;
  if (!/^\d{1,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= max ? n : undefined;
}
