// FinOps end to end on the local gateway (handlers, DynamoDB/S3 stand-ins, the synthesized state
// machine, the provider simulators) with the official OpenAI SDK: every batch finishes with usage and
// cost, the usage report adds them up exactly, and a key's monthly budget refuses what would exceed it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import OpenAI from 'openai';
import { startLocalGateway, type LocalGateway } from '#local/gateway';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';
import { PROVIDER_NAMES, adapterFor } from '#lambda/providers/registry';
import { getServices } from '#lambda/runtime';
import { hashKey, keyIdOf } from '#lambda/auth/keys';
import { costOfUsage } from '#lambda/finops/cost';
import { priceTable } from '#lambda/finops/prices';
import { BatchEstimate, priceEstimate } from '#lambda/finops/estimate';
import { recordBatchCost } from '#lambda/finops/record';
import { finopsStore, FinOpsStore, markerKey, UsageAccountingBusyError } from '#lambda/finops/store';
import { checkBudget, releaseBudget } from '#lambda/finops/budget';
import { GatewayError } from '#lambda/http/errors';
import { zeroCounters, type UsageDelta } from '#lambda/finops/usage-rows';
import type { UsageReport } from '#lambda/finops/report';
import type { BatchUsage } from '#contracts/openai-types';
import type { ProviderName } from '#contracts/records';
import { runReport } from '#scripts/report';
import { chatLine, jsonl, pollUntilDone, upload } from './helpers';

const KEYS = {
  alice: 'sk-finops-test-finops-alice',
  bob: 'sk-finops-test-finops-bob',
  carol: 'sk-finops-test-finops-carol',
  dave: 'sk-finops-test-finops-dave',
};

/** A priced model each simulated provider answers for. */
const MODEL: Record<ProviderName, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
  bedrock: 'us.amazon.nova-lite-v1:0',
  gemini: 'gemini-2.5-flash',
  groq: 'llama-3.1-8b-instant',
  together: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  azure: 'gpt-4o-mini',
  vertex: 'gemini-2.5-flash',
};

/** The providers the registry (lambda/providers/registry.ts) serves. */
const REGISTERED = PROVIDER_NAMES.filter((provider) => {
  try {
    adapterFor(provider);
    return true;
  } catch {
    return false;
  }
});

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
// A range around today, so a run that crosses midnight UTC still sees every batch.
const RANGE = { start: day(-1), end: day(1) };
/** The batch object's documented `finops` extension field (cost of a finished batch). */
const finops = (batch: OpenAI.Batch) =>
  (
    batch as unknown as {
      finops: { cost_usd: number; on_demand_cost_usd: number; savings_usd: number; currency: string; price_version: string } | null;
    }
  ).finops;
/** A cost in dollars back to micro-dollars; an absent cost (unpriced model) adds nothing. */
const micros = (usd: number | undefined) => (usd === undefined ? 0 : Math.round(usd * 1_000_000));

let gateway: LocalGateway;
let dataDir: string;
const client = (key: string) => new OpenAI({ baseURL: gateway.baseURL, apiKey: key, maxRetries: 0, timeout: 30_000 });
const usageReport = (key: string, groupBy: string, range = RANGE) =>
  client(key).get<UsageReport>('/finops/usage', { query: { ...range, group_by: groupBy } });

// Bedrock runs batches below its job minimum on demand (no discount). 2 lets a 3-line batch be a job;
// the Bedrock simulator reads the same variable when it starts, so both sides agree.
const previousBedrockMinimum = process.env.FINOPS_BEDROCK_MIN_RECORDS;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'finops-usage-'));
  process.env.FINOPS_BEDROCK_MIN_RECORDS = '2';
  gateway = await startLocalGateway({
    port: 0,
    dataDir,
    simulatorStepMs: 50,
    trackerWaitMs: 50,
    trackerRetryMs: 20,
    apiKeys: Object.values(KEYS),
  });
});
afterAll(async () => {
  await gateway?.close();
  if (previousBedrockMinimum === undefined) delete process.env.FINOPS_BEDROCK_MIN_RECORDS;
  else process.env.FINOPS_BEDROCK_MIN_RECORDS = previousBedrockMinimum;
  rmSync(dataDir, { recursive: true, force: true });
});

