#!/usr/bin/env node
import { parseCliArgs, USAGE } from './cli-args';
import { startDevhost } from './index';

/** devhost's command line: prints `devhost listening on URL` once it serves; stops on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const parsed = parseCliArgs(process.argv.slice(2), process.env);
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
  });
  process.stdout.write(`devhost listening on ${host.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void host.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`devhost: ${err.message}\n`);
  process.exit(1);
});
