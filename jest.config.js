/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  testTimeout: 60000,
  maxWorkers: 2,
  // The longest files first (a fresh clone has no cached timings): test/helpers/slow-first-sequencer.js.
  testSequencer: '<rootDir>/test/helpers/slow-first-sequencer.js',
};
