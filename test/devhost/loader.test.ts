import { DevhostInvoker, decodeTypedData, encodeTriggerValue, retryDelayMs } from '../../tools/devhost/invoker';
import * as path from 'node:path';
import { loadApp, mainOf, resolveMainGlob } from '../../tools/devhost/loader';
import { createLogger } from '../../tools/devhost/log';
import { fixtureMain, repoRoot } from './fixture';

const lines: string[] = [];
const log = createLogger({ json: true, write: (l) => lines.push(l) });

describe('loading the compiled fixture app through @azure/functions-core', () => {
  const app = loadApp(repoRoot, fixtureMain);

  it.each([
    ['hello', 'httpTrigger'],
    ['echo', 'httpTrigger'],
    ['startOrchestration', 'httpTrigger'],
    ['tick', 'timerTrigger'],
    ['nightly', 'timerTrigger'],
    ['onResourceEvent', 'eventGridTrigger'],
    ['helloSequence', 'orchestrationTrigger'],
    ['sayHello', 'activityTrigger'],
  ])('%s is captured with trigger type %s', (name, type) => {
    expect(app.functions.get(name)?.trigger.type).toBe(type);
  });

  it('the HTTP metadata carries route, methods and auth level as registered', () => {
    const trigger = app.functions.get('echo')!.trigger;
    expect(trigger).toMatchObject({ route: 'echo/{*rest}', methods: ['POST', 'PUT'], authLevel: 'anonymous', direction: 'in' });
  });

  it('the timer metadata carries schedule and runOnStartup', () => {
    expect(app.functions.get('tick')!.trigger).toMatchObject({ schedule: '*/1 * * * * *', runOnStartup: true });
  });

  it('a function with df.input.durableClient() has the durableClient input binding', () => {
    const bindings = Object.values(app.functions.get('startOrchestration')!.metadata.bindings);
    expect(bindings.map((b) => b.type)).toContain('durableClient');
  });

  it('hooks the app registered are captured', () => {
    expect(app.hooks.get('appStart')?.length).toBe(1);
    expect(app.hooks.get('preInvocation')?.length).toBe(1);
  });

  it('loading the same files again in this process returns the same app (Node runs a module once)', () => {
    expect(loadApp(repoRoot, fixtureMain)).toBe(app);
  });
});

describe('resolving the main glob', () => {
  it.each([
    ['a glob in the file name', fixtureMain, 5],
    ['a single file', 'dist/test/fixtures/devhost-app/http.js', 1],
    ['a glob matching nothing', 'dist/test/fixtures/devhost-app/*.nothing', 0],
    ['a wildcard in a folder', 'dist/test/fixtures/devhost-*/*.js', 5],
    ['? for one character', 'dist/test/fixtures/devhost-app/h??p.js', 1],
    ['** for any depth of folders', 'dist/test/**/devhost-app/*.js', 5],
    ['** with nothing between', 'dist/test/fixtures/devhost-app/**/*.js', 5],
    ['a folder that does not exist', 'dist/nowhere/*.js', 0],
    ['{a,b} alternatives', 'dist/test/fixtures/devhost-app/{http,timer}.js', 2],
    ['a file also matched by a wildcard alternative, loaded once', 'dist/test/fixtures/devhost-app/{http.js,*.js}', 5],
  ])('%s', (_situation, main, count) => {
    expect(resolveMainGlob(repoRoot, main)).toHaveLength(count);
  });

  it('alternatives without a wildcard load first, as the worker does for an OpenTelemetry set-up file', () => {
    const files = resolveMainGlob(repoRoot, 'dist/test/fixtures/devhost-app/{*.js,timer.js}').map((f) => path.basename(f));
    expect(files[0]).toBe('timer.js');
    expect(files.slice(1)).toEqual([...files.slice(1)].sort());
  });

  it('the app loads its telemetry set-up before its functions', () => {
    expect(resolveMainGlob(repoRoot, mainOf(repoRoot)).map((f) => path.relative(repoRoot, f))[0]).toBe(path.join('dist', 'functions', 'telemetry.js'));
  });

  it('matches come back sorted and absolute', () => {
    const files = resolveMainGlob(repoRoot, fixtureMain);
    expect(files).toEqual([...files].sort());
    expect(files.every((f) => f.startsWith(repoRoot) && f.endsWith('.js'))).toBe(true);
  });
});

