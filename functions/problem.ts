import type { HttpResponseInit } from '@azure/functions';
import type { Problem } from '../core/forward-spec';
import type { ProblemBody } from '../core/responses/problem';

/**
 * RFC 9457 problem details (`application/problem+json`): every validation problem is listed with
 * its JSON path; nothing internal (stack traces, connection strings) ever goes out. The body's
 * schema: core/responses/problem.ts.
 */
export function problem(status: number, title: string, detail: string, problems: Problem[] = []): HttpResponseInit {
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: JSON.stringify({ type: `https://private-link-forwarder/problems/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, title, status, detail, ...(problems.length ? { problems } : {}) } satisfies ProblemBody),
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
