// Safe upgrades: the stack's stateful resources (tables, buckets, keys, secrets, queues, the state
// machine's name) as a small JSON snapshot, and the comparison of a newly synthesized template with
// the committed one. A change that would make CloudFormation replace one of them (a new logical id,
// or a change to a property that cannot be updated in place) loses the data in it, or strands it in a
// retained copy the stack no longer uses. The comparison reports it unless a migration entry says how
// the data is moved (lib/upgrades/migrations.ts). Plain data and functions: no CDK imports.

/**
 * Stateful resource types, and the properties whose change replaces the resource (or, for KMS keys,
 * makes the update fail). From the CloudFormation Template Reference ("Update requires: Replacement"),
 * checked 2026-12-03:
 * - AWS::DynamoDB::Table: TableName, KeySchema, LocalSecondaryIndexes, ImportSourceSpecification
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html
 * - AWS::S3::Bucket: BucketName, ObjectLockEnabled
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html
 * - AWS::KMS::Key: "If you change the value of the KeySpec, KeyUsage, Origin, or MultiRegion properties
 *   of an existing KMS key, the update request fails"
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
 * - AWS::SecretsManager::Secret: Name
 * - AWS::StepFunctions::StateMachine: StateMachineName, StateMachineType (a replaced machine stops the
 *   executions that track running batches; its definition may change freely)
 * - AWS::SQS::Queue: QueueName, FifoQueue; AWS::SNS::Topic: TopicName, FifoTopic
 * To guard a new kind of stateful resource, add its type here with its replacement properties.
 */
export const STATEFUL_TYPES: Readonly<Record<string, readonly string[]>> = {
  'AWS::DynamoDB::Table': ['TableName', 'KeySchema', 'LocalSecondaryIndexes', 'ImportSourceSpecification'],
  'AWS::DynamoDB::GlobalTable': ['TableName', 'KeySchema', 'LocalSecondaryIndexes'],
  'AWS::S3::Bucket': ['BucketName', 'ObjectLockEnabled'],
  'AWS::KMS::Key': ['KeySpec', 'KeyUsage', 'Origin', 'MultiRegion'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::StepFunctions::StateMachine': ['StateMachineName', 'StateMachineType'],
  'AWS::SQS::Queue': ['QueueName', 'FifoQueue'],
  'AWS::SNS::Topic': ['TopicName', 'FifoTopic'],
};

export interface StatefulResource {
  type: string;
  /** The construct path (aws:cdk:path), to say which resource a logical id is. */
  path: string;
  /** The replacement-causing properties as synthesized (absent ones are left out). */
  replacementProperties: Record<string, unknown>;
  deletionPolicy: string;
  updateReplacePolicy: string;
  /** DynamoDB's DeletionProtectionEnabled, where the service has it. */
  deletionProtection?: boolean;
}

/** logical id → resource, for one synthesized configuration. */
export type StatefulSnapshot = Record<string, StatefulResource>;

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
}

/** The stateful resources of a synthesized template. Pure. */
export function statefulSnapshot(template: { Resources: Record<string, TemplateResource> }): StatefulSnapshot {
  const snapshot: StatefulSnapshot = {};
  for (const [logicalId, resource] of Object.entries(template.Resources).sort(([a], [b]) => a.localeCompare(b))) {
    const replacing = STATEFUL_TYPES[resource.Type];
    if (!replacing) continue;
    const properties = resource.Properties ?? {};
    const replacementProperties = Object.fromEntries(replacing.filter((p) => properties[p] !== undefined).map((p) => [p, properties[p]]));
    snapshot[logicalId] = {
      type: resource.Type,
      path: String(resource.Metadata?.['aws:cdk:path'] ?? logicalId),
      replacementProperties,
      // CloudFormation's default for both is Delete.
      deletionPolicy: resource.DeletionPolicy ?? 'Delete',
      updateReplacePolicy: resource.UpdateReplacePolicy ?? 'Delete',
      ...(properties.DeletionProtectionEnabled !== undefined
        ? { deletionProtection: properties.DeletionProtectionEnabled as boolean }
        : {}),
    };
  }
  return snapshot;
}

/** A documented replacement: the upgrade that makes it says how the data gets to the new resource. */
export interface StatefulMigration {
  /** The logical id in the committed snapshot that is replaced or goes away. */
  logicalId: string;
  /** The replacement-causing property that changes, or 'logical id' when the resource is renamed or removed. */
  change: string;
  /** How the data is migrated (or why none is needed), for the operator; at least a sentence. */
  migration: string;
  /** The version or date of the upgrade, e.g. '2027-01-15'. */
  since: string;
}

