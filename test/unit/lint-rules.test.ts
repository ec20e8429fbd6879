import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { Linter } from 'eslint';

/**
 * The two rules of DESIGN §3 that eslint.config.mjs checks (docs/ARCHITECTURE.md, "Rules the
 * linter checks"): orchestrator determinism and import layering. Each case lints a small snippet
 * at a virtual path with the repository's own config; a failing case names the rule that must
 * fire and a piece of its message, so the test fails when the config loses the rule.
 */
const ROOT = path.resolve(__dirname, '../..');

/**
 * ESLint's Node API (`new ESLint({ cwd })`, `lintText(code, { filePath })`) run in a plain Node
 * child: ESLint loads eslint.config.mjs with a dynamic import(), which jest's module sandbox
 * refuses without --experimental-vm-modules. One child lints every case.
 */
const RUNNER = `
const { ESLint } = require('eslint');
const path = require('node:path');
(async () => {
  const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const [file, code] of cases) {
    const [result] = await eslint.lintText(code, { filePath: path.join(process.cwd(), file) });
    out.push(result.messages);
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

const lintAll = (cases: [file: string, code: string][]): Linter.LintMessage[][] => {
  const r = spawnSync(process.execPath, ['-e', RUNNER], { cwd: ROOT, input: JSON.stringify(cases), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`eslint runner failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Linter.LintMessage[][];
};

const LAYERING = 'no-restricted-imports';
const SYNTAX = 'no-restricted-syntax';
const PROPERTIES = 'no-restricted-properties';
const GLOBALS = 'no-restricted-globals';
const IMPORTS = '@typescript-eslint/no-restricted-imports';
const OURS = [LAYERING, SYNTAX, PROPERTIES, GLOBALS, IMPORTS];

type Fires = [rule: string, message: RegExp];

