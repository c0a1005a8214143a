// The price table: pricing/prices.json (versioned, in the repo) with an optional per-deployment
// override merged over it field by field, so a customer with negotiated prices gets their numbers.
// Prices are turned into integers once, here: pico-dollars per token (USD per 1M tokens × 1e6) and
// the batch discount in parts per million, so cost arithmetic never touches floating point.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ProviderName } from '#contracts/records';
import { PROVIDER_NAMES } from '#contracts/providers';
import { adapterFor } from '#lambda/providers/registry';
import repoPrices from '#pricing/prices.json';
import type { ModelPriceEntry, PriceTableDocument, ProviderPriceEntry } from '#contracts/price-table';

// The JSON document's shape is shared with the stack (price overrides): contracts/price-table.ts.
export type { ModelPriceEntry, ProviderPriceEntry, PriceTableDocument };

/** A model's prices in integers. */
export interface ModelPrice {
  provider: ProviderName;
  /** The table's name for the model (an alias or a Bedrock profile id resolves to it). */
  model: string;
  /** Pico-dollars per token (1e-12 USD), i.e. USD per 1M tokens × 1e6. */
  inputPico: bigint;
  cachedInputPico: bigint;
  outputPico: bigint;
  /** Batch discount in parts per million (500000 = 50 % off). */
  batchDiscountPpm: bigint;
}

/** Providers a price block may name: every provider of the catalog. */
export const PRICE_PROVIDERS: readonly ProviderName[] = PROVIDER_NAMES;

export class PriceTableError extends Error {
  override readonly name = 'PriceTableError';
}

const SCALE = 1_000_000;

/** A decimal USD amount (at most 6 decimals) → integer millionths. Rejects what would lose precision. */
export function toMillionths(value: unknown, where: string): bigint {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new PriceTableError(`${where}: expected a non-negative number, got ${JSON.stringify(value)}`);
  }
  const scaled = value * SCALE;
  const rounded = Math.round(scaled);
  // 0.00875 * 1e6 = 8750.000000000001: float noise is fine, a 7th decimal is not.
  if (Math.abs(scaled - rounded) > 1e-6 * Math.max(1, Math.abs(scaled))) {
    throw new PriceTableError(`${where}: ${value} has more than 6 decimals; prices are kept to the micro-dollar per 1M tokens`);
  }
  return BigInt(rounded);
}

function discountPpm(value: unknown, where: string): bigint {
  const ppm = toMillionths(value, where);
  if (ppm > BigInt(SCALE)) throw new PriceTableError(`${where}: a discount is a share between 0 and 1, got ${JSON.stringify(value)}`);
  return ppm;
}

/** Lowercase, trimmed (a provider's own spellings go through its adapter's priceModelId hook). */
function canonicalName(model: string): string {
  return model.trim().toLowerCase();
}

export class PriceTable {
  private readonly byName = new Map<string, ModelPrice>();

  constructor(
    readonly version: string,
    prices: ModelPrice[],
    aliases: Array<{ provider: ProviderName; alias: string; model: string }>,
  ) {
    for (const price of prices) this.byName.set(`${price.provider}/${price.model}`, price);
    for (const { provider, alias, model } of aliases) {
      const target = this.byName.get(`${provider}/${model}`);
      const key = `${provider}/${alias}`;
      const existing = this.byName.get(key);
      if (existing && existing !== target) {
        throw new PriceTableError(`providers.${provider}: alias "${alias}" also names the model "${existing.model}"`);
      }
      if (target) this.byName.set(key, target);
    }
  }

  /** The price of a provider's model, or null when the table does not know it (never a guess). */
  lookup(provider: ProviderName, model: string | null | undefined): ModelPrice | null {
    if (!model) return null;
    const name = canonicalName(model);
    const exact = this.byName.get(`${provider}/${name}`);
    if (exact) return exact;
    // The provider's other spelling of the same model (a Bedrock inference profile, Gemini's `models/…`).
    const other = adapterFor(provider).priceModelId?.(name);
    return other && other !== name ? (this.byName.get(`${provider}/${other}`) ?? null) : null;
  }

