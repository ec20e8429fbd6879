import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

/**
 * Runs devhost the way a developer does — `node dist/tools/devhost/cli.js` as its own process — on
 * the fixture app (test/fixtures/app, compiled by `npm test`'s build), and reads its log.
 */
export const ROOT = path.resolve(__dirname, '../../..');
export const FIXTURE_APP = path.join(ROOT, 'test/fixtures/app');

export interface DevhostProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startDevhostProcess(args: string[] = [], env: Record<string, string> = {}): Promise<DevhostProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/tools/devhost/cli.js'), '--app', FIXTURE_APP, '--port', '0', ...args], {
    env: { ...process.env, FIXTURE_TICK_SCHEDULE: '0 0 0 1 1 *', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`devhost did not start:\n${out}`)), 20_000);
    const check = () => {
      const m = /devhost listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`devhost exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/** The real durable-functions client, built the way `df.getClient(context)` builds it in a function. */
export function durableClient(url: string): df.DurableClient {
  const binding = df.input.durableClient();
  const context = new InvocationContext({ options: { extraInputs: [binding] } });
  const base = `${url}/runtime/webhooks/durabletask`;
  context.extraInputs.set(binding, {
    taskHubName: 'fixture',
    creationUrls: {},
    managementUrls: { id: 'INSTANCEID', statusQueryGetUri: `${base}/instances/INSTANCEID` },
    baseUrl: base,
    requiredQueryStringParameters: '',
    rpcBaseUrl: `${base}/`,
  });
  return df.getClient(context);
}

/** Polls until the instance is terminal (bounded; not a timing assertion). */
export async function waitForOutput(client: df.DurableClient, id: string, timeoutMs = 20_000): Promise<df.DurableOrchestrationStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await client.getStatus(id, { showHistory: true, showHistoryOutput: true });
    if (['Completed', 'Failed', 'Terminated'].includes(String(status.runtimeStatus))) return status;
    if (Date.now() > deadline) throw new Error(`instance ${id} still ${status.runtimeStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
