// Safe upgrades: the synthesized stack's stateful resources against the committed snapshot
// (lib/upgrades/stateful-resources.snapshot.json). A change that would replace a table, bucket, key,
// secret or queue, or rename the state machine, fails here unless lib/upgrades/migrations.ts says how
// the data is migrated; every stateful resource keeps Retain (and deletion protection where the
// service has it) unless it is a documented exception.
import { SECRET_PROVIDER_NAMES } from '#contracts/providers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { compareSnapshots, statefulSnapshot, type SnapshotFinding, type StatefulSnapshot } from '#lib/upgrades/stateful-resources';
import { RETENTION_EXCEPTIONS, STATEFUL_MIGRATIONS } from '#lib/upgrades/migrations';
import { readCommittedSnapshots, SNAPSHOT_CONFIGURATIONS, templateWithPaths, type SnapshotFileContent } from '#lib/upgrades/snapshots';

let templates: Record<string, any>;
let current: SnapshotFileContent;
let committed: SnapshotFileContent;
beforeAll(() => {
  // What currentSnapshots() computes, keeping the templates for the docs check.
  templates = Object.fromEntries(Object.entries(SNAPSHOT_CONFIGURATIONS).map(([name, props]) => [name, templateWithPaths(props)]));
  current = Object.fromEntries(Object.entries(templates).map(([name, template]) => [name, statefulSnapshot(template)]));
  committed = readCommittedSnapshots();
});

const describeFindings = (findings: SnapshotFinding[]) => findings.map((f) => `${f.kind}: ${f.message}`);
const pathBelowStack = (path: string) => path.split('/').slice(1).join('/');

test.each(Object.keys(SNAPSHOT_CONFIGURATIONS))('%s configuration: the stateful resources match the committed snapshot', (name) => {
  expect(committed[name]).toBeDefined();
  expect(describeFindings(compareSnapshots(committed[name], current[name], STATEFUL_MIGRATIONS))).toEqual([]);
});

test('the snapshot covers the table, the four buckets, a secret per catalog provider that has one, the webhook key and queues, the vault key and the state machine name', () => {
  const types = (s: StatefulSnapshot) =>
    Object.values(s)
      .map((r) => r.type)
      .sort();
  const always = [
    'AWS::DynamoDB::Table',
    ...Array(4).fill('AWS::S3::Bucket'),
    ...Array(SECRET_PROVIDER_NAMES.length).fill('AWS::SecretsManager::Secret'),
    'AWS::KMS::Key',
    ...Array(3).fill('AWS::SQS::Queue'),
    'AWS::StepFunctions::StateMachine',
  ];
  expect(types(current.default)).toEqual(always.sort());
  expect(types(current.allOptions)).toEqual([...always, 'AWS::KMS::Key'].sort());
  const machine = Object.values(current.default).find((r) => r.type === 'AWS::StepFunctions::StateMachine')!;
  expect(machine.replacementProperties).toEqual({ StateMachineName: 'FinOpsGateway-batch-tracker', StateMachineType: 'STANDARD' });
});

test('every stateful resource is retained on delete and on replacement, unless a documented exception', () => {
  const exceptionsUsed = new Set<string>();
  for (const snapshot of Object.values(current)) {
    for (const [logicalId, resource] of Object.entries(snapshot)) {
      const exception = RETENTION_EXCEPTIONS[pathBelowStack(resource.path)];
      if (exception) {
        exceptionsUsed.add(pathBelowStack(resource.path));
        continue;
      }
      expect({ logicalId, deletionPolicy: resource.deletionPolicy, updateReplacePolicy: resource.updateReplacePolicy }).toEqual({
        logicalId,
        deletionPolicy: 'Retain',
        updateReplacePolicy: 'Retain',
      });
    }
  }
  // No stale exception: each names a resource that exists, with a reason.
  expect([...exceptionsUsed].sort()).toEqual(Object.keys(RETENTION_EXCEPTIONS).sort());
  for (const reason of Object.values(RETENTION_EXCEPTIONS)) expect(reason.length).toBeGreaterThan(60);
});

test('the table has deletion protection on', () => {
  const table = Object.values(current.default).find((r) => r.type === 'AWS::DynamoDB::Table')!;
  expect(table.deletionProtection).toBe(true);
});

test('every migration entry says how the data moves', () => {
  for (const m of STATEFUL_MIGRATIONS) {
    expect(m.migration.trim().length).toBeGreaterThanOrEqual(40);
    expect(m.since).toMatch(/\S/);
  }
});

