// The layer rule of eslint.config.mjs (scripts/eslint/layers.mjs), run through ESLint's own API on
// sources placed at real paths: an upward import and a lib/ ↔ lambda/ import are errors, a downward
// one and one into contracts/ are not.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const cases = [
  {
    name: 'http → runtime (upward)',
    filePath: 'lambda/http/probe.ts',
    code: "import { getServices } from '../runtime';\nexport const s = getServices;\n",
  },
  {
    name: 'store → providers, type only (upward)',
    filePath: 'lambda/store/probe.ts',
    code: "import type { Extras } from '../providers/provider';\nexport type E = Extras;\n",
  },
  {
    name: 'a service → a handler (upward)',
    filePath: 'lambda/retries/probe.ts',
    code: "export { handler } from '../handlers/batches-create';\n",
  },
  { name: 'lib → lambda', filePath: 'lib/probe.ts', code: "import { nowSeconds } from '../lambda/time';\nexport const n = nowSeconds;\n" },
  {
    name: 'lambda → lib',
    filePath: 'lambda/files/probe.ts',
    code: "import { PROJECT_ROOT } from '../../lib/gateway-function';\nexport const r = PROJECT_ROOT;\n",
  },
  {
    name: 'handler → service → core (downward)',
    filePath: 'lambda/handlers/probe.ts',
    code: "import { nowSeconds } from '../time';\nimport { retryBatch } from '../retries/retry';\nexport const x = [nowSeconds, retryBatch];\n",
  },
  { name: 'a new top-level lambda/ file', filePath: 'lambda/probe.ts', code: 'export const x = 1;\n' },
  {
    name: 'core → core, lib → contracts',
    filePath: 'lib/probe2.ts',
    code: "import { ENCODINGS_DIR } from '../contracts/bundles';\nexport const d = ENCODINGS_DIR;\n",
  },
];

function layerErrors(): Record<string, string[]> {
  const script = `import { ESLint } from 'eslint';
    const cases = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: ${JSON.stringify(ROOT)}, cache: false });
    const out = {};
    for (const c of cases) {
      const [result] = await eslint.lintText(c.code, { filePath: ${JSON.stringify(ROOT)} + '/' + c.filePath });
      out[c.name] = result.messages.filter((m) => m.ruleId === 'layers/imports' || m.fatal).map((m) => m.message);
    }
    process.stdout.write(JSON.stringify(out));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases)], { cwd: ROOT }).toString());
}

test('imports go down the layers, and lib/ and lambda/ meet only in contracts/', () => {
  const errors = layerErrors();
  expect(errors['http → runtime (upward)']).toEqual([
    expect.stringMatching(
      /lambda\/http\/probe\.ts \(http\) may not import lambda\/runtime\.ts \(runtime\): a lower layer never imports a higher one/,
    ),
  ]);
  expect(errors['store → providers, type only (upward)']).toEqual([
    expect.stringMatching(/\(store\) may not import lambda\/providers\/provider\.ts \(providers\)/),
  ]);
  expect(errors['a service → a handler (upward)']).toEqual([
    expect.stringMatching(/\(services\) may not import lambda\/handlers\/batches-create\.ts \(handlers\)/),
  ]);
  expect(errors['lib → lambda']).toEqual([
    expect.stringMatching(/lib\/probe\.ts \(cdk\) may not import lambda\/time\.ts \(core\): lib\/ and lambda\/ share only contracts\//),
  ]);
  expect(errors['lambda → lib']).toEqual([expect.stringMatching(/\(services\) may not import lib\/gateway-function\.ts \(cdk\)/)]);
  expect(errors['a new top-level lambda/ file']).toEqual(['lambda/probe.ts is in no layer: add it to LAYERS in eslint.config.mjs']);
  expect(errors['handler → service → core (downward)']).toEqual([]);
  expect(errors['core → core, lib → contracts']).toEqual([]);
});
