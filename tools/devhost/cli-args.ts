/**
 * `node dist/tools/devhost/cli.js [--app DIR] [--main GLOB] [--port N] [--json] [--store memory|tables]
 *  [--storage-connection S] [--hub NAME]` — parsed without side effects so it can be tested.
 */
export interface CliOptions {
  appDir: string;
  main?: string;
  port: number;
  json: boolean;
  store: 'memory' | 'tables';
  storageConnection?: string;
  hub?: string;
}

export const USAGE = `usage: devhost [--app DIR] [--main GLOB] [--port N] [--json] [--store memory|tables]
               [--storage-connection CONNECTION_STRING] [--hub NAME]
  --app     the function app folder (package.json + host.json); default: current directory
  --main    compiled entry glob; default: package.json "main"
  --port    listen port on 127.0.0.1 (0 = any free port); default 7071
  --json    JSON log lines
  --store   durable engine store: memory (default) or tables (Azure Tables / Azurite)
  --storage-connection  table storage connection string (default: AzureWebJobsStorage)
  --hub     durable task hub name (default: host.json)`;

export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): { ok: true; options: CliOptions } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const options: CliOptions = { appDir: '.', port: 7071, json: false, store: 'memory' };
  const valued = new Set(['--app', '--main', '--port', '--store', '--storage-connection', '--hub']);
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
      case '--hub':
        if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(value)) problems.push(`--hub must be 3-45 letters and digits starting with a letter, got "${value}"`);
        else options.hub = value;
        break;
    }
  }
  if (options.store === 'tables' && !options.storageConnection && !env.AzureWebJobsStorage) {
    problems.push('--store tables needs --storage-connection or the AzureWebJobsStorage setting');
  }
  return problems.length ? { ok: false, problems } : { ok: true, options };
}
