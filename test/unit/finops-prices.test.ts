import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import repoPrices from '#pricing/prices.json';
import { bedrockFoundationModelId } from '#lambda/providers/bedrock/price-key';
import {
  buildPriceTable,
  mergePriceDocuments,
  priceTable,
  priceTableFrom,
  PriceTableError,
  toMillionths,
  type PriceTableDocument,
} from '#lambda/finops/prices';

const repo = repoPrices as PriceTableDocument;
const table = buildPriceTable(repo);

describe('the repository price table', () => {
  it('is versioned and valid as shipped', () => {
    expect(typeof repo.version).toBe('string');
    expect(table.version).toBe(repo.version);
    expect(table.models().length).toBeGreaterThan(50);
  });

  it.each([
    ['openai', 'gpt-4o-mini'],
    ['openai', 'gpt-4o'],
    ['openai', 'gpt-4.1'],
    ['openai', 'gpt-4.1-mini'],
    ['openai', 'gpt-4.1-nano'],
    ['anthropic', 'claude-3-5-haiku-20241022'],
    ['anthropic', 'claude-3-sonnet-20240229'],
    ['anthropic', 'claude-sonnet-4-20250514'],
    ['anthropic', 'claude-sonnet-4-5'],
    ['bedrock', 'anthropic.claude-3-haiku-20240307-v1:0'],
    ['bedrock', 'amazon.nova-lite-v1:0'],
    ['bedrock', 'meta.llama3-1-8b-instruct-v1:0'],
    ['gemini', 'gemini-1.5-flash'],
    ['gemini', 'gemini-2.5-flash'],
  ] as const)('prices %s %s with a 50 %% batch discount', (provider, model) => {
    const price = table.lookup(provider, model);
    expect(price).not.toBeNull();
    expect(price!.batchDiscountPpm).toBe(500_000n);
    expect(price!.inputPico).toBeGreaterThan(0n);
  });

  it('keeps every cached-input price at or below the input price', () => {
    for (const price of table.models()) expect(price.cachedInputPico <= price.inputPico).toBe(true);
  });
});

