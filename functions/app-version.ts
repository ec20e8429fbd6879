import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The app's package version. Found by walking up from this file, so it is right both when the
 * compiled app runs from dist/functions and when tests load the TypeScript source.
 */
export function appVersion(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'private-link-forwarder' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
