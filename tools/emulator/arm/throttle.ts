import { ArmError, invalidParameters } from './errors';

/**
 * ARM's request throttling (rule ARM-4): a token bucket per security principal and subscription
 * (and region; the emulator is one region) for each of reads, writes and deletes. Learn,
 * "Understand how Azure Resource Manager throttles requests"
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling):
 * reads 250 tokens refilled 25/s, writes 200 / 10/s, deletes 200 / 10/s. An empty bucket answers
 * 429 `SubscriptionRequestsThrottled` (the code ARM sends, MicrosoftDocs/azure-docs#105248) with
 * Retry-After; every answer carries `x-ms-ratelimit-remaining-subscription-{reads|writes|deletes}`.
 *
 * The principal is the bearer token string (one token, one caller). POST actions count as writes.
 * Tests may only make the buckets stricter (`PUT /_emulator/settings {armThrottle: {...}}`: a lower
 * refill rate, 0 = no refill); reset refills every bucket.
 */
export type ThrottleClass = 'reads' | 'writes' | 'deletes';

export interface ThrottleLimits {
  burst: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

export const ARM_LIMITS: Readonly<Record<ThrottleClass, ThrottleLimits>> = {
  reads: { burst: 250, refillPerSecond: 25 },
  writes: { burst: 200, refillPerSecond: 10 },
  deletes: { burst: 200, refillPerSecond: 10 },
};

/** Settable part: refill rates per class, each at most ARM's. */
export type ThrottleSettings = Record<ThrottleClass, number>;

interface Bucket {
  tokens: number;
  at: number;
}

export function throttleClassOf(method: string): ThrottleClass {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'reads';
  if (m === 'DELETE') return 'deletes';
  return 'writes';
}

export class ArmThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private refill: ThrottleSettings = { reads: ARM_LIMITS.reads.refillPerSecond, writes: ARM_LIMITS.writes.refillPerSecond, deletes: ARM_LIMITS.deletes.refillPerSecond };

  settings(): ThrottleSettings {
    return { ...this.refill };
  }

  /**
   * Changes refill rates (tests): only lower or equal to ARM's; `null` restores ARM's. Throws 400
   * naming every bad value.
   */
  configure(input: unknown): ThrottleSettings {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidParameters(['armThrottle must be an object {reads?, writes?, deletes?} of refill rates per second.']);
    const problems: string[] = [];
    const next = { ...this.refill };
    for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
      if (!(k in ARM_LIMITS)) {
        problems.push(`armThrottle.${k} is not a throttle class (reads, writes, deletes).`);
        continue;
      }
      const c = k as ThrottleClass;
      if (v === null) next[c] = ARM_LIMITS[c].refillPerSecond;
      else if (typeof v === 'number' && v >= 0 && v <= ARM_LIMITS[c].refillPerSecond) next[c] = v;
      else problems.push(`armThrottle.${c} must be a number from 0 to ${ARM_LIMITS[c].refillPerSecond} (ARM's refill per second; a test may only make it stricter), or null.`);
    }
    if (problems.length) throw invalidParameters(problems);
    this.refill = next;
    return this.settings();
  }

  /**
   * Takes one token for this request. Returns the header to add to the answer; throws the 429
   * (with the same header and Retry-After) when the bucket is empty.
   */
  take(principal: string, subscriptionId: string, method: string, now: number): Record<string, string> {
    const cls = throttleClassOf(method);
    const key = `${principal}\n${subscriptionId.toLowerCase()}\n${cls}`;
    const limits = ARM_LIMITS[cls];
    const rate = this.refill[cls];
    const b = this.buckets.get(key) ?? { tokens: limits.burst, at: now };
    b.tokens = Math.min(limits.burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(key, b);
    const header = `x-ms-ratelimit-remaining-subscription-${cls}`;
    if (b.tokens < 1) {
      // Seconds until one token is back; with no refill (a test's setting) a long wait.
      const retryAfter = rate > 0 ? Math.max(1, Math.ceil((1 - b.tokens) / rate)) : 60;
      throw new ArmError(
        429,
        'SubscriptionRequestsThrottled',
        `Number of '${cls === 'reads' ? 'read' : cls === 'writes' ? 'write' : 'delete'}' requests for subscription '${subscriptionId}' actor exceeded. Please try again after '${retryAfter}' seconds after the last request.`,
        [],
        { 'Retry-After': String(retryAfter), [header]: '0' },
      );
    }
    b.tokens -= 1;
    return { [header]: String(Math.floor(b.tokens)) };
  }

  /** Refills every bucket (emulator reset). Settings stay. */
  clear(): void {
    this.buckets.clear();
  }
}
