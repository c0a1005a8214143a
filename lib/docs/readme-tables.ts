// The generated README blocks, by name (lib/docs/readme-blocks.ts).
import { configurationTableMarkdown } from '#lib/stack-config';
import { costTableMarkdown, stackCost } from '#lib/ops/stack-cost';
import { templateWithPaths } from '#lib/upgrades/snapshots';
import { providerTableMarkdown } from './provider-table';

/** The stack props under which the README's "lean" idle figure is computed. */
export const LEAN_PROPS = { dashboard: false, executionAlarms: false, finopsMetrics: false } as const;

export const runningCostMarkdown = () => costTableMarkdown(stackCost(templateWithPaths({})), stackCost(templateWithPaths(LEAN_PROPS)));

export const README_TABLES: Readonly<Record<string, () => string>> = {
  configuration: configurationTableMarkdown,
  'running-cost': runningCostMarkdown,
  providers: providerTableMarkdown,
};