async function runBatch(key: string, provider: ProviderName, lines: string[]) {
  const sdk = client(key);
  const file = await upload(sdk, jsonl(lines), { provider });
  const created = await sdk.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    provider,
  } as never);
  const { batch } = await pollUntilDone(sdk, created.id, {}, 30_000);
  return batch;
}

const questions = (provider: ProviderName, model = MODEL[provider]) => [
  chatLine('q-1', model, 'What is 2+2?'),
  chatLine('q-2', model, 'Name the capital of France in one word.'),
  chatLine('q-3', model, 'Write one sentence about invoices and cloud bills.'),
];

describe('cost of every batch, on every registered provider', () => {
  const finished: Array<{ provider: ProviderName; batch: OpenAI.Batch }> = [];

  beforeAll(async () => {
    const runs = REGISTERED.map(async (provider) => ({ provider, batch: await runBatch(KEYS.alice, provider, questions(provider)) }));
    finished.push(...(await Promise.all(runs)));
  });

  test('at least the OpenAI and Anthropic adapters are registered', () => {
    expect(REGISTERED).toEqual(expect.arrayContaining(['openai', 'anthropic']));
  });

  test.each(REGISTERED)('%s: the batch finishes with usage and its cost at batch prices', (provider) => {
    const { batch } = finished.find((f) => f.provider === provider)!;
    expect(batch.status).toBe('completed');
    const usage = batch.usage as unknown as BatchUsage;
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);

    const price = priceTable().lookup(provider, MODEL[provider])!;
    const expected = costOfUsage(price, usage);
    expect(finops(batch)).toMatchObject({
      currency: 'USD',
      cost_usd: expected.costMicros / 1e6,
      on_demand_cost_usd: expected.onDemandCostMicros / 1e6,
      savings_usd: expected.savingsMicros / 1e6,
      price_version: expect.any(String),
    });
    expect(expected.costMicros).toBeGreaterThan(0);
    // Batch prices are the provider's batch discount off on-demand, to the micro-dollar: half for the
    // first four providers' models here, the share in pricing/prices.json for the others (Groq: 25 % off).
    const payShare = 1 - Number(price.batchDiscountPpm) / 1e6;
    expect(payShare).toBeLessThan(1);
    expect(Math.abs(expected.costMicros - payShare * expected.onDemandCostMicros)).toBeLessThanOrEqual(1);
    if (['openai', 'anthropic', 'bedrock', 'gemini'].includes(provider))
      expect(Math.abs(expected.onDemandCostMicros - 2 * expected.costMicros)).toBeLessThanOrEqual(1);
  });

  (REGISTERED.includes('bedrock') ? test : test.skip)(
    'bedrock: a batch below the job minimum runs on demand and is priced without discount',
    async () => {
      const batch = await runBatch(KEYS.dave, 'bedrock', [chatLine('od-1', MODEL.bedrock, 'What is 2+2?')]);
      expect(batch.status).toBe('completed');
      expect(batch.metadata?.run_mode).toBe('on_demand');
      const expected = costOfUsage(priceTable().lookup('bedrock', MODEL.bedrock)!, batch.usage as unknown as BatchUsage, 'on_demand');
      expect(expected.costMicros).toBeGreaterThan(0);
      expect(finops(batch)).toMatchObject({
        cost_usd: expected.costMicros / 1e6,
        on_demand_cost_usd: expected.costMicros / 1e6,
        savings_usd: 0,
      });
    },
  );

  describe('with the batches above finished', () => {
    let unpriced: OpenAI.Batch;

    beforeAll(async () => {
      unpriced = await runBatch(KEYS.alice, 'openai', [chatLine('u-1', 'gpt-sim-unpriced', 'hello')]);
    });

    test('a model without a price: usage without cost', () => {
      expect(unpriced.status).toBe('completed');
      expect(unpriced.usage?.input_tokens).toBeGreaterThan(0);
      expect(finops(unpriced)).toBeNull();
    });

    test('the usage report sums the batches exactly, per provider and in total', async () => {
      const report = await usageReport(KEYS.alice, 'provider');
      expect(report).toMatchObject({ object: 'finops.usage_report', group_by: 'provider', currency: 'USD', ...RANGE });
      const all = [...finished.map((f) => f.batch), unpriced];
      const sum = (pick: (b: OpenAI.Batch) => number) => all.reduce((s, b) => s + pick(b), 0);
      expect(report.total).toMatchObject({
        batches: all.length,
        batches_by_status: { completed: all.length, failed: 0, expired: 0, cancelled: 0 },
        requests: { completed: sum((b) => b.request_counts!.completed), failed: sum((b) => b.request_counts!.failed) },
        input_tokens: sum((b) => b.usage!.input_tokens),
        cached_input_tokens: sum((b) => b.usage!.input_tokens_details.cached_tokens),
        output_tokens: sum((b) => b.usage!.output_tokens),
        total_tokens: sum((b) => b.usage!.total_tokens),
        cost_micro_usd: sum((b) => micros(finops(b)?.cost_usd)),
        on_demand_cost_micro_usd: sum((b) => micros(finops(b)?.on_demand_cost_usd)),
        savings_micro_usd: sum((b) => micros(finops(b)?.savings_usd)),
        unpriced_batches: 1,
      });
      for (const { provider, batch } of finished) {
        const line = report.data.find((l) => l.provider === provider)!;
        const extra = provider === 'openai' ? unpriced.usage!.input_tokens : 0;
        expect(line.cost_micro_usd).toBe(micros(finops(batch)?.cost_usd));
        expect(line.input_tokens).toBe(batch.usage!.input_tokens + extra);
      }
    });

    test('grouped by model and by key', async () => {
      const byModel = await usageReport(KEYS.alice, 'model');
      expect(byModel.data.map((l) => `${l.provider}/${l.model}`).sort()).toEqual(
        [...REGISTERED.map((p) => `${p}/${MODEL[p]}`), 'openai/gpt-sim-unpriced'].sort(),
      );
      expect(byModel.data.find((l) => l.model === 'gpt-sim-unpriced')).toMatchObject({
        cost_micro_usd: 0,
        unpriced_batches: 1,
        batches: 1,
      });
      const byKey = await usageReport(KEYS.alice, 'key');
      expect(byKey.data).toHaveLength(1);
      expect(byKey.data[0].key_id).toBe(keyIdOf(hashKey(KEYS.alice)));
      expect(byKey.total.cost_micro_usd).toBe(byModel.total.cost_micro_usd);
    });

    test('another tenant sees none of it', async () => {
      const report = await usageReport(KEYS.carol, 'provider');
      expect(report.data).toEqual([]);
      expect(report.total.batches).toBe(0);
    });

    test('a batch finalized twice is counted once', async () => {
      const before = await usageReport(KEYS.alice, 'provider');
      const { batch } = finished[0];
      const record = (await getServices().metadata.getBatchById(batch.id))!;
      const cost = await recordBatchCost(record, { [record.model!]: record.usage! });
      expect(cost?.cost_usd).toBe(finops(batch)?.cost_usd);
      expect((await usageReport(KEYS.alice, 'provider')).total).toEqual(before.total);
    });

    test('bad parameters are clear 400s', async () => {
      await expect(usageReport(KEYS.alice, 'tenant')).rejects.toMatchObject({ status: 400, code: 'invalid_group_by', param: 'group_by' });
      await expect(usageReport(KEYS.alice, 'model', { start: '2025-02-30', end: '2025-03-01' })).rejects.toMatchObject({
        status: 400,
        code: 'invalid_date',
      });
      await expect(usageReport(KEYS.alice, 'model', { start: '2025-03-02', end: '2025-03-01' })).rejects.toMatchObject({
        status: 400,
        code: 'invalid_date_range',
      });
    });

    test('npm run report: the same numbers from the gateway API and from DynamoDB, as a table and a CSV', async () => {
      const viaApi = await usageReport(KEYS.alice, 'model');
      const out = join(dataDir, 'report.csv');
      const printed: string[] = [];
      const args = ['--start', RANGE.start, '--end', RANGE.end, '--group-by', 'model', '--out', out];

      const fromApi = await runReport([...args, '--base-url', gateway.baseURL, '--api-key', KEYS.alice], {}, (t) => printed.push(t));
      expect(fromApi).toEqual(viaApi);
      const csv = readFileSync(out, 'utf8').trim().split('\r\n');
      expect(csv).toHaveLength(viaApi.data.length + 2);
      expect(csv[csv.length - 1]).toMatch(
        new RegExp(`^TOTAL,,${viaApi.total.batches},.*,${(viaApi.total.cost_micro_usd / 1e6).toFixed(6)},`),
      );
      expect(printed[0]).toContain(`FinOps usage ${RANGE.start} .. ${RANGE.end} by model (USD)`);

      const fromDb = await runReport(
        [...args, '--dynamodb-endpoint', gateway.dynamodbEndpoint, '--api-key', KEYS.alice],
        {},
        () => undefined,
      );
      expect(fromDb).toEqual(viaApi);
    });
  });
});

