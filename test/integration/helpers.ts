// Shared by the integration tests: a local gateway in a temp folder, SDK clients, JSONL builders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { startLocalGateway, type LocalGateway, type LocalGatewayOptions } from '#local/gateway';
import type { BatchRequestOutput } from '#contracts/openai-types';
import { checkedFetch, schemaErrors, takeViolations } from '#test/support/openai-schema';

export interface TestGateway {
  gateway: LocalGateway;
  client: (keyIndex?: number) => OpenAI;
  close(): Promise<void>;
}

export const TEST_KEYS = ['sk-finops-test-alice', 'sk-finops-test-bob'];

export async function startTestGateway(options: LocalGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'finops-test-'));
  const gateway = await startLocalGateway({
    port: 0,
    dataDir,
    apiKeys: TEST_KEYS,
    simulatorStepMs: 60,
    trackerWaitMs: 40,
    trackerRetryMs: 20,
    ...options,
  });
  return {
    gateway,
    // Every answer is checked against OpenAI's OpenAPI schemas (test/support/openai-schema.ts).
    client: (keyIndex = 0) =>
      new OpenAI({ baseURL: gateway.baseURL, apiKey: gateway.apiKeys[keyIndex], maxRetries: 0, timeout: 30_000, fetch: checkedFetch }),
    close: async () => {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
      const violations = takeViolations();
      if (violations.length)
        throw new Error(`Gateway answers that break OpenAI's OpenAPI schemas:\n${[...new Set(violations)].slice(0, 20).join('\n')}`);
    },
  };
}

export function chatLine(customId: string, model: string, content: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content }], max_tokens: 100, ...extra },
  });
}

export function jsonl(lines: string[]): string {
  return lines.join('\n') + '\n';
}

export async function upload(client: OpenAI, content: string, extra: Record<string, unknown> = {}, filename = 'batch_input.jsonl') {
  return client.files.create({
    file: await toFile(Buffer.from(content), filename, { type: 'application/jsonl' }),
    purpose: 'batch',
    ...extra,
  } as never);
}

export const TERMINAL = ['completed', 'failed', 'expired', 'cancelled'];

/** Polls like the seed workflow does, until a terminal status (or the deadline). */
export async function pollUntilDone(client: OpenAI, batchId: string, query: Record<string, unknown> = {}, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  for (;;) {
    const batch = await client.batches.retrieve(batchId, { query });
    if (seen[seen.length - 1] !== batch.status) seen.push(batch.status);
    if (TERMINAL.includes(batch.status)) return { batch, seen };
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${batch.status} after ${timeoutMs} ms (seen: ${seen.join(' → ')})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function readJsonl(
  client: OpenAI,
  fileId: string | null | undefined,
  query: Record<string, unknown> = {},
): Promise<BatchRequestOutput[]> {
  if (!fileId) return [];
  const res = await client.files.content(fileId, { query });
  const text = await res.text();
  const lines = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as BatchRequestOutput);
  // Output and error lines follow the spec's BatchRequestOutput (openapi-2025-04.yaml).
  for (const line of lines) {
    const errors = schemaErrors('BatchRequestOutput', line);
    if (errors.length) throw new Error(`Output line of ${fileId} breaks BatchRequestOutput: ${errors.join('; ')}`);
  }
  return lines;
}
