import { parseCliArgs, USAGE } from './cli-args';
import { startEmulator } from './server';

/** `npm run emulator -- [flags]`: runs the emulator until SIGINT/SIGTERM (flags in cli-args.ts). */
async function main(): Promise<void> {
  const { options, problems } = parseCliArgs(process.argv.slice(2));
  if (problems.length) {
    console.error(`emulator: ${problems.join('; ')}\n${USAGE}`);
    process.exit(2);
  }
  const emu = await startEmulator(options);
  if (emu.interrupted.length) console.log(`emulator: ${emu.interrupted.length} resource(s) were mid-operation when the emulator last ended and are now Failed (PUT again to repair): ${emu.interrupted.join(', ')}`);
  console.log(`emulator: ARM on ${emu.url} (CA ${emu.caFile}); control API ${emu.url}/_emulator/health`);
  const entra = emu.entra.info();
  console.log(`emulator: Entra ID issuer ${entra.issuer} (keys ${entra.jwksUrl}${entra.signingKeyFile ? `, signing key ${entra.signingKeyFile}` : ''})`);
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
