import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { actionBodyProblems } from '../core/action-bodies';
import { forwardNameProblems, type Problem } from '../core/forward-spec';
import { problem } from './problem';

/**
 * Checks every forwards route makes before touching the registry: a name that can never be a
 * forward is a 400 (not a registry lookup that fails), a PUT body must be JSON of a sane size, and
 * an action route's body (POST .../probes/run, .../recycling/resume) is none or what it takes.
 */

/** 400 problem+json naming why the route's {name} cannot be a forward, or undefined. */
export function badName(name: string | undefined): HttpResponseInit | undefined {
  const problems = forwardNameProblems(name);
  return problems.length ? problem(400, 'Invalid forward name', `"${String(name).slice(0, 80)}" cannot be a forward name`, problems) : undefined;
}

/** A forward spec is a few kilobytes; far larger bodies are refused before they are parsed. */
export const MAX_BODY_BYTES = 256 * 1024;

/** 415 when the body is declared as something other than JSON; 413 when it is too large. */
export function badBody(request: HttpRequest, text?: string): HttpResponseInit | undefined {
  return notJson(request) ?? tooLarge(request, text, MAX_BODY_BYTES, 'a forward spec');
}

function notJson(request: HttpRequest): HttpResponseInit | undefined {
  const type = request.headers.get('content-type');
  if (type && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type.trim())) return problem(415, 'Unsupported media type', `the body must be application/json, not ${type.slice(0, 80)}`);
  return undefined;
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
 * The body of an action route, which takes none or `{}` (core/action-bodies.ts): either the
 * answer for a body that cannot be read — 413 too large, 415 declared as something other than
 * JSON, 400 not JSON — or the problems `schema` finds in it (empty: fine), for the route to name
 * together with its query's (`badRequest`). No body, or only whitespace, is fine whatever its
 * declared type (`curl -X POST -d ''` declares a form); a body without a declared type must be JSON.
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
  } catch {
    return { unreadable: problem(400, 'Invalid JSON', 'the request body is not valid JSON (send no body, or {})') };
  }
  return { problems: actionBodyProblems(schema, body) };
}

/** 400 naming every problem of the query and of the body at once, or undefined when there are none. */
export function badRequest(query: Problem[], body: Problem[]): HttpResponseInit | undefined {
  const all = [...query, ...body];
  if (!all.length) return undefined;
  const what = !body.length ? 'query' : !query.length ? 'body' : 'request';
  return problem(400, `Invalid ${what}`, `the ${what === 'body' ? 'request body' : what} has ${all.length} problem(s)`, all);
}

/** A `top` query value: absent = `fallback`; else a plain decimal integer 1-`max` (no 0x, 1e1, spaces), or undefined. */
export function topOf(text: string | null, fallback: number, max: number): number | undefined {
  if (text === null) return fallback;
  if (!/^\d{1,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= max ? n : undefined;
}
