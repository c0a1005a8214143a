// The user's own workflow on one provider, as the seed (/work/shared/seed) writes it with the OpenAI
// SDK: upload a tiny JSONL file (Anthropic: inline requests), create a batch, poll it to a terminal
// state, download the output, check every line, and delete every file it made. Only the public
// OpenAI-compatible API is used, so it runs against any gateway, deployed or local.
import OpenAI, { toFile } from 'openai';
import type { ProviderName } from '#contracts/records';
import { batchFailureHint } from './hints';
import type { SmokeOptions } from './options';
import { StepFailure, type StepLog } from './steps';

export const TERMINAL_STATUSES = ['completed', 'failed', 'expired', 'cancelled'];

export interface ProviderRun {
  provider: ProviderName;
  /** The batch the workflow created (its Step Functions execution is checked by id). */
  batchId?: string;
  completed: boolean;
}

export const smokeCustomId = (provider: string, i: number) => `smoke-${provider}-${i + 1}`;

/** One OpenAI batch input line asking for a short, checkable answer. */
export function smokeLine(provider: string, model: string, i: number, padding = ''): string {
  const content = `Reply with the single word OK. (smoke test request ${i + 1})${padding}`;
  return JSON.stringify({
    custom_id: smokeCustomId(provider, i),
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content }], max_tokens: 32 },
  });
}

export async function runProviderWorkflow(
  client: OpenAI,
  provider: ProviderName,
  options: SmokeOptions,
  log: StepLog,
): Promise<ProviderRun> {
  const model = options.models[provider];
  const query = { provider };
  const made = new Set<string>();
  const run: ProviderRun = { provider, completed: false };
  const ids = Array.from({ length: options.lines }, (_, i) => smokeCustomId(provider, i));
  try {
    // The seed's Anthropic workflow sends inline Message Batch requests instead of a file.
    const inputFileId =
      provider === 'anthropic' ? '' : await log.step(provider, 'upload', () => uploadInput(client, provider, model, options.lines, made));
    if (inputFileId === undefined) return run;
    const created = await log.step(provider, 'batches.create', () => createBatch(client, provider, model, inputFileId, options.lines));
    if (!created) return run;
    run.batchId = created.id;
    if (created.input_file_id) made.add(created.input_file_id);
    const done = await log.step(provider, 'poll to terminal', () => pollToTerminal(client, created, query, options));
    if (!done) return run;
    for (const id of [done.output_file_id, done.error_file_id]) if (id) made.add(id);
    const lines = await log.step(provider, 'download output', () => download(client, done, query));
    if (!lines) return run;
    run.completed = (await log.step(provider, 'check every line', () => checkLines(done, lines, ids))) !== undefined;
    return run;
  } finally {
    await log.step(provider, 'cleanup', () => cleanUp(client, run.batchId, made, query));
  }
}

async function uploadInput(client: OpenAI, provider: ProviderName, model: string, lines: number, made: Set<string>) {
  const jsonl = Array.from({ length: lines }, (_, i) => smokeLine(provider, model, i)).join('\n') + '\n';
  const file = await client.files.create({
    file: await toFile(Buffer.from(jsonl), 'smoke.jsonl', { type: 'application/jsonl' }),
    purpose: 'batch',
    provider,
  } as never);
  made.add(file.id);
  return { value: file.id, detail: `${file.id} (${lines} lines, ${Buffer.byteLength(jsonl)} bytes, ${model}) status ${file.status}` };
}

async function createBatch(client: OpenAI, provider: ProviderName, model: string, inputFileId: string, lines: number) {
  const common = { endpoint: '/v1/chat/completions', completion_window: '24h', provider } as const;
  if (inputFileId) {
    const batch = await client.batches.create({ ...common, input_file_id: inputFileId, model } as never);
    return { value: batch, detail: `${batch.id} status ${batch.status}` };
  }
  const requests = Array.from({ length: lines }, (_, i) => ({
    custom_id: smokeCustomId(provider, i),
    params: {
      model,
      max_tokens: 32,
      messages: [{ role: 'user', content: `Reply with the single word OK. (smoke test request ${i + 1})` }],
    },
  }));
  const batch = await client.batches.create({ ...common, input_file_id: '', requests } as never);
  return { value: batch, detail: `${batch.id} (${lines} inline requests, ${model}) status ${batch.status}` };
}

