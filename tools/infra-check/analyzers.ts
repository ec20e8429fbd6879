/**
 * The Bicep linter rules infra/bicepconfig.json sets to `error`, and a probe for each: a few lines
 * of Bicep that break exactly that rule. The Bicep CLI accepts an unknown or misspelled rule name
 * without a word (tried with 0.49.2), so a rule counts as checked only when `bicep lint` of its
 * probe, with infra's bicepconfig.json, reports it as an Error on the probe's own lines. Rules are
 * described at https://learn.microsoft.com/azure/azure-resource-manager/bicep/linter (one page per
 * rule). All of them work offline: none asks a registry (use-recent-module-versions would, and is
 * not used; use-recent-api-versions compares API versions with today's date, so a build would
 * start failing with no change to the code: not used either).
 */
export const ANALYZER_PROBES: Readonly<Record<string, string>> = {
  'no-unused-params': 'param probeUnusedParam string',
  'no-unused-vars': 'var probeUnusedVar = 1',
  'no-unused-existing-resources': "resource probeUnusedExisting 'Microsoft.Storage/storageAccounts@2023-05-01' existing = { name: 'probeunused' }",
  'no-unused-types': 'type probeUnusedType = string',
  'secure-parameter-default': "@secure()\nparam probeSecretWithDefault string = 'not-a-secret'\noutput probeSecretLength int = length(probeSecretWithDefault)",
  'secure-secrets-in-params': 'param probeAdminPassword string\noutput probeAdminPasswordLength int = length(probeAdminPassword)',
  'outputs-should-not-contain-secrets': "output probeKey string = probeStorage.listKeys().keys[0].value",
  'no-hardcoded-env-urls': "output probeArm string = 'https://management.azure.com/'",
  'no-hardcoded-location': "resource probeHardLocation 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'probehard${uniqueString(resourceGroup().id)}'\n  location: 'westeurope'\n  sku: { name: 'Standard_LRS' }\n  kind: 'StorageV2'\n}",
  'no-loc-expr-outside-params': "resource probeLocExpr 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'probeloc${uniqueString(resourceGroup().id)}'\n  location: resourceGroup().location\n  sku: { name: 'Standard_LRS' }\n  kind: 'StorageV2'\n}",
  'use-stable-resource-identifiers': "param probeNow string = utcNow()\nresource probeUnstable 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'probe${probeNow}'\n  location: probeLocation\n  sku: { name: 'Standard_LRS' }\n  kind: 'StorageV2'\n}",
  'use-resource-id-functions': "resource probeLiteralId 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'probeid${uniqueString(resourceGroup().id)}'\n  location: probeLocation\n  sku: { name: 'Standard_LRS' }\n  kind: 'StorageV2'\n  properties: { networkAcls: { defaultAction: 'Deny', virtualNetworkRules: [ { id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/probe' } ] } }\n}",
  'use-resource-symbol-reference': "output probeReference string = reference(probeStorage.id, '2023-05-01').primaryEndpoints.blob",
  'use-parent-property': "resource probeChild 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {\n  name: '${probeStorage.name}/default'\n}",
  'prefer-interpolation': "output probeConcat string = concat('a', probeLocation)",
  'simplify-interpolation': "output probeInterpolated string = '${probeLocation}'",
  'simplify-json-null': "output probeNull object = json('null')",
  'prefer-unquoted-property-names': "output probeQuoted object = { 'abc': 1 }",
  'no-unnecessary-dependson': "resource probeDependsOn 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'probedep${uniqueString(resourceGroup().id)}'\n  location: probeLocation\n  sku: { name: 'Standard_LRS' }\n  kind: 'StorageV2'\n  properties: { customDomain: { name: probeStorage.name } }\n  dependsOn: [ probeStorage ]\n}",
  'no-deployments-resources': "resource probeNested 'Microsoft.Resources/deployments@2022-09-01' = {\n  name: 'probe-nested'\n  properties: { mode: 'Incremental', template: {} }\n}",
  'use-safe-access': "param probeBag object\noutput probeSafe string = contains(probeBag, 'x') ? probeBag.x : 'none'",
  'no-conflicting-metadata': "@metadata({ description: 'one' })\n@description('two')\nparam probeConflicting string\noutput probeConflictingOut string = probeConflicting",
};

/** What every probe may use: a location parameter and a storage account that break no rule. */
const PRELUDE = [
  'param probeLocation string = resourceGroup().location',
  "resource probeStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {",
  "  name: 'probe${uniqueString(resourceGroup().id)}'",
  '  location: probeLocation',
  "  sku: { name: 'Standard_LRS' }",
  "  kind: 'StorageV2'",
  '}',
];

/** The probe file: prelude, then each rule's lines; `lines` says where each rule's probe is (1-based, inclusive). */
export function probeFile(rules: readonly string[]): { text: string; lines: Map<string, [number, number]> } {
  const out = [...PRELUDE];
  const lines = new Map<string, [number, number]>();
  for (const rule of rules) {
    const probe = ANALYZER_PROBES[rule];
    if (probe === undefined) continue;
    const body = probe.split('\n');
    lines.set(rule, [out.length + 2, out.length + 1 + body.length]);
    out.push(`// ${rule}`, ...body);
  }
  return { text: `${out.join('\n')}\n`, lines };
}

/** Rules a bicepconfig.json sets to `error` (analyzers.core.rules.<rule>.level). */
export function errorRules(config: unknown): string[] {
  const rules = (config as { analyzers?: { core?: { enabled?: boolean; rules?: Record<string, { level?: string }> } } })?.analyzers?.core;
  if (!rules || rules.enabled === false) return [];
  return Object.entries(rules.rules ?? {})
    .filter(([, r]) => r.level === 'error')
    .map(([name]) => name)
    .sort();
}

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  level: string;
  code: string;
  message: string;
}

/** The CLI's diagnostic lines: `<file>(<line>,<col>) : <Level> <code>: <message>`. */
export function parseDiagnostics(output: string): Diagnostic[] {
  return [...output.matchAll(/^(.+?)\((\d+),(\d+)\) : (\w+) ([\w-]+): (.*)$/gm)].map((m) => ({ file: m[1], line: Number(m[2]), column: Number(m[3]), level: m[4], code: m[5], message: m[6] }));
}

/**
 * Problems with the analyzer set-up: a rule at `error` without a probe, a probe for a rule not at
 * `error`, a probe whose lines the CLI did not flag with its rule as an Error.
 */
export function analyzerProblems(enabled: readonly string[], lines: ReadonlyMap<string, [number, number]>, diagnostics: readonly Diagnostic[]): string[] {
  const problems: string[] = [];
  for (const rule of enabled) if (!(rule in ANALYZER_PROBES)) problems.push(`bicepconfig.json sets ${rule} to error but tools/infra-check/analyzers.ts has no probe for it`);
  for (const rule of Object.keys(ANALYZER_PROBES)) if (!enabled.includes(rule)) problems.push(`analyzer ${rule} has a probe but bicepconfig.json does not set it to error`);
  for (const [rule, [from, to]] of lines) {
    if (!enabled.includes(rule)) continue;
    const hit = diagnostics.some((d) => d.code === rule && d.level === 'Error' && d.line >= from && d.line <= to);
    if (!hit) problems.push(`analyzer ${rule} did not report its probe (lines ${from}-${to}) as an Error: misspelled in bicepconfig.json, or not a rule of this Bicep CLI`);
  }
  return problems;
}
