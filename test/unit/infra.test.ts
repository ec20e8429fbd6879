import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * No Bicep compiler runs here, so drift between the code and infra/ is caught by reading both:
 * every app setting the product reads is set by main.bicep or documented in README's
 * "App settings" table; the functions Event Grid and the timers need exist under the names infra
 * uses; the Event Grid subscription takes its filters from eventgrid-filters.json.
 */
const ROOT = path.resolve(__dirname, '../..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const PRODUCT = ['functions', 'orchestrations', 'azure', 'store', 'core'];

function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) return filesUnder(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Names of settings read as `env.X`, `process.env.X` or `env['X']` anywhere in the product. */
function settingsRead(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of PRODUCT.flatMap(filesUnder)) {
    for (const m of read(f).matchAll(/\benv(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([^']+)'\s*\])/g)) {
      const name = m[1] ?? m[2];
      out.set(name, [...(out.get(name) ?? []), f]);
    }
  }
  return out;
}

/** The app settings main.bicep gives the Function App (`{ name: 'X', value: ... }`). */
function bicepAppSettings(): Set<string> {
  const bicep = read('infra/main.bicep');
  const block = /appSettings:\s*\[([\s\S]*?)\n\s*\]/.exec(bicep)?.[1] ?? '';
  return new Set([...block.matchAll(/name:\s*'([^']+)'/g)].map((m) => m[1]));
}

/** Settings named in README's "App settings" table (first column, in backticks). */
function documentedSettings(): Set<string> {
  const readme = read('README.md');
  const section = /## App settings\n([\s\S]*?)(\n## |$)/.exec(readme)?.[1] ?? '';
  const names = section
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .flatMap((l) => [...(l.split('|')[1] ?? '').matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]));
  return new Set(names);
}

/** Function names by trigger kind, from the app's registrations (`app.eventGrid(FunctionNames.x`...). */
function registered(kind: 'eventGrid' | 'timer' | 'http'): string[] {
  const names = read('functions/names.ts');
  const value = (key: string) => new RegExp(`\\b${key}:\\s*'([^']+)'`).exec(names)?.[1];
  return filesUnder('functions').flatMap((f) => [...read(f).matchAll(new RegExp(`app\\.${kind}\\(\\s*FunctionNames\\.(\\w+)`, 'g'))].map((m) => value(m[1]) ?? `?${m[1]}`));
}

const filters = JSON.parse(read('infra/eventgrid-filters.json')) as { functionName: string; includedEventTypes: string[]; advancedFilters: unknown[] };

describe('infra and code agree', () => {
  it('every setting the product reads is set by main.bicep or documented in README', () => {
    const set = bicepAppSettings();
    const documented = documentedSettings();
    const read = settingsRead();
    expect(read.size).toBeGreaterThan(5); // the scan finds the settings at all
    const missing = [...read.entries()].filter(([name]) => !set.has(name) && !documented.has(name)).map(([name, files]) => `${name} (read in ${[...new Set(files)].join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('main.bicep sets only settings the product or the Functions host reads', () => {
    const read = settingsRead();
    const host = /^(AzureWebJobsStorage|APPLICATIONINSIGHTS_|FUNCTIONS_|WEBSITE_|AzureFunctionsJobHost)/;
    expect([...bicepAppSettings()].filter((n) => !read.has(n) && !host.test(n))).toEqual([]);
  });

  it("the Event Grid subscription's function is the app's Event Grid trigger", () => {
    expect(registered('eventGrid')).toContain(filters.functionName);
    expect(registered('eventGrid').every((n) => !n.startsWith('?'))).toBe(true);
  });

  it('the timers infra relies on (the sweeps that stand in for lost events) are registered', () => {
    expect(registered('timer')).toEqual(expect.arrayContaining(['reconcileSweep', 'connectionsSweep']));
  });

  it('the event subscription takes its function name and filters from eventgrid-filters.json, not a copy', () => {
    const module = read('infra/eventgrid-subscription.bicep');
    expect(module).toMatch(/loadJsonContent\('eventgrid-filters\.json'\)/);
    expect(module).toMatch(/includedEventTypes:\s*filters\.includedEventTypes/);
    expect(module).toMatch(/advancedFilters:\s*filters\.advancedFilters/);
    expect(module).toMatch(/'Microsoft\.Web\/sites\/functions',\s*functionAppName,\s*filters\.functionName/);
    expect(module).toMatch(/endpointType:\s*'AzureFunction'/);
    // No operation name is spelled out in a bicep file: the JSON is the one list.
    for (const f of ['infra/main.bicep', 'infra/eventgrid-subscription.bicep', 'infra/consumer/eventgrid.bicep']) expect(read(f)).not.toMatch(/Microsoft\.Network\/privateEndpoints\/write/);
  });

  it('the subscription is created after deploy, on the system topic main.bicep creates or takes', () => {
    const main = read('infra/main.bicep');
    expect(main).toMatch(/topicType:\s*'Microsoft\.Resources\.Subscriptions'/);
    expect(main).toMatch(/param existingSystemTopicName string = ''/);
    expect(main).toMatch(/output EVENTGRID_SYSTEM_TOPIC_NAME string/);
    expect(main).toMatch(/output FUNCTION_APP_NAME string/);
    const hook = read('infra/hooks/postdeploy.sh');
    expect(hook).toMatch(/eventgrid-subscription\.bicep/);
    expect(hook).toMatch(/EVENTGRID_SYSTEM_TOPIC_NAME/);
    expect(read('azure.yaml')).toMatch(/postdeploy:\s*\n\s*shell: sh\s*\n\s*run: \.\/infra\/hooks\/postdeploy\.sh/);
    const consumer = read('infra/consumer/eventgrid.bicep');
    expect(consumer).toMatch(/module \w+ '\.\.\/eventgrid-subscription\.bicep'/);
    const code = consumer.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n');
    expect(code).not.toMatch(/key|secret|code=|listKeys/i);
  });
});

describe('sign-in in infra', () => {
  it('Easy Auth is on with Entra ID, returns 401 to API clients, lets Event Grid through, and the app is told so', () => {
    const main = read('infra/main.bicep');
    expect(main).toMatch(/name: 'authsettingsV2'/);
    expect(main).toMatch(/unauthenticatedClientAction: 'Return401'/);
    expect(main).toMatch(/excludedPaths: \[[^\]]*'\/runtime\/webhooks\/eventgrid'/);
    expect(main).toMatch(/azureActiveDirectory: \{\s*enabled: true/);
    expect(main).toMatch(/\{ name: 'PLF_AUTH', value: 'easyauth' \}/);
  });
});

describe('monitoring and azd conventions in infra', () => {
  const main = read('infra/main.bicep');
  it('Application Insights sits on Log Analytics with local auth off; the app signs in to it', () => {
    expect(main).toMatch(/Microsoft\.OperationalInsights\/workspaces/);
    expect(main).toMatch(/WorkspaceResourceId: logs\.id/);
    expect(main).toMatch(/DisableLocalAuth: true/);
    expect(main).toMatch(/name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=\$\{identity\.properties\.clientId\};Authorization=AAD'/);
    expect(main).toMatch(/3913510d-42f4-4e42-8a64-420c390055eb/); // Monitoring Metrics Publisher
  });

  it('environmentName tags every resource with azd-env-name; parameters come from the azd environment', () => {
    expect(main).toMatch(/param environmentName string/);
    const resources = [...main.matchAll(/^resource (\w+) '([^']+)'[^\n]*\n([\s\S]*?)^\}/gm)].filter(([, , type]) => !/roleAssignments|\/config@|blobServices|roleDefinitions/.test(type));
    expect(resources.length).toBeGreaterThan(5);
    expect(resources.filter(([, , , body]) => !/tags: (tags|union\(tags)/.test(body)).map(([, name]) => name)).toEqual([]);
    const params = (JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> }).parameters;
    const declared = [...main.matchAll(/^param (\w+) \w+( =)?/gm)].filter((m) => !m[2]).map((m) => m[1]);
    expect(declared.filter((p) => !(p in params))).toEqual([]); // every required parameter is supplied
  });
});
