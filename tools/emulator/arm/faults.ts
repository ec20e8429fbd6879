import { randomUUID } from 'node:crypto';
import { invalidParameters } from './errors';

/**
 * Fault injection. A rule matches requests by HTTP method and resource type (both optional,
 * case-insensitive; the type is the full ARM type of the request path, e.g.
 * "Microsoft.Network/privateLinkServices"). It fires for the first `count` matches, or for a
 * `rate` fraction of matches (deterministic: rate 0.5 fires on every second match), or both
 * (rate-limited until count is used up).
 *
 * kinds: throttle (429 + Retry-After), error (5xx, default 500), latency (delay then answer
 * normally), failLro (the request is accepted but its long-running operation ends Failed).
 */
export type FaultKind = 'throttle' | 'error' | 'latency' | 'failLro';

export interface FaultRuleInput {
  kind: FaultKind;
  method?: string;
  resourceType?: string;
  count?: number;
  rate?: number;
  retryAfterSeconds?: number;
  status?: number;
  latencyMs?: number;
  code?: string;
  message?: string;
}

export interface FaultRule extends FaultRuleInput {
  id: string;
  /** Requests that matched method+type. */
  matched: number;
  /** Times the fault was applied. */
  fired: number;
}

const KINDS: FaultKind[] = ['throttle', 'error', 'latency', 'failLro'];

export function validateFaultRule(input: unknown): FaultRuleInput {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidParameters(['A fault rule must be a JSON object.']);
  }
  const r = input as Record<string, unknown>;
  if (!KINDS.includes(r.kind as FaultKind)) problems.push(`kind must be one of ${KINDS.join(', ')}.`);
  if (r.method !== undefined && typeof r.method !== 'string') problems.push('method must be a string.');
  if (r.resourceType !== undefined && typeof r.resourceType !== 'string') problems.push('resourceType must be a string.');
  if (r.count !== undefined && !(Number.isInteger(r.count) && (r.count as number) > 0)) problems.push('count must be a positive integer.');
  if (r.rate !== undefined && !(typeof r.rate === 'number' && r.rate > 0 && r.rate <= 1)) problems.push('rate must be a number in (0, 1].');
  if (r.count === undefined && r.rate === undefined) problems.push('count or rate is required.');
  if (r.retryAfterSeconds !== undefined && !(Number.isInteger(r.retryAfterSeconds) && (r.retryAfterSeconds as number) >= 0)) {
    problems.push('retryAfterSeconds must be a non-negative integer.');
  }
  // 5xx for transient faults; 400-499 (not 404/429, which have their own meaning) for terminal ones.
  if (r.status !== undefined && !(Number.isInteger(r.status) && (r.status as number) >= 400 && (r.status as number) <= 599 && r.status !== 404 && r.status !== 429)) {
    problems.push('status must be an integer 400-599 other than 404 and 429.');
  }
  if (r.kind === 'latency' && !(typeof r.latencyMs === 'number' && r.latencyMs >= 0 && r.latencyMs <= 60_000)) {
    problems.push('latencyMs (0-60000) is required for kind latency.');
  }
  if (problems.length) throw invalidParameters(problems);
  return r as unknown as FaultRuleInput;
}

export class FaultEngine {
  private rules: FaultRule[] = [];

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: randomUUID(), matched: 0, fired: 0 };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * Returns the rules of the given kinds that fire for this request (and counts them). Each rule
   * is evaluated once per request.
   */
  take(method: string, resourceType: string | undefined, kinds: FaultKind[]): FaultRule[] {
    const out: FaultRule[] = [];
    for (const rule of this.rules) {
      if (!kinds.includes(rule.kind)) continue;
      if (rule.method && rule.method !== '*' && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.resourceType && rule.resourceType !== '*') {
        if (!resourceType || rule.resourceType.toLowerCase() !== resourceType.toLowerCase()) continue;
      }
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      rule.matched++;
      const fires =
        rule.rate === undefined ? true : Math.floor(rule.matched * rule.rate) > Math.floor((rule.matched - 1) * rule.rate);
      if (!fires) continue;
      rule.fired++;
      out.push(rule);
    }
    return out;
  }
}
