// The gateway's Azure OpenAI adapter against the Azure simulator (in-memory blobs, a clock the test
// moves): the upload in Azure's form, the submit that waits while Azure processes the upload, the
// status mapping, results exactly once, cancel, Entra ID tokens, and Azure's configuration errors.
import { Logger } from '@aws-lambda-powertools/logger';
import { startAzureSimulator, type RunningAzureSimulator } from '#local/simulators/azure/index';
import { createAzureAdapter, type AzureCredentials } from '#lambda/providers/azure/adapter';
import { clearEntraTokenCache } from '#lambda/providers/azure/entra';
import type { ProviderAdapter, ProviderContext, ResultSink } from '#lambda/providers/provider';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';
import { GatewayError } from '#lambda/http/errors';
import { loadConfig } from '#lambda/config';
import type { BatchRecord, FileRecord } from '#contracts/records';
import type { BatchRequestOutput } from '#contracts/openai-types';
import { newBatchRecord } from '#lambda/batches/record';
import { MemoryBlobStore } from '#test/support/memory-blobs';
import { batchInput, batchInputFile } from '#test/support/records';

const STEP_MS = 10_000;
let clock = Date.now();
let sim: RunningAzureSimulator;
const blobs = new MemoryBlobStore({ chunkBytes: 512 });
const adapter: ProviderAdapter = createAzureAdapter({ maxRetries: 0, timeoutMs: 5000 });

beforeAll(async () => {
  sim = await startAzureSimulator({ stepMs: STEP_MS, now: () => clock });
});
afterAll(() => sim.close());
afterEach(() => sim.faults.clear());

function contextWith(creds: Partial<AzureCredentials> = {}): ProviderContext {
  const credentials: AzureCredentials = { endpoint: sim.url, apiVersion: sim.apiVersion, apiKey: sim.apiKey, ...creds };
  return {
    config: loadConfig({}),
    blobs,
    logger: new Logger({ logLevel: 'SILENT' }),
    credentials: async () => credentials as never,
    registerFile: async () => {
      throw new Error('the Azure adapter never registers files');
    },
  };
}

const line = (customId: string, content: string, model = 'gpt-4o-mini') =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content }], max_tokens: 50 },
  });

let counter = 0;
async function storedFile(lines: string[], ctx = contextWith()): Promise<FileRecord> {
  const id = `file-gw${++counter}`;
  const blob = { bucket: 'finops-files', key: `tenant/${id}` };
  const { bytes } = await blobs.put(blob, lines.join('\n') + '\n');
  const file = batchInputFile({
    id,
    tenantId: 'tenant',
    provider: 'azure' as never,
    filename: `${id}.jsonl`,
    bytes,
    blob,
    lineCount: lines.length,
    model: 'gpt-4o-mini',
  });
  return { ...file, ...(await adapter.onFileStored!(ctx, file, {})) };
}

async function submit(file: FileRecord, ctx = contextWith()): Promise<BatchRecord> {
  const input = batchInput({ batchId: `batch_gw${++counter}`, tenantId: 'tenant', inputFile: file });
  await adapter.acceptBatch!(ctx, input);
  return newBatchRecord(input, await adapter.createBatch(ctx, input), { tenantId: 'tenant', provider: 'azure' as never });
}

async function collect(batch: BatchRecord): Promise<Array<Omit<BatchRequestOutput, 'id'>>> {
  const out: Array<Omit<BatchRequestOutput, 'id'>> = [];
  const sink: ResultSink = { write: async (l) => void out.push(l) };
  await adapter.collectResults(contextWith(), batch, sink);
  return out;
}