describe('budget guard', () => {
  const bobHash = hashKey(KEYS.bob);
  const setBudget = (usd: number | null) => getServices().metadata.updateKey(bobHash, { monthlyBudgetUsd: usd });
  const create = async (lines: string[]) => {
    const sdk = client(KEYS.bob);
    const file = await upload(sdk, jsonl(lines), { provider: 'openai' });
    return sdk.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: 'openai',
    } as never);
  };
  const simulatorBatchCount = async () => {
    const sim = gateway.providers.find((p) => p.provider === 'openai')!;
    const res = await fetch(`${sim.url}/batches?limit=100`, { headers: { authorization: `Bearer ${sim.simulator!.apiKey}` } });
    return ((await res.json()) as { data: unknown[] }).data.length;
  };
  const small = [chatLine('s-1', 'gpt-4o-mini', 'hi')];
  const estimateOf = (lines: string[]) => {
    const estimate = new BatchEstimate(null);
    for (const line of lines) estimate.add(JSON.parse(line));
    return priceEstimate(priceTable(), 'openai', estimate, 'batch').costMicros;
  };

  afterAll(async () => {
    await setBudget(null);
  });

  test('an over-budget batch is refused with 402 before anything reaches the provider; a smaller one passes', async () => {
    await setBudget(0.01);
    const big = Array.from({ length: 10 }, (_, i) =>
      chatLine(`b-${i}`, 'gpt-4o-mini', 'Write a very long essay.', { max_tokens: 100_000 }),
    );
    const sentBefore = await simulatorBatchCount();
    const refused = await create(big).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect(refused).toMatchObject({ status: 402, code: 'budget_exceeded', type: 'insufficient_quota' });
    expect((refused as Error).message).toContain(`estimated cost is $${(estimateOf(big) / 1e6).toFixed(6)}`);
    expect((refused as Error).message).toContain('only $0.010000 is left of its monthly budget of $0.010000');
    expect(await simulatorBatchCount()).toBe(sentBefore);
    expect((await client(KEYS.bob).batches.list()).data).toHaveLength(0);

    const passed = await create(small);
    const { batch } = await pollUntilDone(client(KEYS.bob), passed.id);
    expect(batch.status).toBe('completed');
    expect(micros(finops(batch)?.cost_usd)).toBeGreaterThan(0);
  });

  test("what the key spent this month counts: the budget's edge is exact", async () => {
    const spent = (await usageReport(KEYS.bob, 'key', { start: `${day(0).slice(0, 7)}-01`, end: day(0) })).total.cost_micro_usd;
    expect(spent).toBeGreaterThan(0);
    const estimate = estimateOf(small);
    expect(estimate).toBeGreaterThan(0);

    await setBudget((spent + estimate - 1) / 1e6);
    await expect(create(small)).rejects.toMatchObject({ status: 402, code: 'budget_exceeded' });

    await setBudget((spent + estimate) / 1e6);
    const passed = await create(small);
    expect(['validating', 'in_progress']).toContain(passed.status);
    await pollUntilDone(client(KEYS.bob), passed.id);
  });

  const bobKeyId = keyIdOf(bobHash);
  const thisMonth = () => new Date().toISOString().slice(0, 7);
  const reservedNow = () => finopsStore().reservedMicros(bobKeyId, thisMonth());
  const spentNow = async () =>
    (await usageReport(KEYS.bob, 'key', { start: `${day(0).slice(0, 7)}-01`, end: day(0) })).total.cost_micro_usd;

  test('a running batch holds back its estimate, gives it back once its cost is booked, and never shows it', async () => {
    await setBudget(100);
    const before = await reservedNow();
    const created = await create(small);
    expect(JSON.stringify(created)).not.toMatch(/reserv/i);
    const record = await getServices().metadata.getBatchById(created.id);
    expect(record?.budgetReservation).toEqual({ keyId: bobKeyId, month: thisMonth(), micros: estimateOf(small) });
    const { batch } = await pollUntilDone(client(KEYS.bob), created.id);
    expect(batch.status).toBe('completed');
    // Booked before the status turned terminal: the reservation is back, and the real cost is spent.
    expect(await reservedNow()).toBe(before);
    expect(micros(finops(batch)?.cost_usd)).toBeGreaterThan(0);
  });

  test('creates racing for the last of a budget: only as many as fit are let through, and all of it comes back', async () => {
    const key = (await getServices().metadata.getKeyByHash(bobHash))!;
    const sdk = client(KEYS.bob);
    const file = (await getServices().metadata.getFileById((await upload(sdk, jsonl(small), { provider: 'openai' })).id))!;
    const estimate = estimateOf(small);
    const before = await reservedNow();
    // Room for two and a half batches on top of what is spent and reserved.
    await setBudget((await spentNow()) / 1e6 + (before + 2 * estimate + Math.floor(estimate / 2)) / 1e6);
    const check = () => checkBudget({ tenantId: key.tenantId, keyId: bobKeyId, provider: 'openai', model: null, inputFile: file });
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, check));
    const granted = outcomes
      .filter((o) => o.status === 'fulfilled')
      .map((o) => (o as PromiseFulfilledResult<Awaited<ReturnType<typeof checkBudget>>>).value);
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as GatewayError);
    expect(granted).toHaveLength(2);
    expect(refused).toHaveLength(4);
    for (const err of refused) {
      expect(err).toBeInstanceOf(GatewayError);
      expect(err.toBody().error).toMatchObject({ code: 'budget_exceeded', type: 'insufficient_quota' });
      expect(err.message).toMatch(/reserved by its batches still running/);
    }
    expect(await reservedNow()).toBe(before + 2 * estimate);
    for (const reservation of granted) await releaseBudget(reservation);
    expect(await reservedNow()).toBe(before);
  });

  test('what running batches reserved counts against the budget through the API, and the message says so', async () => {
    const estimate = estimateOf(small);
    const before = await reservedNow();
    // Room for one batch and a half, of which another batch of the key (still running) holds one.
    await setBudget(((await spentNow()) + before + estimate + Math.floor(estimate / 2)) / 1e6);
    const running = { keyId: bobKeyId, month: thisMonth(), micros: estimate };
    expect((await finopsStore().reserveBudget(running, Number.MAX_SAFE_INTEGER, Math.floor(Date.now() / 1000))).reserved).toBe(true);
    const sentBefore = await simulatorBatchCount();
    const refused = await create(small).catch((err: unknown) => err);
    expect(refused).toMatchObject({ status: 402, code: 'budget_exceeded' });
    expect((refused as Error).message).toContain(`$${((before + estimate) / 1e6).toFixed(6)} reserved by its batches still running`);
    expect(await simulatorBatchCount()).toBe(sentBefore);
    expect(await reservedNow()).toBe(before + estimate); // the refused create reserved nothing

    await releaseBudget(running); // that batch finished
    const passed = await create(small);
    await pollUntilDone(client(KEYS.bob), passed.id);
    expect(await reservedNow()).toBe(before);
  });

  // Issue 12: the create no longer calls the provider (the tracker submits), so a provider failure is
  // waited out; what a batch that never runs reserved comes back when it ends.
  test('a batch that ends before reaching the provider (cancelled while it waits out a failing provider) gives its reservation back', async () => {
    await setBudget(100);
    const before = await reservedNow();
    const sim = gateway.providers.find((p) => p.provider === 'openai')!.simulator!;
    sim.faults.add({ kind: 'server_error', match: 'POST /v1/batches', forSeconds: 30 });
    const batch = await create(small);
    expect(batch.status).toBe('validating');
    expect(await reservedNow()).toBeGreaterThan(before);
    await client(KEYS.bob).batches.cancel(batch.id);
    const { batch: done } = await pollUntilDone(client(KEYS.bob), batch.id);
    sim.faults.clear();
    expect(done.status).toBe('cancelled');
    expect(await reservedNow()).toBe(before);
  });

  test('a budgeted key cannot run a model the price table does not know', async () => {
    await setBudget(100);
    await expect(create([chatLine('x', 'gpt-sim-unpriced', 'hi')])).rejects.toMatchObject({
      status: 402,
      code: 'budget_unpriced_model',
      param: 'model',
    });
  });

  test('keys without a budget are not checked', async () => {
    await setBudget(null);
    const passed = await create([chatLine('x', 'gpt-sim-unpriced', 'hi')]);
    await pollUntilDone(client(KEYS.bob), passed.id);
  });
});

