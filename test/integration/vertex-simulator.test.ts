// The Vertex AI adapter against the Vertex AI / Cloud Storage / token-endpoint simulator, without the
// gateway: tokens minted from the simulator's service account key, the converted input uploaded in
// 256 KiB chunks, jobs driven to every end, rows joined on custom_id whatever their order.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVertexSimulator, type VertexSimulator } from '#local/simulators/vertex/index';
import { createVertexAdapter } from '#lambda/providers/vertex/adapter';
import { resetAccessTokens } from '#lambda/providers/vertex/auth';
import { vertexSettings } from '#lambda/providers/vertex/settings';
import { ProviderLostBatchError, ProviderUnavailableError } from '#lambda/providers/errors';
import { GatewayError } from '#lambda/http/errors';
import type { ProviderAdapter, ProviderBatchState, ProviderContext } from '#lambda/providers/provider';
import type { BatchRecord, FileRecord } from '#contracts/records';
import type { BatchRequestOutput } from '#contracts/openai-types';
import { MemoryBlobStore } from '#test/support/memory-blobs';
import { simulatorContext } from '#test/support/provider-context';
import { batchInput, batchInputFile } from '#test/support/records';
import { collectThroughSink } from '#test/support/collect';

const MODEL = 'gemini-2.5-flash';
let sim: VertexSimulator;
let adapter: ProviderAdapter<'gcp-service-account'>;
const blobs = new MemoryBlobStore();
let ctx: ProviderContext<'gcp-service-account'>;

/** The context lambda/runtime.ts hands a gcp-service-account provider: its base URL and the parsed key. */
function vertexContext(key: string): ProviderContext<'gcp-service-account'> {
  return {
    ...simulatorContext({ blobs, registersFiles: false }),
    credentials: async () => ({ baseUrl: sim.url, serviceAccount: JSON.parse(key) as Record<string, unknown> }),
  };
}
let n = 0;

beforeAll(async () => {
  sim = await startVertexSimulator({ stepMs: 150 });
  const settings = () => ({ ...vertexSettings({}), project: sim.projectId, bucket: sim.bucket, storageUrl: sim.url });
  adapter = createVertexAdapter({ uploadChunkBytes: 256 * 1024, timeoutMs: 5000, settings });
  ctx = vertexContext(sim.serviceAccountKey);
});
afterAll(async () => {
  resetAccessTokens();
  await sim?.close();
  delete process.env.FINOPS_SIM_VERTEX_MAX_REQUESTS;
});

function line(customId: string, content: string) {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: MODEL, messages: [{ role: 'user', content }], max_tokens: 50 },
  });
}

async function storedFile(lines: string[]): Promise<FileRecord> {
  const id = `file-vtx${++n}`;
  const blob = { bucket: 'files', key: `t1/${id}` };
  const text = lines.join('\n') + '\n';
  await blobs.put(blob, text);
  const file = batchInputFile({
    id,
    tenantId: 't1',
    provider: 'vertex' as never,
    filename: 'in.jsonl',
    bytes: Buffer.byteLength(text),
    blob,
    lineCount: lines.length,
    model: MODEL,
  });
  return { ...file, ...(await adapter.onFileStored!(ctx, file, {})) };
}

async function submitted(file: FileRecord, batchId = `batch_vtx${++n}`): Promise<BatchRecord> {
  const created = await adapter.createBatch(ctx, batchInput({ batchId, tenantId: 't1', inputFile: file, model: MODEL }));
  return {
    id: batchId,
    tenantId: 't1',
    provider: 'vertex',
    model: created.model,
    inputFileId: file.id,
    providerBatchId: created.providerBatchId,
    providerData: created.providerData,
    requestCounts: created.requestCounts,
    createdAt: Math.floor(Date.now() / 1000),
  } as unknown as BatchRecord;
}

