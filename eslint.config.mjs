// ESLint (flat config): typescript-eslint's syntax-only rules (no type information, so `npm run lint`
// stays fast), the layers below as import boundaries, short functions in lambda/ and local/, and
// eslint-disable comments that say why. Formatting is Prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { fileURLToPath } from 'node:url';
import { layersPlugin } from './scripts/eslint/layers.mjs';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import prettier from 'eslint-config-prettier';

// The layers, lowest first. A file may import its own layer and the layers below it, never above:
//
//   contracts   what lib/ and lambda/ share (routes, environment and metric names, the catalog,
//               record types): plain data, imports nothing.
//   core        what every function needs and that needs nothing of the gateway: time, ids, the
//               config reader, the logger and tracer, GatewayError (http/errors), the provider errors and error
//               kit, the provider deadlines, OpenAI's wire types and objects, the stored record types.
//   store       DynamoDB and S3 access (store/), batch-file reading and validation (batch-files/).
//   http        the request/response edge: parsing a request, wrapping a handler, path parameters.
//   providers   the adapters behind lambda/providers/provider.ts and their converters.
//   runtime     lambda/runtime.ts: the clients of one cold start and the provider context.
//   services    the operations' logic: batches, files, uploads, finops, tracker, webhooks, retries,
//               auth, console, and the record lookups of http/lookup.ts (they ask the store and the
//               provider registry).
//   handlers    lambda/handlers/*: one thin entry point per function.
//
// lib/ and bin/ (the CDK app) and lambda/ never import each other: what both need lives in contracts/.
// local/, test/, bench/ and scripts/ drive everything and are not layered. The most specific pattern
// decides a file's layer (lambda/store/records.ts is core although lambda/store/** is store), and every
// file of lambda/, lib/, bin/ and contracts/ must be in one.
const LAYERS = [
  { type: 'contracts', pattern: ['contracts/**'] },
  {
    type: 'core',
    pattern: [
      'lambda/time.ts',
      'lambda/ids.ts',
      'lambda/config.ts',
      'lambda/logger.ts',
      'lambda/tracer.ts',
      'lambda/http/errors.ts',
      'lambda/providers/errors.ts',
      'lambda/providers/deadlines.ts',
      'lambda/openai/**',
    ],
  },
  { type: 'store', pattern: ['lambda/store/**', 'lambda/batch-files/**'] },
  { type: 'http', pattern: ['lambda/http/**'] },
  { type: 'providers', pattern: ['lambda/providers/**'] },
  { type: 'runtime', pattern: ['lambda/runtime.ts'] },
  {
    type: 'services',
    pattern: [
      'lambda/http/lookup.ts',
      'lambda/auth/**',
      'lambda/batches/**',
      'lambda/console/**',
      'lambda/files/**',
      'lambda/finops/**',
      'lambda/retries/**',
      'lambda/tracker/**',
      'lambda/uploads/**',
      'lambda/webhooks/**',
    ],
  },
  { type: 'handlers', pattern: ['lambda/handlers/**'] },
  { type: 'cdk', pattern: ['lib/**', 'bin/**'] },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.finops/**', 'console/dist/**', '**/*.d.ts', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  comments.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A leading underscore names what is unused on purpose (a destructured field left out, a parameter an interface imposes).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Every eslint-disable says why, after `--`.
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: [] }],
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: true }],
    },
  },
  {
    files: ['lambda/**/*.ts', 'lib/**/*.ts', 'bin/**/*.ts', 'contracts/**/*.ts'],
    plugins: {
      layers: layersPlugin({
        root: fileURLToPath(new URL('.', import.meta.url)),
        layers: LAYERS,
        apart: ['cdk'],
        required: ['lambda/**', 'lib/**', 'bin/**', 'contracts/**'],
      }),
    },
    rules: { 'layers/imports': 'error' },
  },
  {
    // The CDK app, tests and tools read CloudFormation templates and API answers as untyped JSON;
    // lambda/ and contracts/ keep their types.
    files: ['test/**/*.ts', 'test/**/*.tsx', 'lib/**/*.ts', 'local/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['lambda/**/*.ts', 'local/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }] },
  },
  prettier,
);
