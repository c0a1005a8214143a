// MECHANICAL: moves what lib/ and lambda/ share into contracts/ (plain data and types that import
// only contracts/), rewriting every relative import of the moved files, the moved files' own imports,
// and mentions of their paths in comments and docs. Idempotent: a move whose source is gone is skipped,
// so it can be run again on a merged tree.
//
//   npx tsx scripts/codemods/move-to-contracts.ts
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** From → to, repository-relative. */
export const MOVES: ReadonlyArray<readonly [string, string]> = [
  ['lib/api/routes.ts', 'contracts/routes.ts'],
  ['lambda/finops/metric-names.ts', 'contracts/metric-names.ts'],
  ['lambda/auth/vault-names.ts', 'contracts/vault-names.ts'],
  ['lambda/webhooks/names.ts', 'contracts/webhook-names.ts'],
  ['lambda/tracker/schedule.ts', 'contracts/schedule.ts'],
  ['lambda/store/records.ts', 'contracts/records.ts'],
  ['lambda/openai/types.ts', 'contracts/openai-types.ts'],
];

const SOURCE_DIRS = ['bin', 'lib', 'lambda', 'local', 'test', 'bench', 'scripts', 'console', 'contracts'];
const CODE = /\.(ts|tsx|mts|cts|mjs|cjs|js)$/;
const TEXT = /\.(ts|tsx|mts|cts|mjs|cjs|js|md)$/;
/** `from '…'`, `import '…'`, `import('…')`, `require('…')`, `jest.mock('…')`, `typeof import('…')`. */
const SPECIFIER =
  /(\bfrom\s+|\bimport\s+|\bimport\(\s*|\brequire\(\s*|\bjest\.(?:mock|requireActual|doMock)\(\s*)(['"])(\.{1,2}\/[^'"]*)\2/g;

function filesUnder(dir: string, test: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : filesUnder(path, test);
    return test.test(entry.name) ? [path] : [];
  });
}

const rel = (abs: string) => relative(ROOT, abs).split('\\').join('/');

/** The file a relative specifier names, repository-relative (with extension), among the files before the moves. */
function resolveSpecifier(fromFile: string, specifier: string, before: ReadonlySet<string>): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  const found = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((candidate) => before.has(candidate));
  return found && rel(found);
}

function specifierBetween(fromFile: string, toFile: string, keepExtension: boolean): string {
  let spec = relative(dirname(fromFile), toFile).split('\\').join('/');
  if (!keepExtension) spec = spec.replace(/\.(ts|tsx)$/, '').replace(/\/index$/, '');
  return spec.startsWith('.') ? spec : `./${spec}`;
}

/** The moved files leave the layer lists of eslint.config.mjs: in contracts/ they are contracts. */
function dropLayerPatterns(moved: string[]): void {
  const config = join(ROOT, 'eslint.config.mjs');
  if (!existsSync(config)) return;
  const text = readFileSync(config, 'utf8');
  const next = text
    .split('\n')
    .filter((line) => !moved.some((from) => line.trim() === `'${from}',`))
    .join('\n');
  if (next !== text) writeFileSync(config, next);
}

function main(): void {
  const moves = new Map(MOVES.filter(([from]) => existsSync(join(ROOT, from))).map(([from, to]) => [from, to]));
  if (moves.size === 0) {
    console.log('Nothing to move.');
    return;
  }
  const newPathOf = (path: string) => moves.get(path) ?? path;
  const files = [
    ...SOURCE_DIRS.flatMap((dir) => filesUnder(join(ROOT, dir), TEXT)),
    ...filesUnder(join(ROOT, 'docs'), /\.md$/),
    join(ROOT, 'README.md'),
  ]
    .filter(existsSync)
    .filter((file) => file !== __filename);
  // Every specifier is resolved against the tree as it was, and every file written once all are read.
  const before = new Set(SOURCE_DIRS.flatMap((dir) => filesUnder(join(ROOT, dir), /./)));
  const writes: Array<{ file: string; newAbs: string; next: string }> = [];
  for (const file of files) {
    const oldRel = rel(file);
    const newAbs = join(ROOT, newPathOf(oldRel));
    const text = readFileSync(file, 'utf8');
    let next = text;
    if (CODE.test(file)) {
      next = next.replace(SPECIFIER, (whole, lead: string, quote: string, specifier: string) => {
        const target = resolveSpecifier(file, specifier, before);
        if (!target) return whole;
        const movedTarget = newPathOf(target);
        if (movedTarget === target && newAbs === file) return whole;
        return `${lead}${quote}${specifierBetween(newAbs, join(ROOT, movedTarget), /\.(json|js|mjs|cjs)$/.test(specifier))}${quote}`;
      });
    }
    // Mentions of the old paths in comments and docs.
    for (const [from, to] of moves) next = next.split(from).join(to);
    if (next !== text || newAbs !== file) writes.push({ file, newAbs, next });
  }
  for (const { file, newAbs } of writes) if (newAbs !== file) unlinkSync(file);
  for (const { newAbs, next } of writes) {
    mkdirSync(dirname(newAbs), { recursive: true });
    writeFileSync(newAbs, next);
  }
  const changed = writes.length;
  dropLayerPatterns([...moves.keys()]);
  console.log(`Moved ${moves.size} file(s) into contracts/; rewrote ${changed} file(s).`);
}

main();
