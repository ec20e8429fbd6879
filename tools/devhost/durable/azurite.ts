import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exitWithParentArgs } from '../exit-with-parent';
import { freePort, stopChild } from '../processes';

/**
 * Starts Microsoft's storage emulator (npm `azurite`, table service only) as a child process on
 * 127.0.0.1, telemetry off. `inMemory` for tests; `location` keeps data on disk (npm start uses
 * the git-ignored .local/azurite). The connection string uses Azurite's documented, public
 * development account key.
 */
export interface AzuriteOptions {
  location?: string;
  inMemory?: boolean;
  port?: number;
  /** Where azurite's package lives (defaults to the one this project installs). */
  packageDir?: string;
}

export interface RunningAzurite {
  connectionString: string;
  tableEndpoint: string;
  port: number;
  stop(): Promise<void>;
}

// Azurite's well-known development account (https://learn.microsoft.com/azure/storage/common/storage-use-azurite).
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const main = path.join(options.packageDir ?? path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'table', 'main.js');
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      const child = await launch(main, port, options);
      const tableEndpoint = `http://127.0.0.1:${port}/${ACCOUNT}`;
      return {
        port,
        tableEndpoint,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};TableEndpoint=${tableEndpoint};`,
        stop: () => stopChild(child, 3000),
      };
    } catch (err) {
      lastError = err as Error;
      if (options.port !== undefined) break; // a port the caller chose: do not try another
    }
  }
  throw new Error(`azurite did not start: ${lastError?.message}`);
}

function launch(main: string, port: number, options: AzuriteOptions): Promise<ChildProcess> {
  const args = [...exitWithParentArgs(), main, '--tableHost', '127.0.0.1', '--tablePort', String(port), '--disableTelemetry', '--skipApiVersionCheck'];
  if (options.inMemory || !options.location) args.push('--inMemoryPersistence');
  else {
    fs.mkdirSync(options.location, { recursive: true });
    args.push('--location', options.location);
  }
  // stdin is the pipe that ends Azurite when this process ends, however it ends.
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`no ready line within 20 s: ${output.trim()}`)), 20_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/successfully started/i.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      } else if (/EADDRINUSE|error/i.test(output)) fail(new Error(output.trim()));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`exited with ${code}: ${output.trim()}`)));
  });
}
