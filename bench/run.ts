import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `npm run bench`: runs every benchmark under bench/<area>/run.js (compiled) one after the other,
 * each in its own process so one area's memory figures are not skewed by another's, and prints
 * their figures under a heading. Pass area names to run only those: `npm run bench -- engine`.
 * A benchmark that cannot run here (e.g. the data plane without root) prints its own reason.
 */
function main(): void {
  const only = new Set(process.argv.slice(2));
  const benchDir = __dirname;
  const areas = fs
    .readdirSync(benchDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(benchDir, d.name, 'run.js')))
    .map((d) => d.name)
    .filter((name) => only.size === 0 || only.has(name))
    .sort();
  if (areas.length === 0) {
    process.stderr.write(`bench: nothing to run${only.size ? ` for ${[...only].join(', ')}` : ''}\n`);
    process.exitCode = 2;
    return;
  }
  const failed: string[] = [];
  for (const area of areas) {
    process.stdout.write(`\n=== bench/${area} ===\n`);
    const result = spawnSync(process.execPath, [path.join(benchDir, area, 'run.js')], { stdio: 'inherit' });
    if (result.status !== 0) failed.push(`${area} (exit ${result.status ?? result.signal})`);
  }
  if (failed.length) {
    process.stderr.write(`\nbench: failed: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

main();
