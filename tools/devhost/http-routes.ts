/**
 * Azure Functions route templates (ASP.NET style): literal segments, `{name}`, optional
 * `{name?}`, catch-all `{*rest}`, and the common constraints `{id:int}`, `{x:alpha}`,
 * `{g:guid}`, `{b:bool}` (others are accepted and not enforced). Matching is case-insensitive
 * on literals, like the real host.
 */
type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; constraint?: string }
  | { kind: 'catchAll'; name: string };

export interface CompiledRoute {
  template: string;
  segments: Segment[];
  /** Literal segments first and more segments sort ahead, so `a/b` wins over `a/{x}`. */
  precedence: number[];
}

export function compileRoute(template: string): CompiledRoute {
  const parts = template.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p.length > 0);
  const segments: Segment[] = parts.map((part) => {
    const m = /^\{(\*?)([A-Za-z_][\w]*)(?::([A-Za-z]+)(?:\([^)]*\))?)?(\??)\}$/.exec(part);
    if (!m) return { kind: 'literal', text: part.toLowerCase() };
    if (m[1] === '*') return { kind: 'catchAll', name: m[2] };
    return { kind: 'param', name: m[2], optional: m[4] === '?', ...(m[3] ? { constraint: m[3].toLowerCase() } : {}) };
  });
  return { template, segments, precedence: segments.map((s) => (s.kind === 'literal' ? 0 : s.kind === 'param' ? 1 : 2)) };
}

const CONSTRAINTS: Record<string, RegExp> = {
  int: /^-?\d+$/,
  long: /^-?\d+$/,
  alpha: /^[A-Za-z]+$/,
  bool: /^(true|false)$/i,
  guid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

/** Returns the route parameters when `path` (no query, no prefix) matches, else undefined. */
export function matchRoute(route: CompiledRoute, path: string): Record<string, string> | undefined {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p.length > 0);
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i];
    if (segment.kind === 'catchAll') {
      params[segment.name] = parts.slice(i).map(safeDecode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) {
      if (segment.kind === 'param' && segment.optional) continue;
      return undefined;
    }
    const decoded = safeDecode(part);
    if (segment.kind === 'literal') {
      if (decoded.toLowerCase() !== segment.text) return undefined;
    } else {
      const constraint = segment.constraint ? CONSTRAINTS[segment.constraint] : undefined;
      if (constraint && !constraint.test(decoded)) return undefined;
      params[segment.name] = decoded;
    }
  }
  return parts.length <= route.segments.length ? params : undefined;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Orders routes so the most specific template is tried first. */
export function byPrecedence(a: CompiledRoute, b: CompiledRoute): number {
  for (let i = 0; i < Math.max(a.precedence.length, b.precedence.length); i++) {
    const pa = a.precedence[i] ?? 3;
    const pb = b.precedence[i] ?? 3;
    if (pa !== pb) return pa - pb;
  }
  return 0;
}

/**
 * The query of an HTTP trigger's request as the real host hands it to the worker (RpcHttp
 * `nullableQuery`; the Node worker asks for nullable maps, capability
 * UseNullableValueDictionaryForHttp, so an empty value stays ''). The host reads ASP.NET Core's
 * `HttpRequest.Query` (azure-functions-host GrpcMessageConversionExtensions.ToRpcHttp), whose names
 * compare case-insensitively (QueryFeature's accumulator: StringComparer.OrdinalIgnoreCase; the
 * first spelling is kept), and sends each name's values as one string: StringValues.ToString(),
 * the values joined with commas. So `?top=20&top=30` arrives as `{top: '20,30'}` and
 * `?top=1&TOP=2` as `{top: '1,2'}`; the request's url keeps the query string as sent.
 */
export function hostQuery(params: URLSearchParams): Record<string, string> {
  const values = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of params) {
    const key = name.toLowerCase();
    const seen = values.get(key);
    if (seen) seen.values.push(value);
    else values.set(key, { name, values: [value] });
  }
  return Object.fromEntries([...values.values()].map((v) => [v.name, v.values.join(',')]));
}