export interface SnapshotFinding {
  kind: 'replaced' | 'removed' | 'added' | 'policy';
  logicalId: string;
  message: string;
}

export const SNAPSHOT_FILE = 'lib/upgrades/stateful-resources.snapshot.json';
export const MIGRATIONS_FILE = 'lib/upgrades/migrations.ts';
export const UPDATE_COMMAND = 'npm run upgrade-snapshot';

/**
 * Compares a new snapshot with the committed one. `replaced` and `removed` findings lose data unless
 * a migration covers them; `added` means the snapshot must be refreshed; `policy` a changed
 * deletion policy or deletion protection (refresh after review). Pure.
 */
export function compareSnapshots(
  committed: StatefulSnapshot,
  current: StatefulSnapshot,
  migrations: readonly StatefulMigration[] = [],
): SnapshotFinding[] {
  const findings: SnapshotFinding[] = [];
  const migrated = (logicalId: string, change: string) =>
    migrations.some((m) => m.logicalId === logicalId && m.change === change && m.migration.trim().length >= 40);
  for (const [logicalId, before] of Object.entries(committed)) {
    const after = current[logicalId];
    if (!after) {
      if (!migrated(logicalId, 'logical id'))
        findings.push({ kind: 'removed', logicalId, message: removedMessage(logicalId, before, committed, current) });
      continue;
    }
    for (const property of new Set([...Object.keys(before.replacementProperties), ...Object.keys(after.replacementProperties)])) {
      const was = JSON.stringify(before.replacementProperties[property]);
      const now = JSON.stringify(after.replacementProperties[property]);
      if (was !== now && !migrated(logicalId, property)) {
        findings.push({
          kind: 'replaced',
          logicalId,
          message: `${before.type} ${logicalId} (${before.path}) would be REPLACED: ${property} changes from ${was ?? '(unset)'} to ${now ?? '(unset)'}, and CloudFormation would create a new, empty resource. ${MIGRATION_HOWTO(logicalId, property)}`,
        });
      }
    }
    for (const field of ['deletionPolicy', 'updateReplacePolicy', 'deletionProtection'] as const) {
      if (before[field] !== after[field]) {
        findings.push({
          kind: 'policy',
          logicalId,
          message: `${before.type} ${logicalId} (${before.path}): ${field} changes from ${before[field]} to ${after[field]}. If that is intended, run \`${UPDATE_COMMAND}\` and commit ${SNAPSHOT_FILE}.`,
        });
      }
    }
  }
  for (const [logicalId, after] of Object.entries(current)) {
    if (committed[logicalId]) continue;
    findings.push({
      kind: 'added',
      logicalId,
      message:
        `new stateful resource ${after.type} ${logicalId} (${after.path}) is not in the snapshot: give it removalPolicy RETAIN (or list it in RETENTION_EXCEPTIONS of ${MIGRATIONS_FILE} with the reason), ` +
        `then run \`${UPDATE_COMMAND}\` and commit ${SNAPSHOT_FILE}, so that later upgrades cannot replace it unnoticed.`,
    });
  }
  return findings;
}

const MIGRATION_HOWTO = (logicalId: string, change: string) =>
  `If this is intended, write down how the data is moved in docs/UPGRADING.md and add { logicalId: '${logicalId}', change: '${change}', migration: '…', since: '…' } to STATEFUL_MIGRATIONS in ${MIGRATIONS_FILE}, then run \`${UPDATE_COMMAND}\`. Otherwise keep the construct id and the property as they were.`;

function removedMessage(logicalId: string, before: StatefulResource, committed: StatefulSnapshot, current: StatefulSnapshot): string {
  // A renamed or moved construct usually keeps its own id: point at the new resource of the same type and name.
  const name = (r: StatefulResource) => r.path.split('/').slice(-2).join('/');
  const renamed = Object.entries(current).find(([id, r]) => !committed[id] && r.type === before.type && name(r) === name(before));
  const hint = renamed ? ` It looks renamed to ${renamed[0]} (${renamed[1].path}): a new logical id is a new resource.` : '';
  return `${before.type} ${logicalId} (${before.path}) is gone from the template: CloudFormation would delete or orphan it and its data.${hint} ${MIGRATION_HOWTO(logicalId, 'logical id')}`;
}
