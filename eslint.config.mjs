import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// Two rules of ../shared/DESIGN.md §3 that the linter checks (docs/ARCHITECTURE.md, "Rules the
// linter checks"; test/unit/lint-rules.test.ts proves each one fires):
//   1. layering        — `no-restricted-imports`, one block per folder and directory depth
//   2. determinism     — orchestrator code: `no-restricted-syntax`, `no-restricted-properties`,
//                        `no-restricted-globals`, `@typescript-eslint/no-restricted-imports`
// ---------------------------------------------------------------------------------------------

const EXT = '{ts,mts,cts,js,mjs,cjs}';
/** Deepest directory nesting below a top-level folder that the per-depth blocks cover. */
const MAX_DEPTH = 8;
const DEPTHS = Array.from({ length: MAX_DEPTH + 1 }, (_, d) => d);

/** Files exactly `depth` directories below `folder` (depth 0 = `folder/x.ts`). */
const filesAt = (folder, depth) => [`${folder}/${'*/'.repeat(depth)}*.${EXT}`];

/**
 * A regex matching a relative import, written in a file `depth` directories below a top-level
 * folder, that reaches one of the top-level `folders`: exactly depth+1 `../` then the folder.
 * Relative paths mean different things at different depths (`../store/x` from `core/a.ts` is the
 * top-level store, from `core/sub/a.ts` it would be `core/store/x`), and a plain `**\/store/**`
 * glob would also catch `tools/emulator/state/store`; so every block knows its depth.
 */
const reaches = (depth, folders, tail = '(?:/|$)') =>
  `^(?:\\./)?(?:\\.\\./){${depth + 1}}(?:${folders.join('|')})${tail}`;

// ---- 1. layering: functions -> orchestrations -> azure, store -> core -------------------------

const PRODUCT = ['functions', 'orchestrations', 'core', 'dataplane', 'azure', 'store'];
/** The local tools beside the product, all under tools/ (tools/devhost, tools/emulator). */
const TOOLS = ['tools'];

/**
 * What each folder may NOT import of the project (everything else of the project is allowed).
 * Checked against the code when the rule was written: azure/ imports core/ and dataplane/
 * (scale-set customData), store/ imports core/, dataplane/ imports nothing of the project,
 * tools/devhost/ and tools/emulator/ import nothing of the product.
 */
const FORBIDDEN = {
  functions: { folders: TOOLS, why: 'functions/ may import the product folders, never the tools beside it (tools/devhost/, tools/emulator/).' },
  orchestrations: {
    folders: ['functions', ...TOOLS],
    why: 'orchestrations/ may import azure/, store/, core/, dataplane/; triggers (functions/) import orchestrations, not the reverse, and the product never imports tools/ (devhost, emulator).',
  },
  azure: {
    folders: ['functions', 'orchestrations', 'store', ...TOOLS],
    why: 'azure/ may import core/ and dataplane/ only (functions -> orchestrations -> azure, store -> core).',
  },
  store: {
    folders: ['functions', 'orchestrations', 'azure', 'dataplane', ...TOOLS],
    why: 'store/ may import core/ only (functions -> orchestrations -> azure, store -> core).',
  },
  core: {
    folders: PRODUCT.filter((f) => f !== 'core').concat(TOOLS),
    why: 'core/ is the pure domain: it imports nothing of the project outside core/.',
  },
  dataplane: {
    folders: PRODUCT.filter((f) => f !== 'dataplane').concat(TOOLS),
    why: 'dataplane/ holds pure renderers of the forwarder node: it imports nothing of the project outside dataplane/.',
  },
  'tools/devhost': {
    folders: PRODUCT,
    why: 'tools/devhost/ is a tool beside the product: it loads the compiled app the way Azure does (the `main` glob), never by importing it.',
  },
  'tools/emulator': {
    folders: PRODUCT,
    why: 'tools/emulator/ is a tool beside the product: the product reaches it only over HTTPS through the real Azure SDK clients.',
  },
};

const layering = Object.entries(FORBIDDEN).flatMap(([folder, { folders, why }]) =>
  DEPTHS.map((depth) => ({
    files: filesAt(folder, depth),
    rules: {
      'no-restricted-imports': [
        'error',
        // A folder n levels deep (tools/devhost: 2) reaches the root with depth + n `../`.
        { patterns: [{ regex: reaches(depth + folder.split('/').length - 1, folders), message: `Layering (DESIGN §3): ${why}` }] },
      ],
    },
  })),
);

// ---- 2. orchestrator determinism --------------------------------------------------------------

