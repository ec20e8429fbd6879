import type * as df from 'durable-functions';
import { startOrSignal, startUnlessRunning, type Singleton, type SingletonStart } from '../../orchestrations/kit/singleton-client';
import { durableClient, startDevhostProcess, waitForOutput, type DevhostProcess } from '../devhost/helpers/devhost-process';

/**
 * The kit's client side (orchestrations/kit/singleton-client.ts) with the real DurableClient
 * over devhost's durable management API, on the fixture app's `WaitForApproval` (runs until its
 * `Approval` event or its timeout, ms from its input) and `Sequence` (ends at once).
 * Each test uses its own instance ids.
 */
let host: DevhostProcess;
let client: df.DurableClient;

beforeAll(async () => {
  host = await startDevhostProcess(['--store', 'memory']);
  client = durableClient(host.url);
});
afterAll(() => host?.stop());

// The fixture app's orchestrators are not the product's: their names are outside the typed map.
const start = (orchestrator: string, instanceId: string, input: unknown) => startUnlessRunning(client, { orchestrator, instanceId, input } as unknown as SingletonStart);
const signal = (orchestrator: string, instanceId: string, input: unknown, eventData: unknown) => startOrSignal(client, { orchestrator, instanceId, input, event: 'Approval', eventData } as unknown as Singleton);
const HOUR = 3_600_000;

describe('startUnlessRunning', () => {
  it('not running: started; running: left alone (its input unchanged)', async () => {
    expect(await start('WaitForApproval', 'sur-1', HOUR)).toBe('started');
    expect(await start('WaitForApproval', 'sur-1', 5)).toBe('running');
    const status = await client.getStatus('sur-1');
    expect(status).toMatchObject({ runtimeStatus: expect.stringMatching(/^(Running|Pending)$/), input: HOUR });
  });

  it('two starters at once: one starts it, the other sees it running (whichever order the race takes)', async () => {
    const answers = await Promise.all([start('WaitForApproval', 'sur-2', HOUR), start('WaitForApproval', 'sur-2', HOUR)]);
    expect(answers.sort()).toEqual(['running', 'started']);
  });

  it('finished: started again (a new run of the same id)', async () => {
    expect(await start('Sequence', 'sur-3', ['a'])).toBe('started');
    await waitForOutput(client, 'sur-3');
    expect(await start('Sequence', 'sur-3', ['b'])).toBe('started');
    expect((await waitForOutput(client, 'sur-3')).output).toEqual(['Hello b']);
  });

  it('a start refused for another reason (no such orchestrator) throws', async () => {
    await expect(start('NoSuchOrchestrator', 'sur-4', null)).rejects.toThrow();
  });
});

describe('startOrSignal', () => {
  it('not running: started; running: the event is raised instead of a second start', async () => {
    expect(await signal('WaitForApproval', 'sos-1', HOUR, 'ignored')).toBe('started');
    expect(await signal('WaitForApproval', 'sos-1', HOUR, 'yes')).toBe('signalled');
    expect((await waitForOutput(client, 'sos-1')).output).toEqual({ approved: 'yes' });
  });
});
