import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `local.settings.json` as Core Tools reads it: its `Values` become app settings (environment
 * variables) for the app. A setting already in the environment wins, so the shell (or the stack)
 * can override the file. Values are never logged; only how many were taken.
 */
export interface LocalSettingsResult {
  applied: string[];
  skipped: string[];
}

export function applyLocalSettings(appDir: string, env: NodeJS.ProcessEnv): LocalSettingsResult {
  const file = path.join(appDir, 'local.settings.json');
  if (!fs.existsSync(file)) return { applied: [], skipped: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const values = (parsed as { Values?: unknown }).Values;
  if (values === undefined) return { applied: [], skipped: [] };
  if (values === null || typeof values !== 'object' || Array.isArray(values)) throw new Error(`${file}: "Values" must be an object of setting names to strings`);
  const problems = Object.entries(values)
    .filter(([, v]) => typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
    .map(([k]) => `"${k}"`);
  if (problems.length) throw new Error(`${file}: Values ${problems.join(', ')} must be strings`);
  const result: LocalSettingsResult = { applied: [], skipped: [] };
  for (const [name, value] of Object.entries(values as Record<string, string | number | boolean>)) {
    if (env[name] !== undefined) result.skipped.push(name);
    else {
      env[name] = String(value);
      result.applied.push(name);
    }
  }
  return result;
}
