import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { forwardNameProblems } from '../core/forward-spec';
import { problem } from './problem';

/**
 * Checks every forwards route makes before touching the registry: a name that can never be a
 * forward is a 400 (not a registry lookup that fails), and a PUT body must be JSON of a sane size.
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
  const type = request.headers.get('content-type');
  if (type && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type.trim())) return problem(415, 'Unsupported media type', `the body must be application/json, not ${type.slice(0, 80)}`);
  const declared = Number(request.headers.get('content-length') ?? 0);
  const size = text === undefined ? declared : Buffer.byteLength(text);
  if (size > MAX_BODY_BYTES) return problem(413, 'Body too large', `the body has ${size} bytes; a forward spec has at most ${MAX_BODY_BYTES}`);
  return undefined;
}

/** A `top` query value: absent = `fallback`; else a plain decimal integer 1-`max` (no 0x, 1e1, spaces), or undefined. */
export function topOf(text: string | null, fallback: number, max: number): number | undefined {
  if (text === null) return fallback;
  if (!/^\d{1,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= max ? n : undefined;
}
