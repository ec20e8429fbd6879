import { startEmulator } from './server';

/**
 * `npm run emulator -- [--port 8443] [--topology file.json] [--state file.json] [--ca-file path]
 * [--lro-delay-ms N]`: runs the emulator until SIGINT/SIGTERM, printing its URL and CA path.
 */
function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const allowed = ['port', 'topology', 'state', 'ca-file', 'lro-delay-ms', 'page-size'];
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !allowed.includes(m[1])) {
      problems.push(`unknown argument '${a}'`);
      continue;
    }
    const v = m[2] ?? argv[++i];
    if (v === undefined) problems.push(`--${m[1]} needs a value`);
    else out[m[1]] = v;
  }
  for (const k of ['port', 'lro-delay-ms', 'page-size']) {
    if (out[k] !== undefined && !/^\d+$/.test(out[k])) problems.push(`--${k} must be a non-negative integer`);
  }
  if (problems.length) {
    console.error(`emulator: ${problems.join('; ')}\nusage: node dist/emulator/cli.js [--port 8443] [--topology file.json] [--state file.json] [--ca-file .local/emulator/ca.pem] [--lro-delay-ms 0] [--page-size 100]`);
    process.exit(2);
  }
  return out;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const emu = await startEmulator({
    port: a.port !== undefined ? Number(a.port) : 8443,
    topology: a.topology,
    stateFile: a.state,
    caFile: a['ca-file'],
    lroDelayMs: a['lro-delay-ms'] !== undefined ? Number(a['lro-delay-ms']) : 1000,
    pageSize: a['page-size'] !== undefined ? Number(a['page-size']) : undefined,
  });
  console.log(`emulator: ARM on ${emu.url} (CA ${emu.caFile}); control API ${emu.url}/_emulator/health`);
  const stop = () => {
    void emu.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main().catch((e: unknown) => {
  console.error(`emulator: failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
