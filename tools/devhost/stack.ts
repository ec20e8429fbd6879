#!/usr/bin/env node
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { appGrants } from './app-grants';
import { startAzurite, type RunningAzurite } from './durable/azurite';
import { exitWithParentArgs } from './exit-with-parent';
import { startDevhost, type RunningDevhost } from './index';
import { portIsFree, stopChild } from './processes';
import { withProgress } from './progress';
import { localSignIn } from './local-token';
import { stackFilePath, type StackInfo } from './stack-file';
import { acquireStackLock, refusalMessage } from './stack-lock';
import { stackConfig, type StackPort } from './stack-config';

/**
 * `npm start`: the whole local stack — Azurite (tables, data under .local/azurite), the emulator
 * (a local Azure, as a child process) and devhost running the app from the repo root with its
 * settings pointing at both. Registers an emulator Event Grid subscription for every Event Grid
 * function of the app. Prints the URLs and a first curl. Ctrl-C, SIGTERM or the end of the process that
 * started it (`kill <npm pid>`) stops all three, with one line saying what it stopped. One stack
 * per local folder: a second start on a folder in use refuses before touching it (stack-lock.ts).
 */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

// The default hub of the emulator's built-in topology (emulator/README.md).
const HUB = {
  PLF_HUB_SUBNET_ID: '/subscriptions/00000000-0000-0000-0000-00000000a001/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/shared',
  PLF_HUB_SUBSCRIPTION_ID: '00000000-0000-0000-0000-00000000a001',
  PLF_HUB_RESOURCE_GROUP: 'rg-hub',
  PLF_HUB_LOCATION: 'westeurope',
  PLF_LOCATION: 'westeurope',
  // The local emulator completes operations in about a second: poll more often than in Azure.
  PLF_POLL_INTERVAL_MS: '500',
};

/**
 * The local metric grain (seconds): shorter than Azure's minute so the health watch acts in seconds
 * locally (on the real clock; the controllable one keeps Azure's minute, PLF_STACK_CLOCK). Points
 * are still published late (the emulator's delay of two grains); the app's
 * PLF_HEALTH_METRIC_DELAY_SECONDS is set to grain + delay, when a point is published in full.
 */
const LOCAL_METRIC_GRAIN_SECONDS = 5;

// The default topology's allowed consumer subnet (emulator/README.md).
const SPOKE_LINKED = '/subscriptions/00000000-0000-0000-0000-00000000c001/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/linked';

const say = (line: string) => process.stdout.write(`stack: ${line}\n`);

