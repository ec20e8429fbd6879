import type { Stack } from '../test/integration/helpers/stack';

/** The emulator's request log as benchmarks read it. */
export interface LoggedRequest {
  seq: number;
  time: string;
  method: string;
  path: string;
  kind: string;
  status: number;
  resourceType?: string;
}

export async function requestLog(s: Stack): Promise<LoggedRequest[]> {
  return (await s.emu.control<{ value: LoggedRequest[] }>('GET', '/requests')).body.value;
}

/**
 * Waits until the request log stops growing (unchanged for `quietMs`, with at least `minEntries`),
 * at most `capMs`, and answers it: a benchmark counts an operation's ARM requests once ARM is quiet.
 */
export async function settleRequests(s: Stack, quietMs: number, capMs: number, minEntries = 0): Promise<LoggedRequest[]> {
  const start = Date.now();
  let last = -1;
  let since = Date.now();
  for (;;) {
    const log = await requestLog(s);
    if (log.length !== last) {
      last = log.length;
      since = Date.now();
    } else if (log.length >= minEntries && Date.now() - since >= quietMs) return log;
    if (Date.now() - start > capMs) return log;
    await new Promise((r) => setTimeout(r, 100));
  }
}
