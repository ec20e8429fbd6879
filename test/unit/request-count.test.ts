import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { countRequests, requestCountPolicy } from '../../azure/request-count';
import { stepLine } from '../../orchestrations/activities/context';

/** ARM requests counted per unit of work, and the structured line a step writes. */
const send = (method: 'GET' | 'PUT' | 'DELETE' | 'POST') =>
  requestCountPolicy.sendRequest(createPipelineRequest({ url: 'https://management.azure.com/x', method }), async (request) => ({ request, status: 200, headers: createHttpHeaders() }) as PipelineResponse);

describe('ARM request counts', () => {
  it('reads and writes of one unit of work, not of another running at the same time', async () => {
    const [a, b] = await Promise.all([
      countRequests(async () => {
        await send('GET');
        await new Promise((r) => setTimeout(r, 10));
        await send('PUT');
        await send('GET');
        return 'a';
      }),
      countRequests(async () => {
        await send('DELETE');
        await send('POST');
        return 'b';
      }),
    ]);
    expect(a).toEqual({ result: 'a', requests: { reads: 2, writes: 1 } });
    expect(b).toEqual({ result: 'b', requests: { reads: 0, writes: 2 } });
  });

  it('requests outside any unit of work are not counted anywhere (and do not fail)', async () => {
    await expect(send('GET')).resolves.toMatchObject({ status: 200 });
  });
});

describe('the structured step line', () => {
  it.each([
    ['a pass that wrote', { outcome: 'ok' as const }, { event: 'plf.step', activity: 'connectionsPass', forward: 'web', orchestrationId: 'connections:web', outcome: 'ok', armReads: 3, armWrites: 2, ms: 12 }],
    ['a throttled step carries the ARM code', { outcome: 'retry' as const, code: 'TooManyRequests', message: 'slow down' }, { outcome: 'retry', code: 'TooManyRequests' }],
  ])('%s', (_situation, result, expected) => {
    const line = stepLine({ activity: 'connectionsPass', forward: 'web', orchestrationId: 'connections:web' }, result, { reads: 3, writes: 2 }, 12);
    expect(line).toMatchObject(expected);
    expect(JSON.stringify(line)).not.toMatch(/slow down/);
  });
});
