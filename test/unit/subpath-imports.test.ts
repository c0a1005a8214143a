// Subpath imports (package.json "imports": `#lambda/…`, `#contracts/…`): every tool resolves them to
// the same files (tsc through tsconfig paths, jest through moduleNameMapper, esbuild and tsx through
// package.json), the layer rule classifies them like relative imports, and the codemod that writes
// them (scripts/codemods/subpath-imports.ts) rewrites only real cross-folder specifiers, once.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';
import { rewriteSource, subpathFor, subpathsOf } from '#scripts/codemods/subpath-imports';

const ROOT = join(__dirname, '..', '..');
const IMPORTS: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).imports;
const SUBPATHS = subpathsOf(IMPORTS);

describe('the subpath map', () => {
  test('tsconfig paths name the same targets as package.json imports', () => {
    const { config, error } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    expect(error).toBeUndefined();
    const paths = Object.fromEntries(Object.entries(IMPORTS).map(([key, target]) => [key, [target]]));
    expect(config.compilerOptions.paths).toEqual(paths);
  });

  test("jest's moduleNameMapper sends each subpath to the file package.json names", () => {
    const mapper: Record<string, string> = jest.requireActual(join(ROOT, 'jest.config.js')).moduleNameMapper;
    const mapped = (specifier: string) => {
      const entry = Object.entries(mapper).find(([pattern]) => new RegExp(pattern).test(specifier));
      return entry && specifier.replace(new RegExp(entry[0]), entry[1]).replace('<rootDir>/', '');
    };
    expect(mapped('#lambda/store/metadata')).toBe('lambda/store/metadata.ts');
    expect(mapped('#contracts/providers')).toBe('contracts/providers.ts');
    expect(mapped('#pricing/prices.json')).toBe('pricing/prices.json');
    expect(mapped('#local/simulators/openai/index')).toBe('local/simulators/openai/index.ts');
    expect(mapped('lambda/time')).toBeUndefined();
  });

  test('under jest a subpath import is the very module a path import loads', () => {
    expect(jest.requireActual('#lambda/time')).toBe(jest.requireActual(join(ROOT, 'lambda', 'time')));
    expect(jest.requireActual('#pricing/prices.json')).toBe(jest.requireActual(join(ROOT, 'pricing', 'prices.json')));
  });

  test('esbuild (the Lambda bundler) resolves subpath imports from package.json', async () => {
    const result = await build({
      stdin: {
        contents: "export { PROVIDER_NAMES } from '#contracts/providers';\nexport { nowSeconds } from '#lambda/time';\n",
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(Object.keys(result.metafile.inputs)).toEqual(expect.arrayContaining(['contracts/providers.ts', 'lambda/time.ts']));
  });
});

describe('the codemod', () => {
  const FILES = new Set([
    'lambda/time.ts',
    'lambda/store/metadata.ts',
    'lambda/handlers/batches-create.ts',
    'lambda/batches/service.ts',
    'lambda/batches/record.ts',
    'contracts/providers.ts',
    'pricing/prices.json',
    'local/simulators/openai/index.ts',
    'local/simulators/azure/index.ts',
    'console/src/components.tsx',
    'console/src/format.ts',
    'test/helpers/gateway.ts',
    'scripts/smoke.ts',
  ]);
  const isFile = (path: string) => FILES.has(path);
  const rewrite = (file: string, text: string) => rewriteSource(file, text, SUBPATHS, isFile);

  test.each([
    [
      'lambda/handlers/batches-create.ts',
      "import { createBatch } from '../batches/service';",
      "import { createBatch } from '#lambda/batches/service';",
    ],
    ['lambda/batches/service.ts', 'import { nowSeconds } from "../time";', 'import { nowSeconds } from "#lambda/time";'],
    [
      'lambda/batches/service.ts',
      "import type { ProviderName } from '../../contracts/providers';",
      "import type { ProviderName } from '#contracts/providers';",
    ],
    ['lambda/batches/service.ts', "export * from '../store/metadata';", "export * from '#lambda/store/metadata';"],
    ['lambda/batches/service.ts', "import prices from '../../pricing/prices.json';", "import prices from '#pricing/prices.json';"],
    ['local/simulators/azure/index.ts', "import { start } from '../openai';", "import { start } from '#local/simulators/openai/index';"],
    ['test/unit/a.test.ts', "jest.mock('../../lambda/time');", "jest.mock('#lambda/time');"],
    ['test/unit/a.test.ts', "const t = jest.requireActual('../../lambda/time');", "const t = jest.requireActual('#lambda/time');"],
    ['test/unit/a.test.ts', "const m = await import('../helpers/gateway');", "const m = await import('#test/helpers/gateway');"],
    ['test/unit/a.test.ts', "const m = require('../../scripts/smoke');", "const m = require('#scripts/smoke');"],
    ['test/unit/a.test.ts', "type M = typeof import('../../lambda/time');", "type M = typeof import('#lambda/time');"],
    ['test/unit/a.test.ts', "import { f } from '../../console/src/format';", "import { f } from '#console/src/format';"],
  ])('%s: %s', (file, text, expected) => {
    const result = rewrite(file, text);
    expect(result.text).toBe(expected);
    expect(rewrite(file, result.text).rewrites).toEqual([]);
  });

  test.each([
    ['same-folder and descending imports', 'lambda/batches/service.ts', "import { r } from './record';\nimport { o } from './sub/other';"],
    ['a .tsx file, which no subpath names', 'test/unit/a.test.ts', "import { Pager } from '../../console/src/components';"],
    ['a file that does not exist', 'test/unit/a.test.ts', "import { x } from '../../lambda/gone';"],
    ['a file outside the mapped folders', 'test/unit/a.test.ts', "import x from '../../../shared/spec/thing';"],
    ['a package', 'lambda/batches/service.ts', "import middy from '@middy/core';"],
    ['a fixture string that only looks like an import', 'test/unit/a.test.ts', 'const code = "import { t } from \'../../lambda/time\';";'],
    ['a file path built at run time', 'test/unit/a.test.ts', "const entry = join(__dirname, '../../lambda/time');"],
  ])('leaves %s alone', (_name, file, text) => {
    expect(rewrite(file, text)).toEqual({ text, rewrites: [] });
  });

  test('rewrites every specifier of a file and reports each', () => {
    const text = "import { a } from '../time';\nimport { b } from './record';\nexport { c } from '../store/metadata';\n";
    const result = rewrite('lambda/batches/service.ts', text);
    expect(result.text).toBe(
      "import { a } from '#lambda/time';\nimport { b } from './record';\nexport { c } from '#lambda/store/metadata';\n",
    );
    expect(result.rewrites).toEqual([
      { from: '../time', to: '#lambda/time' },
      { from: '../store/metadata', to: '#lambda/store/metadata' },
    ]);
  });

  test('a subpath names a file only where package.json maps its folder and extension', () => {
    expect(subpathFor('lambda/store/metadata.ts', SUBPATHS)).toBe('#lambda/store/metadata');
    expect(subpathFor('console/src/components.tsx', SUBPATHS)).toBeUndefined();
    expect(subpathFor('lambda/types.d.ts', SUBPATHS)).toBeUndefined();
    expect(subpathFor('node_modules/x/index.ts', SUBPATHS)).toBeUndefined();
  });

  test('every subpath target is a folder of the repository', () => {
    for (const { targetPrefix } of SUBPATHS) expect(existsSync(join(ROOT, targetPrefix))).toBe(true);
  });
});

test('the layer rule reads subpath imports like relative ones: lib/ still cannot import lambda/', () => {
  const cases = [
    { name: 'lib → #lambda', filePath: 'lib/probe.ts', code: "import { nowSeconds } from '#lambda/time';\nexport const n = nowSeconds;\n" },
    {
      name: 'http → #lambda/runtime',
      filePath: 'lambda/http/probe.ts',
      code: "import { getServices } from '#lambda/runtime';\nexport const s = getServices;\n",
    },
    { name: 'lambda → #lib', filePath: 'lambda/files/probe.ts', code: "export { PROJECT_ROOT } from '#lib/gateway-function';\n" },
    {
      name: 'downward and contracts',
      filePath: 'lambda/handlers/probe.ts',
      code: "import { nowSeconds } from '#lambda/time';\nimport { PROVIDER_NAMES } from '#contracts/providers';\nexport const x = [nowSeconds, PROVIDER_NAMES];\n",
    },
    { name: 'lib → #contracts', filePath: 'lib/probe2.ts', code: "export { ENCODINGS_DIR } from '#contracts/bundles';\n" },
  ];
  const script = `import { ESLint } from 'eslint';
    const cases = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: ${JSON.stringify(ROOT)}, cache: false });
    const out = {};
    for (const c of cases) {
      const [result] = await eslint.lintText(c.code, { filePath: ${JSON.stringify(ROOT)} + '/' + c.filePath });
      out[c.name] = result.messages.filter((m) => m.ruleId === 'layers/imports' || m.fatal).map((m) => m.message);
    }
    process.stdout.write(JSON.stringify(out));`;
  const errors: Record<string, string[]> = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases)], { cwd: ROOT }).toString(),
  );
  expect(errors['lib → #lambda']).toEqual([
    expect.stringMatching(/lib\/probe\.ts \(cdk\) may not import lambda\/time\.ts \(core\): lib\/ and lambda\/ share only contracts\//),
  ]);
  expect(errors['http → #lambda/runtime']).toEqual([
    expect.stringMatching(/\(http\) may not import lambda\/runtime\.ts \(runtime\): a lower layer never imports a higher one/),
  ]);
  expect(errors['lambda → #lib']).toEqual([expect.stringMatching(/\(services\) may not import lib\/gateway-function\.ts \(cdk\)/)]);
  expect(errors['downward and contracts']).toEqual([]);
  expect(errors['lib → #contracts']).toEqual([]);
});
