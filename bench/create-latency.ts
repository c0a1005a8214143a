// batches.create latency by input size and provider (issue 12): the create only validates, reserves,
// records `validating` and starts the tracker, so it should stay flat (≤ 1 s locally) from 1 to 200 MB;
// converting and submitting happen afterwards in the tracker. Each file is uploaded with the Uploads
// API, then created on RUNS times (median reported); every batch is cancelled at once, so the
// simulators do not convert 200 MB in the background while later rows are measured.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { LocalGateway } from '#local/gateway';
import { measureUpload, summarize } from './gateway';
import { LARGE_LINE_USER_CHARS, writeBatchFile } from './workload';

export interface CreateLatencyRow {
  provider: string;
  sizeMb: number;
  runs: number;
  p50Ms: number;
  maxMs: number;
  /** Set when the row could not be measured (e.g. the upload that sets it up failed). */
  error?: string;
}

const RUNS = 3;
/** A model each provider's create accepts for the lines of the file. */
const MODEL: Record<string, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-3-5-haiku-20241022',
  gemini: 'gemini-2.0-flash',
  bedrock: 'anthropic.claude-3-haiku-20240307-v1:0',
};

export async function measureCreateLatency(
  gateway: LocalGateway,
  dir: string,
  sizesMb: number[],
  providers: string[],
): Promise<CreateLatencyRow[]> {
  const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: gateway.apiKeys[0], maxRetries: 0, timeout: 120_000 });
  const rows: CreateLatencyRow[] = [];
  for (const provider of providers) {
    for (const sizeMb of sizesMb) {
      process.stderr.write(`batches.create latency, ${sizeMb} MB for ${provider}…\n`);
      const path = join(dir, `create-${provider}-${sizeMb}MB.jsonl`);
      // Lines of about 4 KB: 200 MB stays within the 50,000 requests a batch may hold.
      await writeBatchFile(path, sizeMb * 1_000_000, { model: MODEL[provider] ?? MODEL.openai, userChars: LARGE_LINE_USER_CHARS });
      try {
        const uploaded = await measureUpload(gateway, path, provider);
        const samples: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const started = process.hrtime.bigint();
          const batch = await client.batches.create({
            input_file_id: uploaded.fileId!,
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
            provider,
            model: MODEL[provider],
          } as never);
          samples.push(Number(process.hrtime.bigint() - started) / 1e6);
          await client.batches.cancel(batch.id, { provider } as never);
        }
        const summary = summarize(samples);
        rows.push({ provider, sizeMb, runs: RUNS, p50Ms: summary.p50Ms, maxMs: Math.max(...samples) });
      } catch (err) {
        rows.push({ provider, sizeMb, runs: 0, p50Ms: NaN, maxMs: NaN, error: String((err as Error).message).slice(0, 200) });
      } finally {
        rmSync(path, { force: true });
      }
    }
  }
  return rows;
}
