// The table's key schema as plain data (no CDK imports): the construct and the local DynamoDB
// stand-in both build the table from it, so the two cannot drift apart.
/** Key attribute and index names; the store code in lambda/store/ uses the same strings. */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ownerIndex: 'byOwner',
  ownerPartitionKey: 'gsi1pk',
  ownerSortKey: 'gsi1sk',
  /** Epoch seconds after which DynamoDB may delete the item (expired files, old idempotency markers). */
  ttl: 'ttl',
} as const;