async function main(): Promise<void> {
  const parsed = stackConfig(process.env, REPO_ROOT);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.problems.map((p) => `stack: ${p}`).join('\n')}\n`);
    process.exit(2);
  }
  const config = parsed.config;
  // Before anything in the folder is touched: a stack already running from it keeps it.
  const lock = acquireStackLock(config.localDir);
  if (!lock.ok) {
    process.stderr.write(`${refusalMessage(config.localDir, lock.holder)}\n`);
    process.exit(1);
  }
  const parts: { azurite?: RunningAzurite; emulator?: ChildProcess; devhost?: RunningDevhost } = {};
  let stopping = false;
  const stackFile = stackFilePath(config.localDir);
  const stopAll = async (code: number, why: string) => {
    if (stopping) process.exit(code || 130);
    stopping = true;
    clearInterval(parentWatch);
    fs.rmSync(stackFile, { force: true });
    const stopped: string[] = [];
    if (parts.devhost) {
      await parts.devhost.stop().catch(() => undefined);
      stopped.push(`devhost (${parts.devhost.url})`);
    }
    if (parts.emulator) {
      await stopChild(parts.emulator, 5000);
      stopped.push(`the emulator (pid ${parts.emulator.pid})`);
    }
    if (parts.azurite) {
      await parts.azurite.stop().catch(() => undefined);
      stopped.push(`azurite (${parts.azurite.tableEndpoint})`);
    }
    // Last: the folder is free once nothing uses its files any more.
    lock.release();
    say(`stack stopped (${why}): ${stopped.length ? stopped.join(', ') : 'nothing was running yet'}`);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0, 'SIGINT'));
  process.on('SIGTERM', () => void stopAll(0, 'SIGTERM'));
  // `kill <npm pid>` (IDEs, `timeout`, process managers) ends npm and its shell but sends nothing
  // here: this process is re-parented. A changed parent pid stops the stack as a signal would.
  // (On Ctrl-C the whole group gets SIGINT and npm may end first: stopping is then under way.)
  const parentPid = process.ppid;
  const parentWatch = setInterval(() => {
    if (!stopping && process.ppid !== parentPid) void stopAll(0, `its parent process ${parentPid} ended`);
  }, 500);
  parentWatch.unref();
  if (!config.stopWithParent) clearInterval(parentWatch);
  // A closed terminal or pipe must not turn the shutdown line into a crash.
  process.stdout.on('error', () => undefined);
  // An exit without the signals above: the emulator child does not outlive it. A SIGKILL or an OOM
  // kill runs no handler; there the children end through their stdin (exit-with-parent.ts).
  process.on('exit', () => parts.emulator?.kill('SIGKILL'));

  try {
    const azuritePort = await choosePort(config.azurite, 'Azurite', 'PLF_AZURITE_PORT');
    parts.azurite = await withProgress('starting Azurite (tables)', startAzurite({ location: path.join(config.localDir, 'azurite'), ...(azuritePort ? { port: azuritePort } : {}) }));
    say(`azurite tables on ${parts.azurite.tableEndpoint}`);

    const emulatorPort = await choosePort(config.emulator, 'the emulator', 'PLF_EMULATOR_PORT');
    const emulatorDir = path.join(config.localDir, 'emulator');
    const emulator = await withProgress('starting the emulator (a local Azure)', startEmulatorProcess(emulatorPort, path.join(emulatorDir, 'ca.pem'), path.join(emulatorDir, 'state.json'), path.join(emulatorDir, 'signing-key.json'), (child) => (parts.emulator = child)));
    emulator.child.once('exit', (code) => {
      if (stopping) return;
      process.stderr.write(`stack: the emulator exited (${code}); stopping\n`);
      void stopAll(1, 'the emulator exited');
    });
    say(`emulator (ARM) on ${emulator.url} (CA ${emulator.caFile})`);
    if (config.clock === 'controllable') say('clock: controllable (PLF_STACK_CLOCK): time moves when told, POST /_emulator/clock/advance then POST /admin/clock/advance by the same seconds; metrics on Azure\'s PT1M grain');
    // The app's principal may do in the emulator exactly what infra grants it in Azure (app-grants.ts).
    const grants = appGrants(REPO_ROOT, { subscriptionId: process.env.PLF_HUB_SUBSCRIPTION_ID ?? HUB.PLF_HUB_SUBSCRIPTION_ID, resourceGroup: process.env.PLF_HUB_RESOURCE_GROUP ?? HUB.PLF_HUB_RESOURCE_GROUP });
    for (const g of grants) {
      const res = await control(emulator.url, fs.readFileSync(emulator.caFile), 'PUT', `/_emulator/role-assignments/${encodeURIComponent(g.name)}`, { scope: g.scope, actions: g.actions });
      if (res.status >= 300) throw new Error(`granting the app ${g.name} failed: ${res.status} ${res.body}`);
    }
    say(`the app's roles: ${grants.map((g) => g.scope.split('/').pop()).join(', ')} (infra/roles.json, as infra assigns them)`);
    // On the controllable clock (PLF_STACK_CLOCK) a grain is an advance, not a wait: Azure's PT1M grain.
    const controllable = config.clock === 'controllable';
    const metricTiming = await control(emulator.url, fs.readFileSync(emulator.caFile), 'PUT', '/_emulator/settings', { metricGrainSeconds: controllable ? null : LOCAL_METRIC_GRAIN_SECONDS });
    if (metricTiming.status !== 200) throw new Error(`setting the emulator's metric grain failed: ${metricTiming.status} ${metricTiming.body}`);
    const timing = JSON.parse(metricTiming.body) as { metricGrainSeconds: number; metricPublicationDelaySeconds: number };
    const metricDelay = String(Math.ceil(timing.metricGrainSeconds + timing.metricPublicationDelaySeconds));

    // Sign-in: the emulator's local Entra ID issuer (a signing key of its own, new at every start),
    // named to the app as Azure's is (infra); PLF_AUTH stays off unless the environment says entra.
    const issuer = await control(emulator.url, fs.readFileSync(emulator.caFile), 'GET', '/_emulator/entra');
    if (issuer.status !== 200) throw new Error(`reading the emulator's Entra ID issuer failed: ${issuer.status} ${issuer.body}`);
    const entra = JSON.parse(issuer.body) as { issuer: string; jwksUrl: string; signingKeyFile: string };
    const signIn = localSignIn(process.env, entra);
    say(signIn.mode === 'entra' ? `sign-in on (PLF_AUTH=entra): tokens of ${signIn.settings.PLF_AUTH_ISSUER} for ${signIn.settings.PLF_AUTH_AUDIENCE}; get one with npm run token -- --role Forwards.Read (or Forwards.Operate)` : `sign-in off (PLF_AUTH=${signIn.mode}); PLF_AUTH=entra npm start checks Entra ID tokens of the local issuer`);

    const devhostPort = await choosePort(config.devhost, 'devhost', 'PLF_DEVHOST_PORT');
    parts.devhost = await withProgress('starting devhost with the app', startDevhost({
      appDir: REPO_ROOT,
      ...(config.main ? { main: config.main } : {}),
      port: devhostPort,
      json: config.json,
      store: 'tables',
      storageConnection: parts.azurite.connectionString,
      // Both clocks start at real time (offset 0) and move together (scripts/kit/stack-clock.ts).
      ...(controllable ? { clock: { mode: 'controllable' as const } } : {}),
      env: {
        AzureWebJobsStorage: parts.azurite.connectionString,
        PLF_ARM_ENDPOINT: emulator.url,
        PLF_METRICS_ENDPOINT: emulator.url,
        PLF_ARM_CA_FILE: emulator.caFile,
        ...signIn.settings,
        // Defaults for the built-in topology; a setting in the environment wins.
        ...Object.fromEntries(Object.entries({ ...HUB, PLF_HEALTH_METRIC_DELAY_SECONDS: metricDelay }).filter(([k]) => process.env[k] === undefined)),
      },
    }));
    const devhostUrl = parts.devhost.url;

    // As the deployed app is subscribed in Azure: the provider subscription's system topic (the
    // app's own trigger with the filters of infra/eventgrid-filters.json); consumer subscriptions
    // only where configured.
    const filters = eventGridFilters();
    const provider = process.env.PLF_HUB_SUBSCRIPTION_ID ?? HUB.PLF_HUB_SUBSCRIPTION_ID;
    const consumers = (process.env.PLF_EVENTGRID_CONSUMER_SUBSCRIPTIONS ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    for (const fn of parts.devhost.functions.filter((f) => f.triggerType === 'eventGridTrigger')) {
      for (const [i, topicSubscriptionId] of [provider, ...consumers].entries()) {
        const own = filters.functionName === fn.name ? { includedEventTypes: filters.includedEventTypes, advancedFilters: filters.advancedFilters } : {};
        await subscribe(emulator.url, emulator.caFile, `devhost-${fn.name}${i ? `-c${i}` : ''}`, `${devhostUrl}/runtime/webhooks/eventgrid?functionName=${encodeURIComponent(fn.name)}`, { ...own, topicSubscriptionId });
        say(`Event Grid: subscription ${topicSubscriptionId} events -> ${fn.name}`);
      }
    }

    // Where the running stack listens, for tools beside it (npm run demo, npm run watch); removed at stop.
    const stackInfo: StackInfo = {
      pid: process.pid,
      devhost: devhostUrl,
      emulator: emulator.url,
      caFile: emulator.caFile,
      azurite: parts.azurite.tableEndpoint,
      auth: { mode: signIn.mode, issuer: signIn.settings.PLF_AUTH_ISSUER, audience: signIn.settings.PLF_AUTH_AUDIENCE, jwksUrl: signIn.settings.PLF_AUTH_JWKS_URL, signingKeyFile: entra.signingKeyFile },
    };
    fs.writeFileSync(stackFile, JSON.stringify(stackInfo, null, 2));
    process.stdout.write(`devhost listening on ${devhostUrl}\n`);
    say(`devhost on ${devhostUrl}`);
    say(`emulator control API: ${emulator.url}/_emulator/health (CA ${emulator.caFile})`);
    say('Ctrl-C stops azurite, the emulator and devhost');
    say(`ready. Try: curl ${devhostUrl}/api/health`);
    // With sign-in on, every API call but /api/health and /api/openapi.json needs a token.
    const bearer = signIn.mode === 'entra' ? ' -H "Authorization: Bearer $PLF_API_TOKEN"' : '';
    if (bearer) say('sign-in is on: export PLF_API_TOKEN=$(npm run --silent token -- --role Forwards.Operate) first (npm run watch sends it too)');
    // The first forward: the example spec works against the emulator's default topology.
    say(`create the example forward: curl${bearer} -X PUT ${devhostUrl}/api/forwards/onprem-web -H 'Content-Type: application/json' --data @examples/onprem-web.json`);
    say(`then watch it reach Ready:    curl${bearer} ${devhostUrl}/api/forwards/onprem-web`);
    // A consumer's private endpoint (emulator control API), then its approval and DNS name.
    say(`a consumer endpoint from the spoke: curl --cacert ${emulator.caFile} -X POST ${emulator.url}/_emulator/consumer-endpoints -H 'Content-Type: application/json' \\`);
    say(`    --data '{"subnetId":"${SPOKE_LINKED}","name":"pe-onprem-web","privateLinkServiceId":"/subscriptions/${HUB.PLF_HUB_SUBSCRIPTION_ID}/resourceGroups/${HUB.PLF_HUB_RESOURCE_GROUP}/providers/Microsoft.Network/privateLinkServices/plf-onprem-web-pls"}'`);
    say(`watch it get approved and named: curl${bearer} ${devhostUrl}/api/forwards/onprem-web  (status.connections) and curl${bearer} ${devhostUrl}/api/forwards/onprem-web/actions`);
  } catch (err) {
    process.stderr.write(`stack: ${(err as Error).message}\n`);
    await stopAll(1, 'it did not start');
  }
}

