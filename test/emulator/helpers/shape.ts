import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Shape conformance against the published ARM examples: for every property path present in BOTH
 * the emulator's body and the example, the JSON types must be equal (object/array/string/number/
 * boolean/null). Array elements are compared element-wise against the example's first element.
 * `required` lists paths (dot notation, `[]` for "every element") the emulator must carry.
 * Returns the list of mismatches (empty = conforms), so a failing test prints all of them.
 */
// Vendored copy (test/emulator/examples, see its README for sources); PLF_AZURE_EXAMPLES overrides.
export const EXAMPLES_DIR = process.env.PLF_AZURE_EXAMPLES ?? path.resolve(__dirname, '..', 'examples');

export function loadExample(rel: string): { parameters: Record<string, unknown>; responses: Record<string, { body?: unknown }> } {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, rel), 'utf8'));
}

/** The example's response body for a status (first one when omitted). */
export function exampleBody(rel: string, status?: string): unknown {
  const ex = loadExample(rel);
  const key = status ?? Object.keys(ex.responses)[0];
  return ex.responses[key]?.body;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function compareShapes(actual: unknown, example: unknown, at = ''): string[] {
  const ta = typeOf(actual);
  const te = typeOf(example);
  if (ta !== te) return [`${at || '<root>'}: emulator has ${ta}, example has ${te}`];
  if (ta === 'array') {
    const ex = example as unknown[];
    if (ex.length === 0) return [];
    return (actual as unknown[]).flatMap((el) => compareShapes(el, ex[0], `${at}[]`));
  }
  if (ta === 'object') {
    const a = actual as Record<string, unknown>;
    const e = example as Record<string, unknown>;
    return Object.keys(e)
      .filter((k) => k in a)
      .flatMap((k) => compareShapes(a[k], e[k], at ? `${at}.${k}` : k));
  }
  return [];
}

/** Paths that must be present in `actual` (e.g. 'properties.alias', 'properties.ipConfigurations[].properties.privateIPAddress'). */
export function missingPaths(actual: unknown, required: string[]): string[] {
  const missing: string[] = [];
  for (const p of required) {
    if (!hasPath(actual, p.split('.'))) missing.push(p);
  }
  return missing;
}

function hasPath(v: unknown, parts: string[]): boolean {
  if (parts.length === 0) return v !== undefined;
  const [head, ...rest] = parts;
  const arr = head.endsWith('[]');
  const key = arr ? head.slice(0, -2) : head;
  if (typeof v !== 'object' || v === null) return false;
  const next = (v as Record<string, unknown>)[key];
  if (!arr) return hasPath(next, rest);
  return Array.isArray(next) && next.length > 0 && next.every((el) => hasPath(el, rest));
}

/** All property paths of a value (for "the emulator carries N of the example's paths" checks). */
export function propertyPaths(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return v.length ? propertyPaths(v[0], `${at}[]`) : [];
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v).flatMap(([k, x]) => {
      const p = at ? `${at}.${k}` : k;
      return [p, ...propertyPaths(x, p)];
    });
  }
  return [];
}
