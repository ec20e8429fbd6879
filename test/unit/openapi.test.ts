import { openApiDocument } from '../../core/openapi';
import { DEFAULTS, LIMITS } from '../../core/forward-spec';

/** The OpenAPI document is structurally valid and states the limits the validator enforces. */
const doc = openApiDocument('1.2.3') as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };

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

describe('OpenAPI document', () => {
  it('is OpenAPI 3 with the forwards operations', () => {
    expect(doc.openapi).toMatch(/^3\.0\.\d$/);
    expect(Object.keys(doc.paths).sort()).toEqual(['/forwards', '/forwards/{name}', '/openapi.json']);
    expect(Object.keys(doc.paths['/forwards/{name}']).sort()).toEqual(['delete', 'get', 'parameters', 'put']);
  });

  it('every $ref resolves to a component schema', () => {
    const missing = refs(doc).filter((r) => !(r.replace('#/components/schemas/', '') in doc.components.schemas));
    expect(missing).toEqual([]);
  });

  it('every required property is declared', () => {
    const problems: string[] = [];
    const walk = (s: unknown, at: string) => {
      if (!s || typeof s !== 'object') return;
      const o = s as { required?: string[]; properties?: Record<string, unknown>; items?: unknown };
      for (const r of o.required ?? []) if (!o.properties || !(r in o.properties)) problems.push(`${at}.${r}`);
      for (const [k, v] of Object.entries(o.properties ?? {})) walk(v, `${at}.${k}`);
      walk(o.items, `${at}[]`);
    };
    for (const [name, s] of Object.entries(doc.components.schemas)) walk(s, name);
    expect(problems).toEqual([]);
  });

  it('states the validator\'s limits and defaults', () => {
    const spec = doc.components.schemas.ForwardSpec as { properties: Record<string, { maxItems?: number; properties?: Record<string, { maximum?: number; default?: unknown }> }> };
    expect(spec.properties.targets.maxItems).toBe(LIMITS.targets);
    expect(spec.properties.nodes.properties?.count).toMatchObject({ maximum: LIMITS.nodes.max, default: DEFAULTS.nodes.count });
  });
});