describe('azure adapter against the simulator', () => {
  it("uploads lines in Azure's form, waits while the upload is pending, then runs the batch to its results", async () => {
    const file = await storedFile([line('a', 'What is 2+2?'), line('b', 'Capital of France?'), line('c', 'no [simulate-error]')]);
    expect(file.providerFileId).toMatch(/^file-/);
    const uploaded = await (
      await fetch(`${sim.url}/openai/files/${file.providerFileId}/content?api-version=${sim.apiVersion}`, {
        headers: { 'api-key': sim.apiKey },
      })
    ).text();
    expect(
      uploaded
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).url),
    ).toEqual(['/chat/completions', '/chat/completions', '/chat/completions']);

    // Still pending at Azure: the submit step is told to wait, not that the batch failed.
    const early = await submit(file).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ProviderUnavailableError);
    expect((early as ProviderUnavailableError).message).toMatch(/still processing/);

    clock += STEP_MS;
    const batch = await submit(file);
    expect(batch.status).toBe('validating'); // Azure answered "Validating"
    expect(batch.providerBatchId).toMatch(/^batch_/);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock += STEP_MS;
      const state = await adapter.checkBatch(contextWith(), batch);
      batch.providerData = state.providerData;
      seen.push(state.status);
    }
    expect(seen).toEqual(['in_progress', 'in_progress', 'completed', 'completed']); // Azure's finalizing polls as in_progress
    const results = await collect(batch);
    expect(results.map((r) => r.custom_id).sort()).toEqual(['a', 'b', 'c']);
    expect(results.find((r) => r.custom_id === 'c')?.response?.status_code).toBe(400);
    expect(results.find((r) => r.custom_id === 'a')?.response?.body).toMatchObject({ model: 'gpt-4o-mini-2024-07-18' });
  });

  it('cancels: every request comes out once, the ones not run as batch_cancelled', async () => {
    const file = await storedFile(Array.from({ length: 6 }, (_, i) => line(`r${i}`, `q${i}`)));
    clock += STEP_MS;
    const batch = await submit(file);
    clock += STEP_MS + STEP_MS / 2;
    await adapter.cancelBatch(contextWith(), batch);
    await adapter.cancelBatch(contextWith(), batch); // idempotent
    clock += STEP_MS;
    expect((await adapter.checkBatch(contextWith(), batch)).status).toBe('cancelled');
    const results = await collect(batch);
    expect(results.map((r) => r.custom_id).sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(results.some((r) => r.error?.code === 'batch_cancelled')).toBe(true);
  });

  it('calls Azure with an Entra ID bearer token when the secret holds one instead of a key', async () => {
    const ctx = contextWith({ apiKey: undefined, bearerToken: sim.entraToken });
    const file = await storedFile([line('e', 'hello')], ctx);
    clock += STEP_MS;
    const batch = await submit(file, ctx);
    expect((await adapter.checkBatch(ctx, batch)).status).toBe('validating');
  });

  it('mints Entra ID tokens from a service principal (client credentials grant), and says so when Entra refuses it', async () => {
    clearEntraTokenCache();
    const principal = { ...sim.servicePrincipal, authorityHost: sim.url };
    const ctx = contextWith({ apiKey: undefined, servicePrincipal: principal });
    const file = await storedFile([line('sp', 'hello')], ctx);
    clock += STEP_MS;
    const batch = await submit(file, ctx);
    expect((await adapter.checkBatch(ctx, batch)).status).toBe('validating');
    const refused = contextWith({ apiKey: undefined, servicePrincipal: { ...principal, clientSecret: 'not-the-secret' } });
    const err = await adapter.checkBatch(refused, batch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('provider_auth_error');
    expect((err as GatewayError).message).toMatch(/invalid_client/);
    expect((err as GatewayError).message).not.toContain('not-the-secret');
  });

  it('refuses what Azure would fail at batches.create: another window, embeddings', async () => {
    const file = await storedFile([line('x', 'hi')]);
    const base = batchInput({ batchId: 'batch_refused', tenantId: 'tenant', inputFile: file });
    await expect(adapter.acceptBatch!(contextWith(), { ...base, completionWindow: '48h' })).rejects.toMatchObject({
      status: 400,
      param: 'completion_window',
    });
    await expect(adapter.acceptBatch!(contextWith(), { ...base, endpoint: '/v1/embeddings' })).rejects.toMatchObject({
      status: 400,
      param: 'endpoint',
    });
  });

  it("reports a wrong api-version or key as the gateway's configuration, never as a lost batch", async () => {
    const file = await storedFile([line('y', 'hi')]);
    clock += STEP_MS;
    const batch = await submit(file);
    const unsupported = await adapter.checkBatch(contextWith({ apiVersion: '2023-05-15' }), batch).catch((e: unknown) => e);
    expect(unsupported).toBeInstanceOf(GatewayError);
    expect((unsupported as GatewayError).code).toBe('provider_config_error');
    const badKey = await adapter.checkBatch(contextWith({ apiKey: 'wrong-key-value' }), batch).catch((e: unknown) => e);
    expect((badKey as GatewayError).code).toBe('provider_auth_error');
    expect((badKey as GatewayError).message).not.toContain('wrong-key-value');
  });

  it('a submit whose answer was lost finds the Azure batch it made instead of making a second one', async () => {
    const impatient = createAzureAdapter({ maxRetries: 0, timeoutMs: 400 });
    const file = await storedFile([line('once', 'hi')]);
    clock += STEP_MS;
    const input = batchInput({ batchId: `batch_lost_answer_${++counter}`, tenantId: 'tenant', inputFile: file });
    const before = (await (
      await fetch(`${sim.url}/openai/batches?limit=100&api-version=${sim.apiVersion}`, { headers: { 'api-key': sim.apiKey } })
    ).json()) as { data: unknown[] };
    sim.faults.add({ kind: 'accept_then_hang', match: 'POST /openai/batches' });
    await expect(impatient.createBatch(contextWith(), input)).rejects.toBeInstanceOf(ProviderUnavailableError);
    const again = await impatient.createBatch(contextWith(), input);
    const after = (await (
      await fetch(`${sim.url}/openai/batches?limit=100&api-version=${sim.apiVersion}`, { headers: { 'api-key': sim.apiKey } })
    ).json()) as { data: Array<{ id: string }> };
    expect(after.data.length).toBe(before.data.length + 1);
    expect(again.providerBatchId).toBe(after.data[0].id);
  });

  it('treats 429 as wait (with Retry-After) and a lost batch as lost', async () => {
    const file = await storedFile([line('z', 'hi')]);
    clock += STEP_MS;
    const batch = await submit(file);
    sim.faults.add({ kind: 'rate_limit', match: '/openai/batches/', retryAfterSeconds: 7 });
    const limited = await adapter.checkBatch(contextWith(), batch).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ProviderUnavailableError);
    expect((limited as ProviderUnavailableError).retryAfterSeconds).toBe(7);
    expect((limited as Error).message).toMatch(/^Azure OpenAI is unavailable/);
    sim.faults.add({ kind: 'lose_batch' });
    await expect(adapter.checkBatch(contextWith(), batch)).rejects.toBeInstanceOf(ProviderLostBatchError);
  });
});
