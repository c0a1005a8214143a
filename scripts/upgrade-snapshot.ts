// `npm run upgrade-snapshot`: refreshes lib/upgrades/stateful-resources.snapshot.json from the stack as
// synthesized now. Refuses while a change would replace or drop a stateful resource without a
// migration entry (lib/upgrades/migrations.ts): the snapshot guards data, it is not a formality.
import { compareSnapshots, SNAPSHOT_FILE } from '#lib/upgrades/stateful-resources';
import { STATEFUL_MIGRATIONS } from '#lib/upgrades/migrations';
import { currentSnapshots, readCommittedSnapshots, writeSnapshots, type SnapshotFileContent } from '#lib/upgrades/snapshots';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '#lib/gateway-function';

function main(): number {
  const current = currentSnapshots();
  const committed: SnapshotFileContent = existsSync(join(PROJECT_ROOT, SNAPSHOT_FILE)) ? readCommittedSnapshots() : {};
  let blocked = false;
  for (const [name, snapshot] of Object.entries(current)) {
    for (const finding of compareSnapshots(committed[name] ?? {}, snapshot, STATEFUL_MIGRATIONS)) {
      const losesData = finding.kind === 'replaced' || finding.kind === 'removed';
      blocked ||= losesData;
      console.log(
        `${name}: ${losesData ? 'REFUSED' : finding.kind} ${finding.kind === 'added' ? `${finding.logicalId}: recorded` : finding.message}`,
      );
    }
  }
  if (blocked) {
    console.log(`\n${SNAPSHOT_FILE} not written: add the migration entries first.`);
    return 1;
  }
  writeSnapshots(current);
  console.log(
    `${SNAPSHOT_FILE} written (${Object.entries(current)
      .map(([n, s]) => `${n}: ${Object.keys(s).length} stateful resources`)
      .join(', ')}).`,
  );
  return 0;
}

process.exit(main());
