import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Every HTTP route of the API checks the caller's token and role (functions/auth.ts `denied`)
 * before it does anything, except the ones that need no sign-in on purpose (health, the OpenAPI
 * document; Easy Auth excludes them too). A new trigger that forgets the check fails here, and in
 * test/unit/registered-routes.test.ts, which calls every registered route without a token.
 */
const FUNCTIONS = path.join(__dirname, '../../functions');
const OPEN = new Set(['health.ts', 'openapi.ts']);

describe('role checks on every API route', () => {
  const files = fs.readdirSync(FUNCTIONS).filter((f) => f.endsWith('.ts') && /app\.http\(/.test(fs.readFileSync(path.join(FUNCTIONS, f), 'utf8')));
  it('finds the HTTP triggers', () => expect(files.length).toBeGreaterThan(8));
  it.each(files.filter((f) => !OPEN.has(f)))('%s checks the role first', (f) => {
    const text = fs.readFileSync(path.join(FUNCTIONS, f), 'utf8');
    expect(text).toMatch(/const refused = await denied\(request, context, '(reader|operator)'\);\n\s+if \(refused\) return refused;/);
    const needs = /denied\(request, context, '(reader|operator)'\)/.exec(text)![1];
    const methods = /methods: \[([^\]]*)\]/.exec(text)?.[1] ?? '';
    expect({ f, needs }).toEqual({ f, needs: /'(PUT|DELETE|POST)'/.test(methods) ? 'operator' : 'reader' });
    // A route with {name} refuses a name that can never be a forward before touching the store.
    if (/route: 'forwards\/\{name\}/.test(text)) expect({ f, checksName: /badRequest\(\{ name\b|forwardNameProblems\(/.test(text) }).toEqual({ f, checksName: true });
  });
});
