// The credential vault's item store in memory, for vault tests that need no DynamoDB. Items are
// copied in and out, as a database would, so a test cannot pass by mutating what it stored.
import type { VaultItem, VaultItems } from '#lambda/auth/vault';

export class MemoryVaultItems implements VaultItems {
  readonly items = new Map<string, VaultItem>();
  async put(item: VaultItem) {
    this.items.set(item.id, structuredClone(item));
  }
  async get(id: string) {
    return structuredClone(this.items.get(id) ?? null);
  }
  async delete(id: string) {
    this.items.delete(id);
  }
}
