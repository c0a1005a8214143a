// The generated README blocks, by name (lib/docs/readme-blocks.ts).
import { configurationTableMarkdown } from '../stack-config';

export const README_TABLES: Readonly<Record<string, () => string>> = {
  configuration: configurationTableMarkdown,
};