async function pollToTerminal(client: OpenAI, created: OpenAI.Batch, query: Record<string, string>, options: SmokeOptions) {
  const deadline = Date.now() + options.timeoutMs;
  const seen = [created.status];
  let batch = created;
  let polls = 0;
  while (!TERMINAL_STATUSES.includes(batch.status)) {
    if (Date.now() > deadline) {
      throw new StepFailure(
        `${batch.id} still ${batch.status} after ${(options.timeoutMs / 60_000).toFixed(1)} min (seen: ${seen.join(' → ')})`,
        "providers can take long under load: raise --timeout-minutes; a batch stuck in validating means its Step Functions execution did not start (see the tracker's executions)",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    batch = await client.batches.retrieve(batch.id, { query } as never);
    polls += 1;
    if (seen[seen.length - 1] !== batch.status) seen.push(batch.status);
  }
  if (batch.status !== 'completed') {
    const errors = (batch.errors?.data ?? []).map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ');
    throw new StepFailure(
      `${batch.id} ended ${batch.status} (seen: ${seen.join(' → ')})${errors ? `: ${errors}` : ''}`,
      batchFailureHint(query.provider, batch.status, errors),
    );
  }
  return { value: batch, detail: `${batch.status} after ${polls} polls (${seen.join(' → ')})` };
}

interface DownloadedLines {
  output: unknown[];
  errors: unknown[];
}

async function download(client: OpenAI, batch: OpenAI.Batch, query: Record<string, string>) {
  if (!batch.output_file_id) throw new StepFailure(`${batch.id} completed without an output file`);
  const output = await readLines(client, batch.output_file_id, query);
  const errors = batch.error_file_id ? await readLines(client, batch.error_file_id, query) : [];
  const files = batch.error_file_id ? `${batch.output_file_id} and error file ${batch.error_file_id}` : batch.output_file_id;
  return {
    value: { output, errors } as DownloadedLines,
    detail: `${files}: ${output.length} output line(s), ${errors.length} error line(s)`,
  };
}

async function checkLines(batch: OpenAI.Batch, lines: DownloadedLines, ids: string[]) {
  const problems = outputProblems(lines.output, lines.errors, ids);
  if (problems.length > 0) {
    throw new StepFailure(
      `${problems.length} problem(s): ${problems.slice(0, 3).join('; ')}`,
      "compare the output file with the input; an answer the gateway's converters did not expect is a gateway bug",
    );
  }
  const finops = (batch as { finops?: { cost_usd?: number } | null }).finops;
  const cost = typeof finops?.cost_usd === 'number' ? `, finops cost $${finops.cost_usd.toFixed(6)}` : '';
  return {
    value: true,
    detail: `${ids.length}/${ids.length} answered once with HTTP 200 and text, request_counts ${JSON.stringify(batch.request_counts)}${cost}`,
  };
}

async function readLines(client: OpenAI, fileId: string, query: Record<string, string>): Promise<unknown[]> {
  const text = await (await client.files.content(fileId, { query } as never)).text();
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new StepFailure(`line ${i + 1} of ${fileId} is not JSON: ${line.slice(0, 80)}`);
      }
    });
}

/** Every request answered exactly once, with HTTP 200 and a chat.completion that has text. Pure. */
export function outputProblems(output: unknown[], errors: unknown[], ids: string[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const line of errors as Array<{
    custom_id?: string;
    error?: { code?: string; message?: string };
    response?: { body?: { error?: { message?: string } } };
  }>) {
    problems.push(
      `${line.custom_id} is in the error file: ${line.error?.message ?? line.response?.body?.error?.message ?? JSON.stringify(line).slice(0, 120)}`,
    );
  }
  for (const raw of output) {
    const line = raw as {
      custom_id?: string;
      response?: { status_code?: number; body?: { object?: string; choices?: Array<{ message?: { content?: unknown } }> } };
    };
    const id = String(line.custom_id);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (!ids.includes(id)) problems.push(`unexpected custom_id ${id}`);
    if (line.response?.status_code !== 200) problems.push(`${id}: status_code ${line.response?.status_code}`);
    const body = line.response?.body;
    const content = body?.choices?.[0]?.message?.content;
    if (body?.object !== 'chat.completion' || typeof content !== 'string' || content.trim() === '')
      problems.push(`${id}: no chat.completion with text`);
  }
  for (const id of ids) {
    const count = seen.get(id) ?? 0;
    if (count !== 1 && !problems.some((p) => p.startsWith(`${id} is in the error file`)))
      problems.push(`${id} appears ${count} times in the output`);
  }
  return problems;
}

/** Deletes every file the workflow made; a batch that is still running is cancelled first. */
async function cleanUp(client: OpenAI, batchId: string | undefined, made: Set<string>, query: Record<string, string>) {
  let cancelled = '';
  if (batchId) {
    const batch = await client.batches.retrieve(batchId, { query } as never);
    // A batch that failed or timed out here still has files: the input, and maybe partial results.
    for (const id of [batch.input_file_id, batch.output_file_id, batch.error_file_id]) if (id) made.add(id);
    if (!TERMINAL_STATUSES.includes(batch.status) && batch.status !== 'cancelling') {
      await client.batches.cancel(batchId, { query } as never);
      cancelled = `cancelled ${batchId}; `;
    }
  }
  const failures: string[] = [];
  for (const id of made) {
    const answer = await client.files.delete(id, { query } as never).catch((err: Error) => ({ deleted: false, error: err.message }));
    if (!answer.deleted) failures.push(`${id}: ${(answer as { error?: string }).error ?? 'not deleted'}`);
  }
  if (failures.length > 0)
    throw new StepFailure(`${cancelled}could not delete ${failures.join('; ')}`, 'delete them by hand with files.delete');
  return { value: true, detail: `${cancelled}deleted ${made.size} file(s): ${[...made].join(', ') || 'none'}` };
}
