/**
 * `node dist/tools/devhost/cli.js [--app DIR] [--main GLOB] [--port N] [--json] [--store memory|tables]
 *  [--storage-connection S] [--hub NAME] [--clock real|controllable] [--clock-offset-seconds N]` — parsed without side effects so it can be tested.
 */
export interface CliOptions {
  appDir: string;
  main?: string;
  port: number;
  json: boolean;
  store: 'memory' | 'tables';
  storageConnection?: string;
  hub?: string;
  /** The host's clock (clock.ts); default real, or DEVHOST_CLOCK. */
  clock: 'real' | 'controllable';
  /** Where a controllable clock starts, seconds ahead of real time (a restart that keeps a test's time). */
  clockOffsetSeconds?: number;
}

export const USAGE = `usage: devhost [--app DIR] [--main GLOB] [--port N] [--json] [--store memory|tables]
               [--storage-connection CONNECTION_STRING] [--hub NAME]
               [--clock real|controllable] [--clock-offset-seconds N]
  --app     the function app folder (package.json + host.json); default: current directory
  --main    compiled entry glob; default: package.json "main"
  --port    listen port on 127.0.0.1 (0 = any free port); default 7071
  --json    JSON log lines
  --store   durable engine store: memory (default) or tables (Azure Tables / Azurite)
  --storage-connection  table storage connection string (default: AzureWebJobsStorage)
  --hub     durable task hub name (default: host.json)
  --clock   real (default) or controllable: the host and the app run at real time plus an offset
            that POST /admin/clock/advance {"seconds": n} moves forward (default: DEVHOST_CLOCK)
  --clock-offset-seconds  where a controllable clock starts, seconds ahead of real time (default 0)`;

export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): { ok: true; options: CliOptions } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const options: CliOptions = { appDir: '.', port: 7071, json: false, store: 'memory', clock: 'real' };
  const valued = new Set(['--app', '--main', '--port', '--store', '--storage-connection', '--hub', '--clock', '--clock-offset-seconds']);
  if (env.DEVHOST_CLOCK !== undefined) {
    if (env.DEVHOST_CLOCK === 'real' || env.DEVHOST_CLOCK === 'controllable') options.clock = env.DEVHOST_CLOCK;
    else problems.push(`DEVHOST_CLOCK must be real or controllable, got "${env.DEVHOST_CLOCK}"`);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--json') {
      options.json = true;
      continue;
    }
    if (!valued.has(flag)) {
      problems.push(`unknown argument "${arg}"`);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      problems.push(`${flag} needs a value`);
      if (inline === undefined && value?.startsWith('--')) i--;
      continue;
    }
    switch (flag) {
      case '--app':
        options.appDir = value;
        break;
      case '--main':
        options.main = value;
        break;
      case '--port': {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`--port must be an integer 0-65535, got "${value}"`);
        else options.port = port;
        break;
      }
      case '--store':
        if (value !== 'memory' && value !== 'tables') problems.push(`--store must be memory or tables, got "${value}"`);
        else options.store = value;
        break;
      case '--storage-connection':
        options.storageConnection = value;
        break;
      case '--clock':
        if (value !== 'real' && value !== 'controllable') problems.push(`--clock must be real or controllable, got "${value}"`);
        else options.clock = value;
        break;
      case '--clock-offset-seconds': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0) problems.push(`--clock-offset-seconds must be a non-negative number, got "${value}"`);
        else options.clockOffsetSeconds = n;
        break;
      }
      case '--hub':
        if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(value)) problems.push(`--hub must be 3-45 letters and digits starting with a letter, got "${value}"`);
        else options.hub = value;
        break;
    }
  }
  if (options.clockOffsetSeconds !== undefined && options.clock !== 'controllable') problems.push('--clock-offset-seconds needs --clock controllable');
  if (options.store === 'tables' && !options.storageConnection && !env.AzureWebJobsStorage) {
    problems.push('--store tables needs --storage-connection or the AzureWebJobsStorage setting');
  }
  return problems.length ? { ok: false, problems } : { ok: true, options };
}
