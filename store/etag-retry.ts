import { RestError } from '@azure/data-tables';

/**
 * The registry's one read-modify-write loop on an Azure Tables entity. Each attempt reads the
 * entity, decides, and writes conditionally on the etag it read (`updateEntity(..., { etag })`,
 * `deleteEntity(..., { etag })`): when another writer came between, Tables answers 412
 * (UpdateConditionNotSatisfied) and nothing is written; the attempt is then run again on a fresh
 * read, so no writer loses another's change. Statuses other than `retryOn` and every other error
 * are the attempt's own answer (thrown on).
 */
export interface EtagRetry<T> {
  /** How many attempts at most. */
  attempts: number;
  /**
   * Statuses of a failed write that mean "what was read is stale": run the attempt again.
   * Default [412]; a create that raced another create adds 409, a write that may find the entity
   * removed since and should decide again adds 404.
   */
  retryOn?: readonly number[];
  /** A short random pause (0-10 ms times the attempt number) before each retry, so writers that collided do not collide again in step. */
  jitter?: boolean;
  /** The answer when every attempt lost its race (throw to fail). */
  exhausted: () => T;
}

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
}

/** Runs `attempt` until it answers, or `exhausted()` after `attempts` lost races. */
export async function withEtagRetry<T>(options: EtagRetry<T>, attempt: () => Promise<T>): Promise<T> {
  const retryOn = options.retryOn ?? [412];
  for (let n = 0; n < options.attempts; n++) {
    if (n && options.jitter) await pause(n);
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof RestError && retryOn.includes(err.statusCode ?? 0))) throw err;
    }
  }
  return options.exhausted();
}

/** Runs a conditional write; when the entity was removed since it was read (404), answers `gone` instead. */
export async function unlessRemoved<T>(write: () => Promise<T>, gone: T): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof RestError && err.statusCode === 404) return gone;
    throw err;
  }
}
