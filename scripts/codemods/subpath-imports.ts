// MECHANICAL: rewrites every cross-folder relative import (`../…`) in the TypeScript sources into the
// subpath import of package.json "imports" that names the same file: `../../lambda/store/metadata` is
// `#lambda/store/metadata`, `../../contracts/providers` is `#contracts/providers`. Same-folder and
// descending imports (`./x`, `./sub/x`) stay, as does what no subpath can name (a .tsx file, a file
// outside the mapped folders). Every kind of specifier counts: import/export … from, import '…',
// import(…), require(…), jest.mock(…) and friends, `typeof import('…')`; strings that only look like one
// (test fixtures) are left alone, since the TypeScript parser finds the specifiers. Idempotent: a
// second run finds nothing to do, so the lead can run it again on a merged tree. Prettier then formats
// the files it changed.
//
//   npx tsx scripts/codemods/subpath-imports.ts           (rewrite)
//   npx tsx scripts/codemods/subpath-imports.ts --check   (list what it would rewrite; exit 1 if anything)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');
/** The folders rewritten (console/ keeps its own relative imports: its .tsx files have no subpath). */
export const REWRITTEN_DIRS = ['lambda', 'local', 'lib', 'bin', 'scripts', 'bench', 'test'];
const SOURCE = /\.(ts|tsx|mts|cts)$/;
/** jest's functions that take a module name. */
const JEST_MODULE_FUNCTIONS = new Set([
  'mock',
  'doMock',
  'unmock',
  'dontMock',
  'setMock',
  'requireActual',
  'requireMock',
  'createMockFromModule',
]);

/** One entry of package.json "imports" with a single `*`: `#lambda/*` → `./lambda/*.ts`. */
export interface Subpath {
  prefix: string;
  suffix: string;
  /** Repository-relative, with a trailing slash: `lambda/`. */
  targetPrefix: string;
  targetSuffix: string;
}

export function subpathsOf(imports: Record<string, unknown>): Subpath[] {
  return Object.entries(imports).flatMap(([key, target]) => {
    if (typeof target !== 'string' || key.split('*').length !== 2 || target.split('*').length !== 2) return [];
    const [prefix, suffix] = key.split('*');
    const [targetPrefix, targetSuffix] = target.split('*');
    return [{ prefix, suffix, targetPrefix: targetPrefix.replace(/^\.\//, ''), targetSuffix }];
  });
}

/** The subpath specifier of a repository-relative file, or undefined when no entry names it exactly. */
export function subpathFor(file: string, subpaths: readonly Subpath[]): string | undefined {
  for (const { prefix, suffix, targetPrefix, targetSuffix } of subpaths) {
    if (!file.startsWith(targetPrefix) || !file.endsWith(targetSuffix)) continue;
    const star = file.slice(targetPrefix.length, file.length - targetSuffix.length);
    // `x.d.ts` is no module of its own, and `*` never swallows a second extension (`x.test` of `x.test.ts` is fine).
    if (star === '' || file.endsWith('.d.ts')) continue;
    return `${prefix}${star}${suffix}`;
  }
  return undefined;
}

/** The repository-relative file a relative specifier of `fromFile` names, as Node and tsc look it up. */
export function resolveRelative(fromFile: string, specifier: string, isFile: (path: string) => boolean): string | undefined {
  const base = join(dirname(fromFile), specifier);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}.d.ts`, join(base, 'index.ts'), join(base, 'index.tsx')];
  return candidates.find(isFile)?.split('\\').join('/');
}

/** The string literal naming a module in `node`, if `node` is an import, export, require, import() or jest.mock. */
function moduleSpecifierOf(node: ts.Node): ts.StringLiteralLike | undefined {
  if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
    return ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier : undefined;
  }
  if (ts.isExternalModuleReference(node)) return ts.isStringLiteral(node.expression) ? node.expression : undefined;
  if (ts.isImportTypeNode(node)) {
    const argument = node.argument;
    return ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal) ? argument.literal : undefined;
  }
  if (!ts.isCallExpression(node) || node.arguments.length === 0 || !ts.isStringLiteralLike(node.arguments[0])) return undefined;
  const callee = node.expression;
  const takesModule =
    callee.kind === ts.SyntaxKind.ImportKeyword ||
    (ts.isIdentifier(callee) && callee.text === 'require') ||
    (ts.isPropertyAccessExpression(callee) &&
      ts.isIdentifier(callee.expression) &&
      ((callee.expression.text === 'require' && callee.name.text === 'resolve') ||
        (callee.expression.text === 'jest' && JEST_MODULE_FUNCTIONS.has(callee.name.text))));
  return takesModule ? node.arguments[0] : undefined;
}

export interface Rewrite {
  from: string;
  to: string;
}

/**
 * `text` (the source of the repository-relative `file`) with its cross-folder relative specifiers
 * replaced by subpath ones, and what was replaced.
 */
export function rewriteSource(
  file: string,
  text: string,
  subpaths: readonly Subpath[],
  isFile: (path: string) => boolean,
): { text: string; rewrites: Rewrite[] } {
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const edits: Array<{ start: number; end: number; from: string; to: string }> = [];
  const visit = (node: ts.Node): void => {
    const literal = moduleSpecifierOf(node);
    if (literal?.text.startsWith('../')) {
      const target = resolveRelative(file, literal.text, isFile);
      const to = target && subpathFor(target, subpaths);
      // The quote stays as written; only what is between the quotes changes.
      if (to) edits.push({ start: literal.getStart(source) + 1, end: literal.getEnd() - 1, from: literal.text, to });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  let next = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) next = next.slice(0, edit.start) + edit.to + next.slice(edit.end);
  return { text: next, rewrites: edits.map(({ from, to }) => ({ from, to })) };
}

function sourcesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'dist', 'cdk.out'].includes(entry.name) ? [] : sourcesUnder(path);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const isRepoFile = (path: string): boolean => {
  const absolute = resolve(ROOT, path);
  return existsSync(absolute) && statSync(absolute).isFile();
};

function main(): void {
  const check = process.argv.includes('--check');
  const subpaths = subpathsOf(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).imports ?? {});
  if (subpaths.length === 0) throw new Error('package.json has no "imports" to rewrite into');
  const changed: string[] = [];
  let count = 0;
  for (const absolute of REWRITTEN_DIRS.flatMap((dir) => sourcesUnder(join(ROOT, dir)))) {
    const file = relative(ROOT, absolute).split('\\').join('/');
    const text = readFileSync(absolute, 'utf8');
    const result = rewriteSource(file, text, subpaths, isRepoFile);
    if (result.rewrites.length === 0) continue;
    count += result.rewrites.length;
    changed.push(file);
    if (check) for (const { from, to } of result.rewrites) console.log(`${file}: ${from} → ${to}`);
    else writeFileSync(absolute, result.text);
  }
  if (check) {
    console.log(`${count} relative import(s) in ${changed.length} file(s) would become subpath imports.`);
    process.exitCode = count > 0 ? 1 : 0;
    return;
  }
  // Shorter or longer specifiers change where Prettier breaks an import list.
  if (changed.length > 0)
    execFileSync(join(ROOT, 'node_modules', '.bin', 'prettier'), ['--write', '--log-level', 'warn', ...changed], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  console.log(`Rewrote ${count} relative import(s) in ${changed.length} file(s) into subpath imports.`);
}

if (require.main === module) main();