describe('FinOpsStore on DynamoDB (exactly-once aggregates without transactions)', () => {
  let store: FinOpsStore;
  let db: DynamoDBDocumentClient;
  const table = 'finops-gateway';
  const delta = (model: string, cost: number): UsageDelta => ({
    rowId: `openai#${model}#key_s`,
    row: {
      ...zeroCounters(),
      provider: 'openai',
      model,
      keyId: 'key_s',
      input_tokens: 10,
      total_tokens: 10,
      cost_micro_usd: cost,
      on_demand_cost_micro_usd: cost * 2,
      batches: 1,
    },
  });
  const now = Math.floor(Date.now() / 1000);
  const totalCost = async (tenant: string) =>
    (await store.usageRows(tenant, '2025-01-01', '2025-12-31')).reduce((s, r) => s + r.cost_micro_usd, 0);

  beforeAll(() => {
    db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: gateway.dynamodbEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS }),
    );
    store = new FinOpsStore(db, table);
  });
  afterAll(() => db.destroy());

  test('applying a batch twice adds once', async () => {
    const input = { batchId: 'batch_twice', tenantId: 'tenant_s1', date: '2025-03-04', deltas: [delta('a', 5)], nowSeconds: now };
    expect(await store.applyBatchUsage(input)).toBe('applied');
    expect(await store.applyBatchUsage({ ...input, date: '2025-03-05' })).toBe('already_applied');
    const rows = await store.usageRows('tenant_s1', '2025-03-01', '2025-03-31');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      date: '2025-03-04',
      provider: 'openai',
      model: 'a',
      keyId: 'key_s',
      cost_micro_usd: 5,
      on_demand_cost_micro_usd: 10,
      batches: 1,
      input_tokens: 10,
    });
  });

  test('a retry after a crash resumes with the rows not yet applied, on the day first chosen', async () => {
    // The first attempt applied row "a" on 2025-04-01 and died before finishing (its lease has run out).
    await store.applyBatchUsage({
      batchId: 'batch_seed',
      tenantId: 'tenant_s2',
      date: '2025-04-01',
      deltas: [delta('a', 7)],
      nowSeconds: now,
    });
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...markerKey('batch_resume'),
          tenantId: 'tenant_s2',
          date: '2025-04-01',
          leaseOwner: 'dead',
          leaseUntil: now - 1,
          doneRows: new Set(['openai#a#key_s']),
        },
      }),
    );
    expect(
      await store.applyBatchUsage({
        batchId: 'batch_resume',
        tenantId: 'tenant_s2',
        date: '2025-04-02',
        deltas: [delta('a', 7), delta('b', 3)],
        nowSeconds: now,
      }),
    ).toBe('applied');
    const rows = await store.usageRows('tenant_s2', '2025-04-01', '2025-04-30');
    // "a" only from the seed batch (7), "b" from the resumed one, booked on 2025-04-01.
    expect(rows.map((r) => [r.date, r.model, r.cost_micro_usd, r.batches])).toEqual([
      ['2025-04-01', 'a', 7, 1],
      ['2025-04-01', 'b', 3, 1],
    ]);
  });

  test('while another invocation holds the lease, a second one backs off (retryable) and adds nothing', async () => {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { ...markerKey('batch_busy'), tenantId: 'tenant_s3', leaseOwner: 'other', leaseUntil: now + 60 },
      }),
    );
    await expect(
      store.applyBatchUsage({ batchId: 'batch_busy', tenantId: 'tenant_s3', date: '2025-05-01', deltas: [delta('a', 1)], nowSeconds: now }),
    ).rejects.toBeInstanceOf(UsageAccountingBusyError);
    expect(await totalCost('tenant_s3')).toBe(0);
  });

  test('a reservation is given back once with the usage, however often the batch is applied or resumed', async () => {
    const reservation = { keyId: 'key_r', month: '2025-08', micros: 900 };
    expect(await store.reserveBudget(reservation, 0, now)).toEqual({ reserved: true, reservedBeforeMicros: 0 });
    expect(await store.reserveBudget({ ...reservation, micros: 50 }, 899, now)).toEqual({ reserved: false, reservedBeforeMicros: 900 });
    expect(await store.reserveBudget({ ...reservation, micros: 50 }, -1, now)).toEqual({ reserved: false, reservedBeforeMicros: 900 });
    expect(await store.reserveBudget({ ...reservation, micros: 100 }, 900, now)).toEqual({ reserved: true, reservedBeforeMicros: 900 });
    expect(await store.reservedMicros('key_r', '2025-08')).toBe(1000);
    const input = {
      batchId: 'batch_reserved',
      tenantId: 'tenant_s5',
      date: '2025-08-02',
      deltas: [delta('a', 40)],
      nowSeconds: now,
      reservation,
    };
    expect(await store.applyBatchUsage(input)).toBe('applied');
    expect(await store.applyBatchUsage(input)).toBe('already_applied');
    expect(await store.reservedMicros('key_r', '2025-08')).toBe(100);
    // A resumed application whose release step was already done gives nothing back a second time.
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...markerKey('batch_resumed_release'),
          tenantId: 'tenant_s5',
          date: '2025-08-02',
          leaseOwner: 'dead',
          leaseUntil: now - 1,
          doneRows: new Set(['openai#a#key_s', 'budget-reservation-released']),
        },
      }),
    );
    expect(await store.applyBatchUsage({ ...input, batchId: 'batch_resumed_release', reservation: { ...reservation, micros: 100 } })).toBe(
      'applied',
    );
    expect(await store.reservedMicros('key_r', '2025-08')).toBe(100);
  });

  test("a month's spend is the key's own rows of that month", async () => {
    const apply = (batchId: string, date: string, keyId: string, cost: number) =>
      store.applyBatchUsage({
        batchId,
        tenantId: 'tenant_s4',
        date,
        deltas: [{ ...delta('a', cost), rowId: `openai#a#${keyId}`, row: { ...delta('a', cost).row, keyId } }],
        nowSeconds: now,
      });
    await apply('batch_m1', '2025-05-31', 'key_x', 1000);
    await apply('batch_m2', '2025-06-01', 'key_x', 20);
    await apply('batch_m3', '2025-06-30', 'key_x', 300);
    await apply('batch_m4', '2025-06-15', 'key_y', 4000);
    await apply('batch_m5', '2025-07-01', 'key_x', 50000);
    expect(await store.monthSpendMicros('tenant_s4', 'key_x', '2025-06')).toBe(320);
    expect(await store.monthSpendMicros('tenant_s4', 'key_y', '2025-06')).toBe(4000);
    expect(await store.monthSpendMicros('tenant_s4', 'key_z', '2025-06')).toBe(0);
  });

  test('keyById finds a gateway key by its public id', async () => {
    const key = await store.keyById(keyIdOf(hashKey(KEYS.carol)));
    expect(key).toMatchObject({ keyId: keyIdOf(hashKey(KEYS.carol)), keyHash: hashKey(KEYS.carol) });
    expect(await store.keyById('key_000000000000')).toBeNull();
  });
});