/** The configured port if it is free; a taken default falls back to any free port (said so). */
async function choosePort(p: StackPort, what: string, envName: string): Promise<number> {
  if (p.port === 0 || (await portIsFree(p.port))) return p.port;
  if (p.explicit) throw new Error(`port ${p.port} for ${what} (${envName}) is taken; choose another or 0 for any free port`);
  say(`port ${p.port} for ${what} is taken; using a free port instead (set ${envName} to choose)`);
  return 0;
}

interface EmulatorProcess {
  child: ChildProcess;
  url: string;
  caFile: string;
}

/** Runs `node dist/tools/emulator/cli.js` and waits for its `ARM on URL (CA file)` line. */
function startEmulatorProcess(port: number, caFile: string, stateFile: string, signingKeyFile: string, onSpawn: (child: ChildProcess) => void): Promise<EmulatorProcess> {
  fs.mkdirSync(path.dirname(caFile), { recursive: true });
  const child = spawn(process.execPath, [...exitWithParentArgs(), path.join(REPO_ROOT, 'dist/tools/emulator/cli.js'), '--port', String(port), '--ca-file', caFile, '--state', stateFile, '--signing-key-file', signingKeyFile], {
    cwd: REPO_ROOT,
    // stdin is the pipe that ends the emulator when this process ends, however it ends.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Known to the stopper from the start, so a signal during startup stops it too.
  onSpawn(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(`no ready line within 30 s: ${output.trim()}`), 30_000);
    const fail = (message: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`the emulator did not start: ${message}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /ARM on (https:\/\/127\.0\.0\.1:\d+) \(CA ([^)]+)\)/.exec(output);
      if (m) {
        clearTimeout(timer);
        child.off('exit', onExit);
        // What it said before the ready line (e.g. resources it loaded Failed) is for the user too.
        for (const line of output.split('\n')) if (line.trim() && !line.includes(m[0])) process.stdout.write(`${line}\n`);
        // Keep its output flowing to our terminal from now on.
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onData);
        child.stdout!.on('data', (c: Buffer) => process.stdout.write(c));
        child.stderr!.on('data', (c: Buffer) => process.stderr.write(c));
        resolve({ child, url: m[1], caFile: m[2] });
      }
    };
    const onExit = (code: number | null) => fail(`exited with ${code}: ${output.trim()}`);
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** The event types and advanced filters the app is subscribed with (the file infra deploys too). */
function eventGridFilters(): { functionName?: string; includedEventTypes?: string[]; advancedFilters?: unknown[] } {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'infra/eventgrid-filters.json'), 'utf8')) as { functionName?: string; includedEventTypes?: string[]; advancedFilters?: unknown[] };
}

/** (Re)creates an emulator Event Grid subscription; the emulator runs the validation handshake. */
async function subscribe(emulatorUrl: string, caFile: string, name: string, endpointUrl: string, filters: Record<string, unknown> = {}): Promise<void> {
  const ca = fs.readFileSync(caFile);
  await control(emulatorUrl, ca, 'DELETE', `/_emulator/eventgrid/subscriptions/${encodeURIComponent(name)}`);
  const res = await control(emulatorUrl, ca, 'POST', '/_emulator/eventgrid/subscriptions', { name, endpointUrl, ...filters });
  if (res.status !== 201) throw new Error(`subscribing ${endpointUrl} to emulator events failed: ${res.status} ${res.body}`);
}

function control(base: string, ca: Buffer, method: string, pathName: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(new URL(pathName, base), { method, ca, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

void main();
