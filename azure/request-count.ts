import { AsyncLocalStorage } from 'node:async_hooks';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/**
 * ARM requests counted per unit of work (an activity, a sweep): every SDK client of the product
 * carries `requestCountPolicy` (per retry, so a retried request counts each time it is sent), and
 * whatever runs inside `countRequests` sees its own reads and writes — concurrent activities in
 * one worker do not mix (AsyncLocalStorage). For the structured log lines operators read
 * (DESIGN §5: count ARM requests per operation).
 */
export interface RequestCount {
  reads: number;
  writes: number;
}

const current = new AsyncLocalStorage<RequestCount>();

export const requestCountPolicy: PipelinePolicy = {
  name: 'plfRequestCount',
  sendRequest(request, next) {
    const c = current.getStore();
    if (c) {
      if (request.method === 'GET' || request.method === 'HEAD') c.reads++;
      else c.writes++;
    }
    return next(request);
  },
};

/** Runs `work`, answering its result with the ARM requests it sent. */
export async function countRequests<T>(work: () => Promise<T>): Promise<{ result: T; requests: RequestCount }> {
  const requests: RequestCount = { reads: 0, writes: 0 };
  const result = await current.run(requests, work);
  return { result, requests };
}