/** Orchestrator code: all of orchestrations/ except activities and client-side helpers. */
const ORCHESTRATOR_FILES = [`orchestrations/**/*.${EXT}`];
const NOT_ORCHESTRATOR = ['orchestrations/activities/**', `orchestrations/**/*-client.${EXT}`];

const REPLAY = 'Orchestrator code is replayed from history and must make the same decisions every time:';
const CLOCK = `${REPLAY} read the time from context.df.currentUtcDateTime (new Date(x) with an argument is fine).`;
const RANDOM = `${REPLAY} get ids from context.df.newGuid(...), or have an activity produce the random value.`;
const TIMER = `${REPLAY} wait with a durable timer, context.df.createTimer(...).`;
const ENV = `${REPLAY} read settings in the trigger and pass them in the orchestration input (or read them in an activity).`;
const IO = `${REPLAY} do I/O in an activity (orchestrations/activities/) and call it with context.df.callActivity(...).`;
const AZURE = `${REPLAY} orchestrators reach Azure and the registry only through activities (context.df.callActivity); type-only imports are fine.`;

const orchestratorImports = DEPTHS.map((depth) => ({
  files: ORCHESTRATOR_FILES.map((f) => f.replace('**/', '*/'.repeat(depth))),
  ignores: NOT_ORCHESTRATOR,
  rules: {
    // The typescript-eslint variant, for `allowTypeImports`: types are erased and run nothing.
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          { regex: '^(?:node:)?crypto(?:/|$)', allowTypeImports: true, message: RANDOM },
          { regex: '^(?:node:)?(?:timers)(?:/|$)', allowTypeImports: true, message: TIMER },
          { regex: '^(?:node:)?perf_hooks$', allowTypeImports: true, message: CLOCK },
          {
            regex: '^(?:node:)?(?:fs|net|http|https|http2|tls|dgram|child_process|dns|worker_threads)(?:/|$)',
            allowTypeImports: true,
            message: IO,
          },
          // Any Azure SDK package (durable-functions is not under @azure/ and stays allowed).
          { regex: '^@azure/', allowTypeImports: true, message: AZURE },
          // The project's store/ and azure/ folders, types only. One exception, by DESIGN's intent:
          // `azure/order` exports ENSURE_ORDER / DELETE_ORDER, plain constant lists of resource
          // kinds that reconcile-forward.ts walks (it names kinds, it does no I/O). The same module
          // also exports SERVICES (the service objects that call Azure), which stays forbidden.
          { regex: reaches(depth, ['store']), allowTypeImports: true, message: AZURE },
          { regex: reaches(depth, ['azure'], '(?!/order$)(?:/|$)'), allowTypeImports: true, message: AZURE },
          { regex: reaches(depth, ['azure'], '/order$'), importNames: ['SERVICES'], allowTypeImports: true, message: AZURE },
        ],
      },
    ],
  },
}));

const orchestratorCode = {
  files: ORCHESTRATOR_FILES,
  ignores: NOT_ORCHESTRATOR,
  rules: {
    'no-restricted-syntax': [
      'error',
      { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: `new Date() reads the wall clock. ${CLOCK}` },
      { selector: "CallExpression[callee.name='Date']", message: `Date() reads the wall clock. ${CLOCK}` },
      { selector: "CallExpression[callee.name='require']", message: `Load modules with static imports, which the linter checks. ${IO}` },
      { selector: 'ImportExpression', message: `Dynamic import() is asynchronous I/O. ${IO}` },
    ],
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: CLOCK },
      { object: 'performance', property: 'now', message: CLOCK },
      { object: 'process', property: 'hrtime', message: CLOCK },
      { object: 'process', property: 'uptime', message: CLOCK },
      { object: 'Math', property: 'random', message: RANDOM },
      { object: 'crypto', property: 'randomUUID', message: RANDOM },
      { object: 'crypto', property: 'randomBytes', message: RANDOM },
      { object: 'crypto', property: 'getRandomValues', message: RANDOM },
      { object: 'process', property: 'env', message: ENV },
    ],
    'no-restricted-globals': [
      'error',
      { name: 'setTimeout', message: TIMER },
      { name: 'setInterval', message: TIMER },
      { name: 'setImmediate', message: TIMER },
      { name: 'queueMicrotask', message: TIMER },
      { name: 'fetch', message: IO },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.local/**', '__azurite*/**', 'coverage/**', '.azd-package/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  ...layering,
  ...orchestratorImports,
  orchestratorCode,
);
