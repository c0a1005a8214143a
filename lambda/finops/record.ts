// Cost accounting hook called when a batch finishes (issue: FinOps cost per batch). Returns the cost
// summary to store on the batch, or null when no price is known.
import type { BatchUsage } from '../openai/types';
import type { BatchRecord, CostSummary } from '../store/records';

export async function recordBatchCost(_batch: BatchRecord, _usageByModel: Record<string, BatchUsage>): Promise<CostSummary | null> {
  return null;
}
