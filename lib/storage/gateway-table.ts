// The single DynamoDB table holding every file, batch and API key record (contracts/records.ts).
// Items are addressed by pk/sk; the byOwner index lists a tenant's files and batches newest first.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEYS } from './table-keys';

export class GatewayTable extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      // Traffic follows batch uploads: bursty and mostly idle, which on-demand capacity prices well.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TABLE_KEYS.ttl,
      // The table is the only record of which provider holds which batch (and what it cost):
      // deleting the stack must not delete it.
      removalPolicy: RemovalPolicy.RETAIN,
      // …nor may a mistaken delete in the console or CLI: it has to turn this off first.
      deletionProtection: true,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.ownerIndex,
      partitionKey: { name: TABLE_KEYS.ownerPartitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.ownerSortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
}
