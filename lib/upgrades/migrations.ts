// Documented exceptions to "a stateful resource is never replaced and is kept when the stack goes".
// The stateful-resource snapshot test (test/infra/stateful-snapshot.test.ts) reads both lists.
import type { StatefulMigration } from './stateful-resources';

/**
 * Replacements an upgrade makes on purpose, each with how the data is moved (docs/UPGRADING.md has
 * the operator's steps). Entries stay after the snapshot is refreshed: they are the upgrade history.
 */
export const STATEFUL_MIGRATIONS: readonly StatefulMigration[] = [];

/**
 * Stateful resources that do not keep DeletionPolicy/UpdateReplacePolicy Retain, by construct path
 * below the stack, with the reason.
 */
export const RETENTION_EXCEPTIONS: Readonly<Record<string, string>> = {
  'CredentialVault/Key/Resource':
    "Only with provider-key pass-through. It wraps data keys for clients' own provider keys, which live for a batch's life (then the item's TTL): nothing is worth its monthly charge after the stack is gone. KMS still waits 7 days before deleting it.",
  'BatchTracker/StateMachine/Resource':
    'A state machine holds no data beyond its executions, which track batches whose state lives in the table; a retained machine would go on invoking deleted functions. Its name is in the snapshot, so it is not replaced by accident.',
};
