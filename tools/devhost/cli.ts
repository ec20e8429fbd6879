#!/usr/bin/env node
import { parseCliArgs, USAGE } from './cli-args';
import { startDevhost } from './index';

/**
 * devhost's command line. Prints exactly `devhost listening on URL` once it serves; SIGINT or
 * SIGTERM stop it cleanly (a second signal exits at once). Bad flags: every problem, the usage,
 * exit 2.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const parsed = parseCliArgs(argv, process.env);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.problems.map((p) => `devhost: ${p}`).join('\n')}\n${USAGE}\n`);
    process.exit(2);
  }
  const o = parsed.options;
  const host = await startDevhost({
    appDir: o.appDir,
    port: o.port,
    json: o.json,
    store: o.store,
    ...(o.main ? { main: o.main } : {}),
    ...(o.storageConnection ? { storageConnection: o.storageConnection } : {}),
    ...(o.hub ? { hub: o.hub } : {}),
    clock: { mode: o.clock, offsetMs: (o.clockOffsetSeconds ?? 0) * 1000 },
  });
  process.stdout.write(`devhost listening on ${host.url}\n`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
    stopping = true;
    host.stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`devhost: stop failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`devhost: ${err.message}\n`);
  process.exit(1);
});
