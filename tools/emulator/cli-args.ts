import type { EmulatorOptions } from './server';

/**
 * Command-line flags of `npm run emulator`. Returns the options, or every problem found so the
 * CLI can print them all at once.
 */
export const USAGE =
  'usage: node dist/tools/emulator/cli.js [--port 8443] [--topology file.json] [--state file.json] [--ca-file .local/emulator/ca.pem] [--signing-key-file .local/emulator/signing-key.json] [--lro-delay-ms 1000] [--page-size 100]';

const FLAGS = ['port', 'topology', 'state', 'ca-file', 'signing-key-file', 'lro-delay-ms', 'page-size'];
const NUMERIC = ['port', 'lro-delay-ms', 'page-size'];

export function parseCliArgs(argv: string[]): { options: EmulatorOptions; problems: string[] } {
  const v: Record<string, string> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !FLAGS.includes(m[1])) {
      problems.push(`unknown argument '${argv[i]}'`);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') problems.push(`--${m[1]} needs a value`);
    else v[m[1]] = value;
  }
  for (const k of NUMERIC) if (v[k] !== undefined && !/^\d+$/.test(v[k])) problems.push(`--${k} must be a non-negative integer`);
  if (v.port !== undefined && Number(v.port) > 65535) problems.push('--port must be at most 65535');
  if (v['page-size'] !== undefined && Number(v['page-size']) < 1) problems.push('--page-size must be at least 1');
  const num = (k: string) => (v[k] !== undefined && /^\d+$/.test(v[k]) ? Number(v[k]) : undefined);
  return {
    problems,
    options: {
      port: num('port') ?? 8443,
      topology: v.topology,
      stateFile: v.state,
      caFile: v['ca-file'],
      signingKeyFile: v['signing-key-file'],
      // Standalone runs behave like Azure (operations take a moment); tests pass 0 in-process.
      lroDelayMs: num('lro-delay-ms') ?? 1000,
      pageSize: num('page-size'),
    },
  };
}