async function until(batch: BatchRecord, done: (s: ProviderBatchState) => boolean): Promise<ProviderBatchState[]> {
  const seen: ProviderBatchState[] = [];
  const deadline = Date.now() + 20_000;
  for (;;) {
    const state = await adapter.checkBatch(ctx, batch);
    seen.push(state);
    if (done(state)) return seen;
    if (Date.now() > deadline) throw new Error(`still ${state.status}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** As the tracker collects: the adapter writes the rows Vertex returned, the result sink answers the rest. */
async function collect(batch: BatchRecord): Promise<Array<Omit<BatchRequestOutput, 'id'>>> {
  return collectThroughSink(adapter, ctx, batch);
}

const terminal = (s: ProviderBatchState) => ['completed', 'failed', 'cancelled', 'expired'].includes(s.status);

describe('Vertex AI adapter against the simulator', () => {
  test('upload in chunks, create, pending → running → completed, every row joined on its custom_id', async () => {
    const padding = 'x'.repeat(3000);
    const lines = [
      line('000000', 'numeric-looking id'),
      line('req-err', 'fail [simulate-error]'),
      ...Array.from({ length: 200 }, (_, i) => line(`r${i}`, `question ${i} ${padding}`)),
    ];
    const chunksBefore = sim.storage.chunksReceived;
    const file = await storedFile(lines);
    expect(file.providerFileId).toBe(`gs://${sim.bucket}/finops-gateway/inputs/t1/${file.id}.jsonl`);
    // > 600 KB converted: several 256 KiB chunks, never the whole file at once.
    expect(sim.storage.chunksReceived - chunksBefore).toBeGreaterThanOrEqual(3);
    const object = sim.storage.get(sim.bucket, `finops-gateway/inputs/t1/${file.id}.jsonl`)!;
    const first = JSON.parse(object.bytes.toString('utf8').split('\n')[0]);
    expect(first).toEqual({
      custom_id: 'cid-000000',
      request: { contents: [{ role: 'user', parts: [{ text: 'numeric-looking id' }] }], generationConfig: { maxOutputTokens: 50 } },
    });

    const batch = await submitted(file);
    expect(batch.providerBatchId).toMatch(new RegExp(`^projects/${sim.projectId}/locations/us-central1/batchPredictionJobs/\\d+$`));
    const seen = await until(batch, terminal);
    const statuses = [...new Set(seen.map((s) => s.status))];
    expect(statuses[statuses.length - 1]).toBe('completed');
    expect(statuses.every((s) => ['validating', 'in_progress', 'completed'].includes(s))).toBe(true);
    expect(seen[seen.length - 1].requestCounts).toEqual({ total: 202, completed: 201, failed: 1 });

    const out = await collect(batch);
    expect(out).toHaveLength(202);
    expect(new Set(out.map((l) => l.custom_id))).toEqual(new Set(['000000', 'req-err', ...Array.from({ length: 200 }, (_, i) => `r${i}`)]));
    const byId = new Map(out.map((l) => [l.custom_id, l]));
    expect(byId.get('000000')!.response).toMatchObject({ status_code: 200, body: { object: 'chat.completion', model: MODEL } });
    expect(byId.get('r7')!.response!.body).toMatchObject({ choices: [{ message: { content: expect.stringContaining('question 7') } }] });
    expect(byId.get('req-err')!.response!.status_code).toBe(500);
  });

  test('a submit retried after a lost answer finds the job the first one made', async () => {
    const file = await storedFile([line('a', 'hi')]);
    const batchId = `batch_vtx${++n}`;
    const one = await submitted(file, batchId);
    const two = await submitted(file, batchId);
    expect(two.providerBatchId).toBe(one.providerBatchId);
  });

  test('cancel: cancelling, then cancelled, every request a batch_cancelled line', async () => {
    const file = await storedFile([line('c1', 'a'), line('c2', 'b')]);
    const batch = await submitted(file);
    await adapter.cancelBatch(ctx, batch);
    const seen = await until(batch, terminal);
    expect(seen.map((s) => s.status)).toContain('cancelling');
    expect(seen[seen.length - 1].status).toBe('cancelled');
    const out = await collect(batch);
    expect(out.map((l) => [l.custom_id, l.error?.code])).toEqual([
      ['c1', 'batch_cancelled'],
      ['c2', 'batch_cancelled'],
    ]);
    // Cancelling again once it is over is fine (Vertex refuses it with FAILED_PRECONDITION).
    await expect(adapter.cancelBatch(ctx, batch)).resolves.toBeUndefined();
  });

  test('PARTIALLY_SUCCEEDED is completed; the missing row is a not-run line', async () => {
    const file = await storedFile([line('ok', 'fine'), line('gone', 'x [simulate-row-lost]')]);
    const batch = await submitted(file);
    const seen = await until(batch, terminal);
    expect(seen[seen.length - 1].providerData?.state).toBe('JOB_STATE_PARTIALLY_SUCCEEDED');
    expect(seen[seen.length - 1].status).toBe('completed');
    const out = await collect(batch);
    expect(out.find((l) => l.custom_id === 'ok')!.response!.status_code).toBe(200);
    expect(out.find((l) => l.custom_id === 'gone')!.error).toMatchObject({
      code: 'batch_failed',
      message: expect.stringContaining('JOB_STATE_PARTIALLY_SUCCEEDED'),
    });
  });

  test("a job Vertex fails (import over the request limit) is failed with Vertex's reason", async () => {
    process.env.FINOPS_SIM_VERTEX_MAX_REQUESTS = '1';
    try {
      const batch = await submitted(await storedFile([line('l1', 'a'), line('l2', 'b')]));
      const seen = await until(batch, terminal);
      const last = seen[seen.length - 1];
      expect(last.status).toBe('failed');
      expect(last.errors?.[0].message).toMatch(/^Vertex AI: Failed to import data.*at most 1\. \(INVALID_ARGUMENT\)$/);
      expect((await collect(batch)).map((l) => l.error?.code)).toEqual(['batch_failed', 'batch_failed']);
    } finally {
      delete process.env.FINOPS_SIM_VERTEX_MAX_REQUESTS;
    }
  });

  test('an unknown model is a 400 model_not_found at submit, not a lost batch', async () => {
    const file = await storedFile([line('m', 'x')]);
    const err = await adapter
      .createBatch(
        ctx,
        batchInput({ batchId: `batch_vtx${++n}`, tenantId: 't1', inputFile: { ...file, model: 'gemini-does-not-exist-9' }, model: null }),
      )
      .catch((e) => e);
    // The simulator knows every gemini-* name; an unknown family is refused as Vertex refuses it.
    expect(err).not.toBeInstanceOf(ProviderLostBatchError);
    const bad = await adapter
      .createBatch(ctx, batchInput({ batchId: `batch_vtx${++n}`, tenantId: 't1', inputFile: { ...file, model: 'claude-x' }, model: null }))
      .catch((e) => e);
    expect(bad).toBeInstanceOf(GatewayError);
    expect(bad).toMatchObject({ status: 400, code: 'model_not_found', param: 'model' });
    expect(bad.message).toMatch(/The PublisherModel claude-x does not exist/);
  });

  test('429 and 5xx are transient; a job Vertex lost is permanent', async () => {
    const file = await storedFile([line('t', 'x')]);
    sim.faults.add({ kind: 'rate_limit', match: 'POST /v1/projects', retryAfterSeconds: 7 });
    const limited = await adapter
      .createBatch(ctx, batchInput({ batchId: `batch_vtx${++n}`, tenantId: 't1', inputFile: file, model: MODEL }))
      .catch((e) => e);
    expect(limited).toBeInstanceOf(ProviderUnavailableError);
    expect(limited.retryAfterSeconds).toBe(7);
    const batch = await submitted(file);
    sim.faults.add({ kind: 'lose_batch', match: 'GET /v1/projects' });
    await expect(adapter.checkBatch(ctx, batch)).rejects.toBeInstanceOf(ProviderLostBatchError);
  });

  test('a predictions download cut half way is transient (the collect step runs again and gets every row)', async () => {
    const batch = await submitted(await storedFile([line('x1', 'a'), line('x2', 'b')]));
    await until(batch, terminal);
    sim.faults.add({ kind: 'reset', match: 'GET /storage/v1/b/' });
    await expect(collect(batch)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect((await collect(batch)).map((l) => l.response?.status_code).sort()).toEqual([200, 200]);
  });

  test('the API refuses a call without a bearer token, and a key Google does not know gets no token', async () => {
    const anonymous = await fetch(`${sim.url}/v1/projects/${sim.projectId}/locations/us-central1/batchPredictionJobs`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    const storage = await fetch(`${sim.url}/storage/v1/b/${sim.bucket}/o`, { headers: { authorization: 'Bearer ya29.made-up' } });
    expect(storage.status).toBe(401);

    const forged = JSON.parse(sim.serviceAccountKey);
    forged.private_key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forgedCtx = vertexContext(JSON.stringify(forged));
    const file = batchInputFile({
      id: 'file-forged',
      tenantId: 't1',
      provider: 'vertex' as never,
      filename: 'f.jsonl',
      bytes: 1,
      blob: { bucket: 'files', key: 't1/file-forged' },
      lineCount: 1,
      model: MODEL,
    });
    await blobs.put(file.blob, line('f', 'x') + '\n');
    const err = await adapter.onFileStored!(forgedCtx, file, {}).catch((e) => e);
    expect(err).toMatchObject({ status: 502, code: 'provider_auth_error' });
    expect(err.message).toMatch(/Invalid JWT Signature/);
    expect(err.message).not.toContain('PRIVATE KEY');
  });

  test('a simulator restarted on its state folder keeps its service account, tokens, objects and jobs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vertex-sim-'));
    try {
      const first = await startVertexSimulator({ stepMs: 100, stateDir: dir });
      const settings = () => ({ ...vertexSettings({}), project: first.projectId, bucket: first.bucket, storageUrl: first.url });
      const local = createVertexAdapter({ timeoutMs: 5000, settings });
      const key = first.serviceAccountKey;
      const context = {
        ...vertexContext(key),
        credentials: async () => ({ baseUrl: first.url, serviceAccount: JSON.parse(key) as Record<string, unknown> }),
      };
      const file = batchInputFile({
        id: 'file-restart',
        tenantId: 't1',
        provider: 'vertex',
        filename: 'r.jsonl',
        bytes: 1,
        blob: { bucket: 'files', key: 't1/file-restart' },
        lineCount: 1,
        model: MODEL,
      });
      await blobs.put(file.blob, line('r1', 'kept') + '\n');
      const stored = { ...file, ...(await local.onFileStored!(context, file, {})) };
      const created = await local.createBatch(
        context,
        batchInput({ batchId: 'batch_restart', tenantId: 't1', inputFile: stored, model: MODEL }),
      );
      const port = Number(new URL(first.url).port);
      await first.close();

      const second = await startVertexSimulator({ stepMs: 100, stateDir: dir, port });
      try {
        expect(second.serviceAccountKey).toBe(key); // the same account (and its cached token still works)
        expect(second.jobNames()).toEqual([created.providerBatchId]);
        const batch = {
          id: 'batch_restart',
          providerBatchId: created.providerBatchId,
          providerData: created.providerData,
          requestCounts: created.requestCounts,
          model: MODEL,
          createdAt: 1,
        } as unknown as BatchRecord;
        // The first call may land on a keep-alive socket of the closed server: transient, as the tracker treats it.
        const check = () =>
          local
            .checkBatch(context, batch)
            .catch((err) => (err instanceof ProviderUnavailableError ? local.checkBatch(context, batch) : Promise.reject(err)));
        let state = await check();
        for (let i = 0; i < 100 && !terminal(state); i++) state = await new Promise((r) => setTimeout(r, 30)).then(check);
        expect(state.status).toBe('completed');
        const out: Array<Omit<BatchRequestOutput, 'id'>> = [];
        await local.collectResults(context, batch, { write: async (l) => void out.push(l) });
        expect(out.map((l) => [l.custom_id, l.response?.status_code])).toEqual([['r1', 200]]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a deployment without a bucket refuses a vertex upload with a 400 that says so (no retry can help), and sends nothing', async () => {
    const unconfigured = createVertexAdapter({
      timeoutMs: 5000,
      settings: () => ({ ...vertexSettings({}), project: sim.projectId, storageUrl: sim.url }),
    });
    const file = batchInputFile({
      id: 'file-nobucket',
      tenantId: 't1',
      provider: 'vertex',
      filename: 'n.jsonl',
      bytes: 1,
      blob: { bucket: 'files', key: 't1/file-nobucket' },
      lineCount: 1,
      model: MODEL,
    });
    await blobs.put(file.blob, line('n', 'x') + '\n');
    const before = sim.storage.objects.size;
    const err = await unconfigured.onFileStored!(ctx, file, {}).catch((e) => e);
    expect(err).toMatchObject({ status: 400, code: 'provider_not_configured', param: 'provider' });
    expect(err.message).toMatch(/vertexBucket/);
    expect(sim.storage.objects.size).toBe(before);
  });

  test('files.delete removes the Cloud Storage copy (twice is fine)', async () => {
    const file = await storedFile([line('d', 'x')]);
    const object = `finops-gateway/inputs/t1/${file.id}.jsonl`;
    expect(sim.storage.get(sim.bucket, object)).toBeDefined();
    await adapter.onFileDeleted!(ctx, file);
    expect(sim.storage.get(sim.bucket, object)).toBeUndefined();
    await expect(adapter.onFileDeleted!(ctx, file)).resolves.toBeUndefined();
  });
});