describe('invoking as the worker does', () => {
  const app = loadApp(repoRoot, fixtureMain);
  const invoker = new DevhostInvoker(app, { log });

  it('an activity receives its decoded input and resolves with its output', async () => {
    await expect(invoker.invoke('sayHello', 'Tokyo')).resolves.toBe('Hello, Tokyo!');
  });

  it('an activity input that looks like a number stays a string', async () => {
    await expect(invoker.invoke('sayHello', '42')).resolves.toBe('Hello, 42!');
  });

  it('the orchestrator gets the protocol payload and returns its OrchestratorState', async () => {
    const now = new Date().toISOString();
    const payload = {
      history: [
        { EventType: 12, EventId: -1, IsPlayed: false, Timestamp: now },
        { EventType: 0, EventId: -1, IsPlayed: false, Timestamp: now, Name: 'helloSequence', Input: JSON.stringify({ names: ['A'] }) },
      ],
      input: { names: ['A'] },
      instanceId: 'i1',
      isReplaying: false,
      parentInstanceId: '',
      upperSchemaVersion: 2,
      upperSchemaVersionNew: 2,
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: '6.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const state = (await invoker.invoke('helloSequence', payload)) as { isDone: boolean; actions: unknown[][] };
    expect(state.isDone).toBe(false);
    expect(state.actions.flat()).toEqual([expect.objectContaining({ actionType: 0, functionName: 'sayHello', input: JSON.stringify('A') })]);
  });

  it('a timer gets the host payload in camelCase and its context.log reaches the log', async () => {
    lines.length = 0;
    await invoker.invoke('nightly', { Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: true }, { invocationId: 'inv-1' });
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toContainEqual(expect.objectContaining({ functionName: 'nightly', invocationId: 'inv-1', message: 'nightly isPastDue=true' }));
    expect(entries).toContainEqual(expect.objectContaining({ event: 'invocation', functionName: 'nightly', invocationId: 'inv-1', outcome: 'Succeeded' }));
  });

  it('a handler that throws rejects with its error and logs a failed invocation', async () => {
    lines.length = 0;
    await expect(invoker.invoke('onResourceEvent', { id: 'e1', eventType: 'X', subject: '/fail' })).rejects.toThrow('cannot handle /fail');
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ event: 'invocation', outcome: 'Failed' }));
  });

  it('an unknown function rejects naming it', async () => {
    await expect(invoker.invoke('nope', {})).rejects.toThrow('function "nope" is not registered');
  });

  it('a durable client function without an engine rejects clearly', async () => {
    await expect(invoker.invoke('startOrchestration', {})).rejects.toThrow(/needs a durable client/);
  });
});

describe('typed data as the worker exchanges it', () => {
  it.each([
    ['an object', { a: 1 }, { json: '{"a":1}' }],
    ['a string', 'x', { json: '"x"' }],
    ['null', null, { json: 'null' }],
  ])('%s is sent as JSON', (_s, value, typed) => {
    expect(encodeTriggerValue(value)).toEqual(typed);
  });

  it.each(['orchestrationTrigger', 'activityTrigger', 'entityTrigger'])('a %s value is sent as JSON text, as the Durable extension does', (type) => {
    expect(encodeTriggerValue({ a: 1 }, type)).toEqual({ string: '{"a":1}' });
  });

  it.each([
    ['json', { json: '[1,2]' }, [1, 2]],
    ['a string that looks like JSON', { string: '42' }, '42'],
    ['an int', { int: 7 }, 7],
    ['nothing', undefined, undefined],
  ])('%s decodes to the value', (_s, typed, value) => {
    expect(decodeTypedData(typed)).toEqual(value);
  });
});

describe('retry policy delays', () => {
  it.each([
    ['fixed delay, any retry', { retryStrategy: 'fixedDelay' as const, maxRetryCount: 3, delayInterval: { seconds: 5 } }, 3, 5000],
    ['exponential, first retry waits the minimum', { retryStrategy: 'exponentialBackoff' as const, maxRetryCount: 5, minimumInterval: { seconds: 2 }, maximumInterval: { seconds: 60 } }, 1, 2000],
    ['exponential, third retry doubles twice', { retryStrategy: 'exponentialBackoff' as const, maxRetryCount: 5, minimumInterval: { seconds: 2 }, maximumInterval: { seconds: 60 } }, 3, 8000],
    ['exponential, capped at the maximum', { retryStrategy: 'exponentialBackoff' as const, maxRetryCount: 9, minimumInterval: { seconds: 2 }, maximumInterval: { seconds: 10 } }, 6, 10000],
  ])('%s', (_s, policy, retry, ms) => {
    expect(retryDelayMs(policy, retry)).toBe(ms);
  });
});