describe('PriceTable.lookup', () => {
  it.each([
    // [provider, model as a client sends it, the table row it resolves to]
    ['openai', 'gpt-4o-mini', 'gpt-4o-mini'],
    ['openai', 'GPT-4o-mini', 'gpt-4o-mini'],
    ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai', 'gpt-4o-2024-05-13', 'gpt-4o-2024-05-13'],
    ['anthropic', 'claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'],
    ['anthropic', 'claude-3-5-haiku-latest', 'claude-3-5-haiku-20241022'],
    ['gemini', 'models/gemini-2.5-flash', 'gemini-2.5-flash'],
    ['gemini', 'gemini-1.5-flash-002', 'gemini-1.5-flash'],
    ['bedrock', 'anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
    ['bedrock', 'us.anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
    ['bedrock', 'eu.amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0'],
    ['bedrock', 'apac.amazon.nova-pro-v1:0', 'amazon.nova-pro-v1:0'],
    ['bedrock', 'us.meta.llama3-3-70b-instruct-v1:0', 'meta.llama3-3-70b-instruct-v1:0'],
    ['bedrock', 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0', 'amazon.nova-micro-v1:0'],
    [
      'bedrock',
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0',
      'anthropic.claude-sonnet-4-20250514-v1:0',
    ],
  ] as const)('%s %s → %s', (provider, model, row) => {
    expect(table.lookup(provider, model)?.model).toBe(row);
  });

  it('a dated snapshot with its own price is not merged into the alias', () => {
    expect(table.lookup('openai', 'gpt-4o-2024-05-13')!.inputPico).toBe(5_000_000n);
    expect(table.lookup('openai', 'gpt-4o')!.inputPico).toBe(2_500_000n);
  });

  it.each([
    ['openai', 'gpt-unknown-9'],
    ['openai', 'ft:gpt-4o-mini:acme::abc123'],
    ['openai', 'claude-sonnet-4-5'], // right model, wrong provider
    ['anthropic', 'gpt-4o-mini'],
    ['bedrock', 'gpt-4o-mini'],
    ['bedrock', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234'],
    ['bedrock', 'us.anthropic.claude-unknown-v1:0'],
    ['gemini', 'tunedModels/my-model'],
    ['gemini', ''],
  ] as const)('%s %s is unknown (no price, never a guess)', (provider, model) => {
    expect(table.lookup(provider, model)).toBeNull();
  });

  it('treats a null model as unknown', () => {
    expect(table.lookup('openai', null)).toBeNull();
  });
});

describe('bedrockFoundationModelId', () => {
  it.each([
    ['us.anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0'],
    ['us-gov.anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0'],
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-sonnet-4-5-20250929-v1:0'],
    // A vendor prefix alone is not a geography: these stay as they are.
    ['amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0'],
    ['meta.llama3-8b-instruct-v1:0', 'meta.llama3-8b-instruct-v1:0'],
  ])('%s → %s', (id, base) => {
    expect(bedrockFoundationModelId(id)).toBe(base);
  });
});

describe('toMillionths', () => {
  it.each([
    [0.15, 150_000n],
    [0.075, 75_000n],
    [0.00875, 8_750n],
    [0.0375, 37_500n],
    [2.65, 2_650_000n],
    [75, 75_000_000n],
    [0, 0n],
  ])('%p USD per 1M tokens → %p pico-dollars per token', (usd, pico) => {
    expect(toMillionths(usd, 'x')).toBe(pico);
  });

  it.each([[-1], [0.0000001], [NaN], [Infinity], ['0.15'], [null]])('rejects %p', (value) => {
    expect(() => toMillionths(value, 'providers.openai.models.x.input')).toThrow(PriceTableError);
  });

  it('names the field at fault', () => {
    expect(() => toMillionths(0.1234567, 'providers.openai.models.gpt-x.input')).toThrow(
      'providers.openai.models.gpt-x.input: 0.1234567 has more than 6 decimals',
    );
  });
});

describe('overrides (negotiated prices)', () => {
  const base: PriceTableDocument = {
    version: 'v1',
    providers: {
      openai: {
        batch_discount: 0.5,
        models: {
          'gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6, aliases: ['gpt-4o-mini-2024-07-18'] },
          'gpt-4o': { input: 2.5, output: 10 },
        },
      },
    },
  };

  it('merges a model field by field and keeps the rest of the row', () => {
    const merged = buildPriceTable(mergePriceDocuments(base, { providers: { openai: { models: { 'gpt-4o-mini': { input: 0.1 } } } } }));
    const price = merged.lookup('openai', 'gpt-4o-mini')!;
    expect(price.inputPico).toBe(100_000n);
    expect(price.outputPico).toBe(600_000n);
    expect(price.cachedInputPico).toBe(75_000n);
    expect(merged.lookup('openai', 'gpt-4o')!.inputPico).toBe(2_500_000n);
  });

  it('an override naming an alias changes the aliased model', () => {
    const merged = buildPriceTable(
      mergePriceDocuments(base, { providers: { openai: { models: { 'gpt-4o-mini-2024-07-18': { output: 0.5 } } } } }),
    );
    expect(merged.lookup('openai', 'gpt-4o-mini')!.outputPico).toBe(500_000n);
  });

  it('adds new models and providers, changes a provider discount, removes a model with null', () => {
    const merged = buildPriceTable(
      mergePriceDocuments(base, {
        providers: {
          openai: { batch_discount: 0.6, models: { 'gpt-4o': null, 'my-finetune': { input: 1, output: 2 } } },
          gemini: { batch_discount: 0.5, models: { 'gemini-x': { input: 0.2, output: 0.4, batch_discount: 0 } } },
        },
      }),
    );
    expect(merged.lookup('openai', 'gpt-4o')).toBeNull();
    expect(merged.lookup('openai', 'my-finetune')!.batchDiscountPpm).toBe(600_000n);
    expect(merged.lookup('openai', 'gpt-4o-mini')!.batchDiscountPpm).toBe(600_000n);
    expect(merged.lookup('gemini', 'gemini-x')!.batchDiscountPpm).toBe(0n);
  });

  it.each([
    [{ providers: { openai: { models: { 'new-model': { input: 1 } } } } }, '"input" and "output" prices are required'],
    [{ providers: { acme: { models: {} } } }, 'unknown provider "acme"'],
    [{ providers: { openai: { batch_discount: 1.5 } } }, 'a discount is a share between 0 and 1'],
    [{ providers: { openai: { models: { 'gpt-4o': 'cheap' } } } }, 'must be an object or null'],
    [{ providers: 'openai' }, '"providers" must be an object'],
  ])('rejects an invalid override %#', (override, message) => {
    expect(() => buildPriceTable(mergePriceDocuments(base, override as PriceTableDocument))).toThrow(message);
  });
});

describe('priceTableFrom(env)', () => {
  it('is the repository table without overrides', () => {
    expect(priceTableFrom({}).version).toBe(repo.version);
  });

  it('applies FINOPS_PRICES_FILE, then FINOPS_PRICES_JSON over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'finops-prices-'));
    const file = join(dir, 'prices.json');
    writeFileSync(
      file,
      JSON.stringify({ version: 'acme-2025', providers: { openai: { models: { 'gpt-4o-mini': { input: 0.1, output: 0.4 } } } } }),
    );
    const merged = priceTableFrom({
      FINOPS_PRICES_FILE: file,
      FINOPS_PRICES_JSON: JSON.stringify({ providers: { openai: { models: { 'gpt-4o-mini': { output: 0.3 } } } } }),
    });
    const price = merged.lookup('openai', 'gpt-4o-mini')!;
    expect(price.inputPico).toBe(100_000n);
    expect(price.outputPico).toBe(300_000n);
    // The file named a version; the inline JSON did not, so it marks the file's version as customised.
    expect(merged.version).toMatch(/^acme-2025\+custom\.[0-9a-f]{8}$/);
  });

  it('marks an unversioned override in the version string', () => {
    const merged = priceTableFrom({ FINOPS_PRICES_JSON: '{"providers":{"openai":{"models":{"gpt-4o":{"input":2}}}}}' });
    expect(merged.version).toMatch(new RegExp(`^${repo.version}\\+custom\\.[0-9a-f]{8}$`));
  });

  it.each([
    [{ FINOPS_PRICES_JSON: '{not json' }, 'FINOPS_PRICES_JSON is not valid JSON'],
    [{ FINOPS_PRICES_FILE: '/nonexistent/prices.json' }, 'FINOPS_PRICES_FILE /nonexistent/prices.json cannot be read'],
    [
      { FINOPS_PRICES_JSON: '{"providers":{"openai":{"models":{"gpt-4o":{"input":-1}}}}}' },
      'FINOPS_PRICES_JSON: providers.openai.models.gpt-4o.input: expected a non-negative number',
    ],
  ])('fails loudly on a bad override %#', (env, message) => {
    expect(() => priceTableFrom(env)).toThrow(message);
  });

  it('priceTable() rebuilds when the override changes', () => {
    const a = priceTable({});
    const b = priceTable({ FINOPS_PRICES_JSON: '{"version":"other"}' });
    expect(a.version).toBe(repo.version);
    expect(b.version).toBe('other');
    expect(priceTable({})).not.toBe(b);
  });
});