// [situation, file, code, the rule that must fire and a piece of its message]
const failing: [string, string, string, Fires][] = [
  // ---- orchestrator determinism
  ['an orchestrator reading Date.now', 'orchestrations/reconcile-x.ts', 'export const t = Date.now();', [PROPERTIES, /currentUtcDateTime/]],
  ['an orchestrator reading new Date()', 'orchestrations/reconcile-x.ts', 'export const t = new Date();', [SYNTAX, /wall clock.*currentUtcDateTime/]],
  ['an orchestrator calling Date()', 'orchestrations/reconcile-x.ts', 'export const t = Date();', [SYNTAX, /wall clock/]],
  ['an orchestrator helper in kit/ reading performance.now', 'orchestrations/kit/steps.ts', 'export const t = performance.now();', [PROPERTIES, /currentUtcDateTime/]],
  ['an orchestrator reading process.hrtime', 'orchestrations/reconcile-x.ts', 'export const t = process.hrtime.bigint();', [PROPERTIES, /currentUtcDateTime/]],
  ['an orchestrator using Math.random', 'orchestrations/reconcile-x.ts', 'export const r = Math.random();', [PROPERTIES, /newGuid/]],
  ['an orchestrator using crypto.randomUUID', 'orchestrations/reconcile-x.ts', 'export const id = crypto.randomUUID();', [PROPERTIES, /newGuid/]],
  ['an orchestrator importing node:crypto', 'orchestrations/reconcile-x.ts', "import { randomBytes } from 'node:crypto';\nexport const b = randomBytes;", [IMPORTS, /newGuid/]],
  ['an orchestrator importing crypto', 'orchestrations/kit/steps.ts', "import * as c from 'crypto';\nexport const h = c.createHash;", [IMPORTS, /newGuid/]],
  ['an orchestrator calling setTimeout', 'orchestrations/reconcile-x.ts', 'setTimeout(() => undefined, 10);', [GLOBALS, /durable timer/]],
  ['an orchestrator calling setInterval', 'orchestrations/kit/steps.ts', 'setInterval(() => undefined, 10);', [GLOBALS, /durable timer/]],
  ['an orchestrator calling setImmediate', 'orchestrations/reconcile-x.ts', 'setImmediate(() => undefined);', [GLOBALS, /durable timer/]],
  ['an orchestrator calling queueMicrotask', 'orchestrations/reconcile-x.ts', 'queueMicrotask(() => undefined);', [GLOBALS, /durable timer/]],
  ['an orchestrator importing node:timers/promises', 'orchestrations/reconcile-x.ts', "import { setTimeout as sleep } from 'node:timers/promises';\nexport const s = sleep;", [IMPORTS, /durable timer/]],
  ['an orchestrator reading process.env', 'orchestrations/reconcile-x.ts', 'export const v = process.env.PLF_POLL_MS;', [PROPERTIES, /orchestration input/]],
  ['an orchestrator importing node:fs', 'orchestrations/reconcile-x.ts', "import * as fs from 'node:fs';\nexport const r = fs.readFileSync;", [IMPORTS, /activity/]],
  ['an orchestrator importing fs', 'orchestrations/reconcile-x.ts', "import { readFile } from 'fs';\nexport const r = readFile;", [IMPORTS, /activity/]],
  ['an orchestrator importing node:net', 'orchestrations/reconcile-x.ts', "import { connect } from 'node:net';\nexport const c = connect;", [IMPORTS, /activity/]],
  ['an orchestrator importing node:http', 'orchestrations/reconcile-x.ts', "import { request } from 'node:http';\nexport const r = request;", [IMPORTS, /activity/]],
  ['an orchestrator importing node:https', 'orchestrations/kit/steps.ts', "import { request } from 'node:https';\nexport const r = request;", [IMPORTS, /activity/]],
  ['an orchestrator importing node:child_process', 'orchestrations/reconcile-x.ts', "import { spawn } from 'node:child_process';\nexport const s = spawn;", [IMPORTS, /activity/]],
  ['an orchestrator importing node:dns', 'orchestrations/reconcile-x.ts', "import { lookup } from 'node:dns';\nexport const l = lookup;", [IMPORTS, /activity/]],
  ['an orchestrator requiring a module', 'orchestrations/reconcile-x.ts', "export const fs = require('fs');", [SYNTAX, /static imports/]],
  ['an orchestrator importing dynamically', 'orchestrations/reconcile-x.ts', "export const m = import('./names');", [SYNTAX, /Dynamic import/]],
  ['an orchestrator importing an Azure SDK package', 'orchestrations/reconcile-x.ts', "import { NetworkManagementClient } from '@azure/arm-network';\nexport const c = NetworkManagementClient;", [IMPORTS, /only through activities/]],
  ['an orchestrator importing the registry', 'orchestrations/reconcile-x.ts', "import { ForwardRegistry } from '../store/forward-registry';\nexport const r = ForwardRegistry;", [IMPORTS, /only through activities/]],
  ['an orchestrator helper in kit/ importing the registry', 'orchestrations/kit/steps.ts', "import { ForwardRegistry } from '../../store/forward-registry';\nexport const r = ForwardRegistry;", [IMPORTS, /only through activities/]],
  ['an orchestrator importing an Azure service', 'orchestrations/reconcile-x.ts', "import { loadBalancerService } from '../azure/load-balancer/service';\nexport const s = loadBalancerService;", [IMPORTS, /only through activities/]],
  ['an orchestrator two folders down importing the registry', 'orchestrations/kit/deep/x.ts', "export { ForwardRegistry } from '../../../store/forward-registry';", [IMPORTS, /only through activities/]],
  ['an orchestrator importing the client factory', 'orchestrations/kit/steps.ts', "import { azureClients } from '../../azure/client-factory';\nexport const c = azureClients;", [IMPORTS, /only through activities/]],
  ['an orchestrator importing SERVICES from azure/order', 'orchestrations/reconcile-x.ts', "import { ENSURE_ORDER, SERVICES } from '../azure/order';\nexport const s = [ENSURE_ORDER, SERVICES];", [IMPORTS, /only through activities/]],

  // ---- layering
  ['core importing azure', 'core/status-x.ts', "import { classify } from '../azure/errors';\nexport const c = classify;", [LAYERING, /core\/ is the pure domain/]],
  ['core importing types of store (types are dependencies too)', 'core/status-x.ts', "import type { ForwardRecord } from '../store/forward-registry';\nexport type R = ForwardRecord;", [LAYERING, /core\/ is the pure domain/]],
  ['core, one folder down, importing orchestrations', 'core/sub/x.ts', "import { DurableNames } from '../../orchestrations/names';\nexport const n = DurableNames;", [LAYERING, /core\/ is the pure domain/]],
  ['core re-exporting dataplane', 'core/x.ts', "export * from '../dataplane';", [LAYERING, /core\/ is the pure domain/]],
  ['dataplane importing core', 'dataplane/x.ts', "import { forwardNames } from '../core/names';\nexport const f = forwardNames;", [LAYERING, /dataplane\/ holds pure renderers/]],
  ['store importing orchestrations', 'store/x.ts', "import { DurableNames } from '../orchestrations/names';\nexport const n = DurableNames;", [LAYERING, /store\/ may import core\/ only/]],
  ['store importing azure', 'store/x.ts', "import { classify } from '../azure/errors';\nexport const c = classify;", [LAYERING, /store\/ may import core\/ only/]],
  ['azure importing the registry', 'azure/load-balancer/x.ts', "import { ForwardRegistry } from '../../store/forward-registry';\nexport const r = ForwardRegistry;", [LAYERING, /azure\/ may import core\/ and dataplane\/ only/]],
  ['azure importing orchestrations', 'azure/x.ts', "import { DurableNames } from '../orchestrations/names';\nexport const n = DurableNames;", [LAYERING, /azure\/ may import core\/ and dataplane\/ only/]],
  ['azure importing functions', 'azure/x.ts', "import { FunctionNames } from '../functions/names';\nexport const n = FunctionNames;", [LAYERING, /azure\/ may import core\/ and dataplane\/ only/]],
  ['an activity importing a trigger', 'orchestrations/activities/x.ts', "import { FunctionNames } from '../../functions/names';\nexport const n = FunctionNames;", [LAYERING, /triggers \(functions\/\) import orchestrations/]],
  ['the product importing the emulator', 'functions/x.ts', "import { startEmulator } from '../tools/emulator/server';\nexport const s = startEmulator;", [LAYERING, /never the tools beside it/]],
  ['azure importing the emulator', 'azure/scale-set/x.ts', "import type { EmulatorRuntime } from '../../tools/emulator/arm/types';\nexport type R = EmulatorRuntime;", [LAYERING, /azure\/ may import core\/ and dataplane\/ only/]],
  ['the product importing devhost', 'orchestrations/kit/steps.ts', "import { startDevhost } from '../../tools/devhost';\nexport const s = startDevhost;", [LAYERING, /product never imports tools\//]],
  ['devhost importing the product', 'tools/devhost/x.ts', "import '../../functions/durable';", [LAYERING, /tools\/devhost\/ is a tool beside the product/]],
  ['devhost, one folder down, importing core', 'tools/devhost/durable/x.ts', "import { forwardNames } from '../../../core/names';\nexport const f = forwardNames;", [LAYERING, /devhost\/ is a tool beside the product/]],
  ['the emulator importing the product', 'tools/emulator/providers/network/x.ts', "import { classify } from '../../../../azure/errors';\nexport const c = classify;", [LAYERING, /tools\/emulator\/ is a tool beside the product/]],
];

// [situation, file, code]: none of the rules above may fire.
const passing: [string, string, string][] = [
  ['an activity may read the clock', 'orchestrations/activities/x.ts', 'export const t = [Date.now(), new Date(), performance.now()];'],
  ['an activity may use randomness, timers and settings', 'orchestrations/activities/x.ts', "import { randomUUID } from 'node:crypto';\nsetTimeout(() => undefined, 1);\nexport const v = [randomUUID(), Math.random(), process.env.X];"],
  ['an activity may import the registry and Azure services', 'orchestrations/activities/x.ts', "import { ForwardRegistry } from '../../store/forward-registry';\nimport { SERVICES } from '../../azure/order';\nimport { classify } from '../../azure/errors';\nexport const v = [ForwardRegistry, SERVICES, classify];"],
  ['a client helper (*-client.ts) may read the clock and settings', 'orchestrations/kit/singleton-client.ts', "import * as df from 'durable-functions';\nexport const v = [df, new Date(), Date.now(), process.env.X];"],
  ['an orchestrator may build a Date from a value', 'orchestrations/reconcile-x.ts', 'export const at = (ms: number) => new Date(ms + 1000);'],
  ['an orchestrator may use durable-functions', 'orchestrations/kit/steps.ts', "import * as df from 'durable-functions';\nimport type { OrchestrationContext } from 'durable-functions';\nexport const now = (ctx: OrchestrationContext) => [df, ctx.df.currentUtcDateTime, ctx.df.newGuid('x')];"],
  ['a type-only import from azure in an orchestrator is allowed', 'orchestrations/reconcile-x.ts', "import type { ResourceKind } from '../azure/resource-service';\nexport type K = ResourceKind;"],
  ['a type-only specifier from azure in an orchestrator is allowed', 'orchestrations/reconcile-x.ts', "import { type ResourceKind } from '../azure/resource-service';\nexport type K = ResourceKind;"],
  ['a type-only import from store in an orchestrator helper is allowed', 'orchestrations/kit/steps.ts', "import type { ForwardRecord } from '../../store/forward-registry';\nexport type R = ForwardRecord;"],
  ['a type-only import of an Azure SDK package in an orchestrator is allowed', 'orchestrations/reconcile-x.ts', "import type { HttpRequest } from '@azure/functions';\nexport type R = HttpRequest;"],
  ['an orchestrator may import ENSURE_ORDER and DELETE_ORDER', 'orchestrations/reconcile-x.ts', "import { DELETE_ORDER, ENSURE_ORDER } from '../azure/order';\nexport const o = [ENSURE_ORDER, DELETE_ORDER];"],
  ['an orchestrator may import core and its own names', 'orchestrations/reconcile-x.ts', "import { setCondition } from '../core/status';\nimport { DurableNames } from './names';\nexport const v = [setCondition, DurableNames];"],
  ['a trigger may read the clock and import store and orchestrations', 'functions/x.ts', "import { ForwardRegistry } from '../store/forward-registry';\nimport { DurableNames } from '../orchestrations/names';\nexport const v = [Date.now(), ForwardRegistry, DurableNames];"],
  ['azure may import core and dataplane', 'azure/scale-set/x.ts', "import { forwardNames } from '../../core/names';\nimport { customDataOf } from '../../dataplane';\nexport const v = [forwardNames, customDataOf];"],
  ['store may import core', 'store/x.ts', "import { setCondition } from '../core/status';\nexport const v = setCondition;"],
  ['core may import core', 'core/x.ts', "import { forwardNames } from './names';\nexport const v = forwardNames;"],
  ['an emulator folder named like a product folder is not the product', 'tools/emulator/providers/network/x.ts', "import type { StoredResource } from '../../state/store';\nexport type R = StoredResource;"],
  ['devhost may import devhost', 'tools/devhost/durable/x.ts', "import type { FunctionInvoker } from '../contracts';\nexport type I = FunctionInvoker;"],
];

describe('lint rules (eslint.config.mjs)', () => {
  const results = new Map<string, Linter.LintMessage[]>();
  const key = (file: string, code: string) => `${file}\n${code}`;
  const lint = (file: string, code: string) => {
    const messages = results.get(key(file, code));
    if (!messages) throw new Error(`not linted: ${file}`);
    return messages;
  };

  beforeAll(() => {
    const cases = [...failing.map(([, file, code]) => [file, code] as [string, string]), ...passing.map(([, file, code]) => [file, code] as [string, string])];
    lintAll(cases).forEach((messages, i) => results.set(key(...cases[i]), messages));
  });

  it.each(failing)('%s: is refused', (_situation, file, code, [rule, message]) => {
    const messages = lint(file, code);
    expect(messages.filter((m) => m.fatal)).toEqual([]);
    expect(messages.filter((m) => m.ruleId === rule).map((m) => m.message)).toContainEqual(expect.stringMatching(message));
  });

  it.each(passing)('%s', (_situation, file, code) => {
    const messages = lint(file, code);
    // ruleId null: a parse error, or "File ignored" (the case would pass without being checked).
    expect(messages.filter((m) => m.ruleId === null || OURS.includes(m.ruleId))).toEqual([]);
  });
});
