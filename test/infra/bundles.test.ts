// The tokenizer encodings ship beside a bundle that counts tokens, not inside it (lib/gateway-function.ts
// encodingCommands, lambda/finops/tokens.ts): built with esbuild as NodejsFunction builds a function.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { encodingCommands, PROJECT_ROOT } from '../../lib/gateway-function';
import { ENCODINGS_DIR, TOKENIZER_ENCODINGS } from '../../contracts/bundles';
import { countInputTokens } from '../../lambda/finops/tokens';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Bundles an entry like lib/gateway-function.ts does, then runs its after-bundling commands. */
function bundleLikeAFunction(entry: string): string {
  const outDir = mkdtempSync(join(tmpdir(), 'finops-bundle-test-'));
  dirs.push(outDir);
  buildSync({
    entryPoints: [join(PROJECT_ROOT, entry)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    outfile: join(outDir, 'index.js'),
    logLevel: 'silent',
  });
  for (const command of encodingCommands(PROJECT_ROOT, outDir)) execFileSync('bash', ['-c', command]);
  return outDir;
}

const request = (model: string) => ({
  custom_id: 'a',
  method: 'POST',
  url: '/v1/chat/completions',
  body: {
    model,
    messages: [
      { role: 'system', content: 'You count tokens.' },
      { role: 'user', content: 'Tokenizers turn "unbelievable" text into sub-word pieces, 今日は晴れ.' },
    ],
  },
});

test('a bundle that counts tokens: encodings beside it, not in it, and the same counts as the sources', () => {
  const outDir = bundleLikeAFunction('lambda/finops/tokens.ts');
  expect(statSync(join(outDir, 'index.js')).size).toBeLessThan(200_000); // the encodings alone are 3.6 MB
  for (const name of TOKENIZER_ENCODINGS) expect(statSync(join(outDir, ENCODINGS_DIR, `${name}.js`)).size).toBeGreaterThan(500_000);
  // A fresh process with no node_modules to fall back on: only the files beside the bundle can answer.
  const script = `const t = require(${JSON.stringify(join(outDir, 'index.js'))}); const r = JSON.parse(process.argv[1]);
    process.stdout.write(JSON.stringify([t.countInputTokens(r[0], 'tokenizer:o200k_base'), t.countInputTokens(r[1], 'tokenizer:cl100k_base')]));`;
  const counts = JSON.parse(
    execFileSync(process.execPath, ['-e', script, JSON.stringify([request('gpt-4o'), request('gpt-4')])], {
      cwd: outDir,
      env: { PATH: process.env.PATH ?? '', NODE_PATH: '' },
    }).toString(),
  );
  expect(counts).toEqual([
    countInputTokens(request('gpt-4o'), 'tokenizer:o200k_base'),
    countInputTokens(request('gpt-4'), 'tokenizer:cl100k_base'),
  ]);
  expect(counts[0]).toBeGreaterThan(20);
});

test('a bundle that does not count tokens gets no encodings', () => {
  const outDir = bundleLikeAFunction('lambda/time.ts');
  expect(existsSync(join(outDir, ENCODINGS_DIR))).toBe(false);
});
