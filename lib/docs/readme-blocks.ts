// Parts of README.md generated from code (the configuration table from lib/stack-config.ts, the
// running-cost table from lib/ops/stack-cost.ts), between <!-- generated:NAME --> and
// <!-- /generated:NAME --> markers. scripts/readme-tables.ts writes them; tests compare them.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const README_FILE = path.join(__dirname, '..', '..', 'README.md');
export const README_UPDATE_COMMAND = 'npm run readme-tables';

const markers = (name: string) => [`<!-- generated:${name} (${README_UPDATE_COMMAND}) -->`, `<!-- /generated:${name} -->`] as const;

/** The block's current content, or undefined when the README has no such block. */
export function readBlock(readme: string, name: string): string | undefined {
  const [begin, end] = markers(name);
  const start = readme.indexOf(begin);
  const stop = readme.indexOf(end);
  if (start < 0 || stop < start) return undefined;
  return readme.slice(start + begin.length, stop).trim();
}

export function replaceBlock(readme: string, name: string, content: string): string {
  const [begin, end] = markers(name);
  const start = readme.indexOf(begin);
  const stop = readme.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} … ${end} block`);
  return `${readme.slice(0, start)}${begin}\n${content.trim()}\n${readme.slice(stop)}`;
}

export const readReadme = () => fs.readFileSync(README_FILE, 'utf8');
