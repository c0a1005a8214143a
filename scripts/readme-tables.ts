// `npm run readme-tables`: rewrites the generated parts of README.md (configuration and running-cost
// tables) from the code that the tests check them against.
import { writeFileSync } from 'node:fs';
import { README_FILE, readReadme, replaceBlock } from '#lib/docs/readme-blocks';
import { README_TABLES } from '#lib/docs/readme-tables';

let readme = readReadme();
for (const [name, render] of Object.entries(README_TABLES)) readme = replaceBlock(readme, name, render());
writeFileSync(README_FILE, readme);
console.log(`README.md: ${Object.keys(README_TABLES).join(', ')} rewritten.`);
