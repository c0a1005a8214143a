// Caps on batches in flight at a provider, set on the stack (maxBatchesInFlight, maxBatchesInFlightPerModel):
// "Submit to provider" takes a place before creating the provider batch and holds the batch in
// `validating` while the pool is full, as the AWS Bedrock batch orchestrator sample does with its
// concurrency limit, so the gateway never asks a provider for more than its quota (Bedrock allows a
// fixed number of concurrent batch jobs per model). The place is given back when the batch ends.
//   FINOPS_MAX_IN_FLIGHT_<PROVIDER>            batches of that provider in flight (unset or 0: no cap)
//   FINOPS_MAX_IN_FLIGHT_PER_MODEL_<PROVIDER>  of those, per model
import { getServices } from '#lambda/runtime';
import type { BatchRecord } from '#contracts/records';

interface Pool {
  name: string;
  cap: number;
}

function capOf(variable: string): number {
  const value = Number(process.env[variable]);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/** The pools a batch needs a place in, most specific last (a mixed-model batch: one per model it runs). */
export function poolsFor(batch: Pick<BatchRecord, 'provider' | 'model'> & Partial<Pick<BatchRecord, 'models'>>): Pool[] {
  const provider = batch.provider.toUpperCase();
  const pools: Pool[] = [];
  const all = capOf(`FINOPS_MAX_IN_FLIGHT_${provider}`);
  if (all) pools.push({ name: batch.provider, cap: all });
  const perModel = capOf(`FINOPS_MAX_IN_FLIGHT_PER_MODEL_${provider}`);
  for (const model of batch.model ? [batch.model] : (batch.models ?? []))
    if (perModel) pools.push({ name: `${batch.provider}#${model}`, cap: perModel });
  return pools;
}

/** Takes a place in every pool, or none (a place taken in a full pool's sibling is given back). */
export async function takeInFlightPlace(batch: BatchRecord): Promise<boolean> {
  const { metadata } = getServices();
  const taken: Pool[] = [];
  for (const pool of poolsFor(batch)) {
    if (!(await metadata.takeSlot(pool.name, batch.id, pool.cap))) {
      for (const held of taken) await metadata.releaseSlot(held.name, batch.id);
      return false;
    }
    taken.push(pool);
  }
  return true;
}

export async function releaseInFlightPlace(batch: BatchRecord): Promise<void> {
  const { metadata } = getServices();
  for (const pool of poolsFor(batch)) await metadata.releaseSlot(pool.name, batch.id);
}