describe('the check is live: planted changes fail it', () => {
  const plantedFindings = (build: Parameters<typeof templateWithPaths>[1]) =>
    compareSnapshots(committed.default, statefulSnapshot(templateWithPaths({}, build)), STATEFUL_MIGRATIONS);

  test('a changed sort key (replacement-causing property) is reported as a replacement', () => {
    const findings = plantedFindings((stack) => {
      const cfn = stack.table.table.node.defaultChild as CfnTable;
      cfn.keySchema = [
        { attributeName: 'pk', keyType: 'HASH' },
        { attributeName: 'sortKey', keyType: 'RANGE' },
      ];
    });
    expect(findings.map((f) => f.kind)).toEqual(['replaced']);
    expect(findings[0].message).toMatch(
      /AWS::DynamoDB::Table RecordsTable\w+ \(FinOpsGateway\/Records\/Table\/Resource\) would be REPLACED: KeySchema changes from .*"sk".* to .*"sortKey"/,
    );
    expect(findings[0].message).toMatch(
      /add \{ logicalId: 'RecordsTable\w+', change: 'KeySchema', migration: '…', since: '…' \} to STATEFUL_MIGRATIONS in lib\/upgrades\/migrations.ts/,
    );
  });

  test('a renamed construct (new logical id) is reported as the old table gone and the new one added', () => {
    const findings = plantedFindings((stack) => (stack.table.table.node.defaultChild as CfnTable).overrideLogicalId('RecordsTableV2'));
    expect(findings.map((f) => `${f.kind} ${f.logicalId}`)).toEqual([
      expect.stringMatching(/^removed RecordsTable[0-9A-F]{8}$/),
      'added RecordsTableV2',
    ]);
    expect(findings[0].message).toMatch(
      /is gone from the template: CloudFormation would delete or orphan it and its data\. It looks renamed to RecordsTableV2/,
    );
  });

  test('a fixed bucket name replaces the bucket', () => {
    const findings = plantedFindings((stack) => ((stack.buckets.files.node.defaultChild as CfnBucket).bucketName = 'my-files'));
    expect(describeFindings(findings)).toEqual([
      expect.stringMatching(/^replaced: AWS::S3::Bucket BucketsFiles\w+ .* BucketName changes from \(unset\) to "my-files"/),
    ]);
  });

  test('a documented migration lets the replacement through', () => {
    const template = templateWithPaths({}, (stack) => ((stack.buckets.files.node.defaultChild as CfnBucket).bucketName = 'my-files'));
    const logicalId = Object.keys(committed.default).find((id) => id.startsWith('BucketsFiles'))!;
    const migration = {
      logicalId,
      change: 'BucketName',
      since: '2027-01-01',
      migration: 'Copy every object to the new bucket with aws s3 sync before the deploy, then delete the old one by hand.',
    };
    expect(compareSnapshots(committed.default, statefulSnapshot(template), [migration])).toEqual([]);
    // A marker without a real description does not count.
    expect(compareSnapshots(committed.default, statefulSnapshot(template), [{ ...migration, migration: 'todo' }])).toHaveLength(1);
  });

  test('a new queue someone adds is reported with how to record it', () => {
    const findings = plantedFindings((stack) => new Queue(stack, 'WebhookQueue'));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toMatch(
      /^new stateful resource AWS::SQS::Queue WebhookQueue\w+ \(FinOpsGateway\/WebhookQueue\/Resource\) is not in the snapshot: give it removalPolicy RETAIN .* then run `npm run upgrade-snapshot` and commit lib\/upgrades\/stateful-resources.snapshot.json/,
    );
  });

  test('dropping deletion protection or Retain is reported', () => {
    const findings = plantedFindings((stack) => {
      (stack.table.table.node.defaultChild as CfnTable).deletionProtectionEnabled = false;
    });
    expect(describeFindings(findings)).toEqual([expect.stringMatching(/^policy: .*deletionProtection changes from true to false/)]);
  });
});

test('docs/UPGRADING.md lists every kind of resource cdk destroy leaves behind', () => {
  const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'UPGRADING.md'), 'utf8');
  const retainedTypes = new Set<string>();
  for (const template of Object.values(templates)) {
    for (const r of Object.values(template.Resources as Record<string, { Type: string; DeletionPolicy?: string }>)) {
      if (r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate') retainedTypes.add(r.Type);
    }
  }
  expect(retainedTypes.size).toBeGreaterThanOrEqual(5);
  expect([...retainedTypes].filter((type) => !docs.includes(`\`${type}\``))).toEqual([]);
});
