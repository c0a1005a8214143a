// The price table's JSON document (pricing/prices.json, and a deployment's override given to the stack):
// read by lambda/finops/prices.ts, checked and passed on by lib/. Plain types: imports nothing.

/** One model's row as written in the JSON (USD per 1M tokens). */
export interface ModelPriceEntry {
  input: number;
  output: number;
  /** Prompt-cache reads. Absent: cached tokens are priced as input (the provider reports none or has no cache rate). */
  cached_input?: number;
  /** Overrides the provider's batch_discount for this model. */
  batch_discount?: number;
  /** Other names the provider accepts for the same model at the same price (dated snapshots, `-latest`). */
  aliases?: string[];
}

export interface ProviderPriceEntry {
  /** Share of the price taken off for batch jobs: 0.5 = half price. */
  batch_discount?: number;
  /** `null` in an override removes a model (its usage is then reported without cost). */
  models?: Record<string, Partial<ModelPriceEntry> | null>;
}

export interface PriceTableDocument {
  version?: string;
  currency?: string;
  providers?: Partial<Record<string, ProviderPriceEntry>>;
}
