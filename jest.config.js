/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // middy 6 ships ES modules only: let swc turn it into CommonJS like our own code.
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  // async-hooks-per-file: hooks a finished test file left enabled stop slowing every later file of the worker.
  setupFiles: ['<rootDir>/local/polyfills.js', '<rootDir>/test/support/async-hooks-per-file.ts'],
  // One synthesized tracker definition shared by every local gateway of the run (local/tracker-definition.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // package.json "imports" (`#lambda/…`, `#contracts/…`), mapped the way Node, tsx and esbuild resolve them.
  moduleNameMapper: Object.fromEntries(
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest reads its config as CommonJS
    Object.entries(require('./package.json').imports).map(([key, target]) => {
      const [prefix, suffix] = key.split('*');
      const [targetPrefix, targetSuffix] = target.split('*');
      return [`^${prefix}(.*)${suffix.replace(/\./g, '\\.')}$`, `<rootDir>/${targetPrefix.slice(2)}$1${targetSuffix}`];
    }),
  ),
  testTimeout: 60_000,
  maxWorkers: 2,
};