  /** Every priced model (for listings and tests). */
  models(): ModelPrice[] {
    return [...new Set(this.byName.values())];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges an override document over a base one: providers and models field by field, `null` removes a model. */
export function mergePriceDocuments(base: PriceTableDocument, override: PriceTableDocument): PriceTableDocument {
  if (!isRecord(override as unknown)) throw new PriceTableError('price override: expected a JSON object');
  if (override.providers !== undefined && !isRecord(override.providers))
    throw new PriceTableError('price override: "providers" must be an object');
  const providers: Record<string, ProviderPriceEntry> = {};
  for (const [name, entry] of Object.entries(base.providers ?? {})) providers[name] = { ...entry, models: { ...(entry?.models ?? {}) } };
  for (const [name, value] of Object.entries(override.providers ?? {})) {
    if (!isRecord(value)) throw new PriceTableError(`price override: providers.${name} must be an object`);
    const entry = value as ProviderPriceEntry;
    const target = (providers[name] ??= { models: {} });
    if (entry.batch_discount !== undefined) target.batch_discount = entry.batch_discount;
    if (entry.models !== undefined && !isRecord(entry.models))
      throw new PriceTableError(`price override: providers.${name}.models must be an object`);
    for (const [model, price] of Object.entries(entry.models ?? {})) {
      const key = resolveModelKey(target.models!, model);
      if (price === null) {
        target.models![key] = null;
        continue;
      }
      if (!isRecord(price)) throw new PriceTableError(`price override: providers.${name}.models.${model} must be an object or null`);
      target.models![key] = { ...(target.models![key] ?? {}), ...(price as Partial<ModelPriceEntry>) };
    }
  }
  return { version: override.version ?? base.version, currency: base.currency, providers };
}

/** An override may name a model by one of its aliases; it then changes that model. */
function resolveModelKey(models: Record<string, Partial<ModelPriceEntry> | null>, name: string): string {
  const wanted = name.toLowerCase();
  for (const [key, entry] of Object.entries(models)) {
    if (key.toLowerCase() === wanted) return key;
    if (entry?.aliases?.some((a) => a.toLowerCase() === wanted)) return key;
  }
  return name;
}

/** Validates a complete document and turns it into integer prices. */
export function buildPriceTable(doc: PriceTableDocument): PriceTable {
  if (typeof doc.version !== 'string' || doc.version.trim() === '')
    throw new PriceTableError('price table: "version" must be a non-empty string');
  if (doc.currency !== undefined && doc.currency !== 'USD')
    throw new PriceTableError(`price table: only USD prices are supported, got ${JSON.stringify(doc.currency)}`);
  const prices: ModelPrice[] = [];
  const aliases: Array<{ provider: ProviderName; alias: string; model: string }> = [];
  for (const [name, entry] of Object.entries(doc.providers ?? {})) {
    if (!(PRICE_PROVIDERS as readonly string[]).includes(name))
      throw new PriceTableError(`price table: unknown provider "${name}" (known: ${PRICE_PROVIDERS.join(', ')})`);
    const provider = name as ProviderName;
    const providerDiscount =
      entry?.batch_discount === undefined ? 0n : discountPpm(entry.batch_discount, `providers.${name}.batch_discount`);
    for (const [rawModel, price] of Object.entries(entry?.models ?? {})) {
      if (price === null) continue;
      const where = `providers.${name}.models.${rawModel}`;
      if (!isRecord(price)) throw new PriceTableError(`${where}: expected an object`);
      if (price.input === undefined || price.output === undefined)
        throw new PriceTableError(`${where}: "input" and "output" prices are required`);
      const model = canonicalName(rawModel);
      const inputPico = toMillionths(price.input, `${where}.input`);
      prices.push({
        provider,
        model,
        inputPico,
        outputPico: toMillionths(price.output, `${where}.output`),
        cachedInputPico: price.cached_input === undefined ? inputPico : toMillionths(price.cached_input, `${where}.cached_input`),
        batchDiscountPpm:
          price.batch_discount === undefined ? providerDiscount : discountPpm(price.batch_discount, `${where}.batch_discount`),
      });
      if (price.aliases !== undefined && (!Array.isArray(price.aliases) || price.aliases.some((a) => typeof a !== 'string'))) {
        throw new PriceTableError(`${where}.aliases: expected an array of model names`);
      }
      for (const alias of price.aliases ?? []) aliases.push({ provider, alias: canonicalName(alias), model });
    }
  }
  return new PriceTable(doc.version.trim(), prices, aliases);
}

/** The version string of a merged table: the override's own, or the repo version marked as customised. */
function overrideVersion(base: PriceTableDocument, overrideText: string, override: PriceTableDocument): string {
  if (typeof override.version === 'string' && override.version.trim() !== '') return override.version.trim();
  const digest = createHash('sha256').update(overrideText).digest('hex').slice(0, 8);
  return `${base.version}+custom.${digest}`;
}

function parseOverride(text: string, source: string): PriceTableDocument {
  try {
    return JSON.parse(text) as PriceTableDocument;
  } catch (err) {
    throw new PriceTableError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The repo table with the deployment's overrides: FINOPS_PRICES_FILE (a path) first, then
 * FINOPS_PRICES_JSON (inline JSON) over it. Throws PriceTableError on an invalid override: a
 * negotiated price that silently fell back to list prices would be a wrong cost.
 */
export function priceTableFrom(env: NodeJS.ProcessEnv, base: PriceTableDocument = repoPrices as PriceTableDocument): PriceTable {
  let doc: PriceTableDocument = base;
  const overrides: Array<{ text: string; source: string }> = [];
  if (env.FINOPS_PRICES_FILE) {
    let text: string;
    try {
      text = readFileSync(env.FINOPS_PRICES_FILE, 'utf8');
    } catch (err) {
      throw new PriceTableError(`FINOPS_PRICES_FILE ${env.FINOPS_PRICES_FILE} cannot be read: ${(err as Error).message}`);
    }
    overrides.push({ text, source: `FINOPS_PRICES_FILE (${env.FINOPS_PRICES_FILE})` });
  }
  if (env.FINOPS_PRICES_JSON) overrides.push({ text: env.FINOPS_PRICES_JSON, source: 'FINOPS_PRICES_JSON' });
  for (const { text, source } of overrides) {
    const override = parseOverride(text, source);
    try {
      doc = { ...mergePriceDocuments(doc, override), version: overrideVersion(doc, text, override) };
    } catch (err) {
      throw new PriceTableError(`${source}: ${(err as Error).message}`);
    }
  }
  try {
    return buildPriceTable(doc);
  } catch (err) {
    // Validation runs on the merged table; name the overrides so the operator knows where to look.
    if (overrides.length === 0) throw err;
    throw new PriceTableError(`${overrides.map((o) => o.source).join(' + ')}: ${(err as Error).message}`);
  }
}

let cached: { key: string; table: PriceTable } | undefined;

/** The table for this process, rebuilt only when the override variables change (tests, local gateway). */
export function priceTable(env: NodeJS.ProcessEnv = process.env): PriceTable {
  const key = `${env.FINOPS_PRICES_FILE ?? ''}\u0000${env.FINOPS_PRICES_JSON ?? ''}`;
  if (!cached || cached.key !== key) cached = { key, table: priceTableFrom(env) };
  return cached.table;
}
