import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Which app settings the product reads, found in its source text, and which of them may stay
 * unset on Azure. Pure functions over text, plus one walker over the product folders.
 */

/** The product's folders (what ships to Azure): every setting read there must be accounted for. */
export const PRODUCT_FOLDERS = ['functions', 'orchestrations', 'core', 'azure', 'store', 'dataplane'];

/**
 * Settings the product reads that infra deliberately leaves unset on Azure, each with why.
 * Tuning settings with a default in code are not listed here: README's "App settings" table
 * documents them and their default (`documentedWithDefault`), and infra leaves them to that
 * default so there is one default, in code.
 */
export const NOT_SET_ON_AZURE: Readonly<Record<string, string>> = {
  PLF_ARM_ENDPOINT: 'the local emulator\'s ARM endpoint; unset is Azure Resource Manager (core/app-settings.ts armTarget)',
  PLF_ARM_CA_FILE: 'the local emulator\'s CA certificate, read only with PLF_ARM_ENDPOINT',
  PLF_METRICS_ENDPOINT: 'the local emulator\'s metrics endpoint; unset is https://{region}.metrics.monitor.azure.com per forward',
  AzureWebJobsStorage: 'a connection string (Azurite locally); on Azure the identity-based AzureWebJobsStorage__* settings are set instead, so no key exists',
  PLF_HUB_LOCATION: 'older name of PLF_LOCATION, which infra sets',
};

/**
 * Names read as `env.X`, `process.env.X` or `env['X']` in one file's text (the product passes
 * `process.env` around as `env`).
 */
export function settingsReadIn(text: string): string[] {
  return [...text.matchAll(/\benv(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([^']+)'\s*\])/g)].map((m) => m[1] ?? m[2]);
}

/** Setting name -> the product files (relative to root) that read it; test files excluded. */
export function productSettingsRead(root: string, folders: readonly string[] = PRODUCT_FOLDERS): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) return walk(p);
      return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
    });
  for (const f of folders.filter((d) => fs.existsSync(path.join(root, d))).flatMap(walk)) {
    for (const name of settingsReadIn(fs.readFileSync(path.join(root, f), 'utf8'))) {
      const files = out.get(name) ?? [];
      if (!files.includes(f)) files.push(f);
      out.set(name, files);
    }
  }
  return out;
}

/**
 * Settings README's "App settings" table names in a row that says what applies when they are
 * unset (a default, "optional", "unset ..."): the code has a default for them.
 */
export function documentedWithDefault(readme: string): Set<string> {
  const section = /^## App settings\n([\s\S]*?)(?=\n## |$(?![\s\S]))/m.exec(readme)?.[1] ?? '';
  const names = section
    .split('\n')
    .filter((l) => l.startsWith('|') && /\bdefault\b|\boptional\b|\bunset\b/i.test(l.split('|').slice(2).join('|')))
    .flatMap((l) => [...(l.split('|')[1] ?? '').matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]));
  return new Set(names);
}

/** Settings the Functions host reads itself (never in the product's source). */
export const HOST_SETTING = /^(AzureWebJobsStorage|APPLICATIONINSIGHTS_|FUNCTIONS_|WEBSITE_|AzureFunctionsJobHost)/;

export interface SettingsCoverage {
  /** Read by the product and set by infra. */
  set: string[];
  /** Read, not set, deliberately (NOT_SET_ON_AZURE). */
  localOnly: string[];
  /** Read, not set, documented with their code default. */
  defaults: string[];
  problems: string[];
}

/**
 * Every setting the product reads is set by infra, deliberately left unset (`notSet`, with why),
 * or documented with its code default; every `required` setting is set; infra sets nothing that
 * neither the product, the host nor `required` names.
 */
export function settingsCoverage(read: ReadonlyMap<string, readonly string[]>, set: ReadonlySet<string>, opts: { required: readonly string[]; documented: ReadonlySet<string>; notSet?: Readonly<Record<string, string>> }): SettingsCoverage {
  const notSet = opts.notSet ?? NOT_SET_ON_AZURE;
  const problems: string[] = [];
  const out: SettingsCoverage = { set: [], localOnly: [], defaults: [], problems };
  for (const [name, files] of [...read.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (set.has(name)) out.set.push(name);
    else if (name in notSet) out.localOnly.push(name);
    else if (opts.documented.has(name)) out.defaults.push(name);
    else problems.push(`${name} is read by the product (${files.join(', ')}) but main.bicep does not set it, it is not in NOT_SET_ON_AZURE, and README's App settings table gives it no default`);
  }
  for (const name of opts.required) if (!set.has(name)) problems.push(`${name} is required on Azure but main.bicep does not set it`);
  for (const name of [...set].sort()) {
    if (!read.has(name) && !HOST_SETTING.test(name) && !opts.required.includes(name)) problems.push(`main.bicep sets ${name}, which neither the product nor the Functions host reads`);
    if (name in notSet) problems.push(`main.bicep sets ${name}, which NOT_SET_ON_AZURE says stays unset on Azure (${notSet[name]})`);
  }
  return out;
}
