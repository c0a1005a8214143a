// The cheap checks of an OpenAI-shaped provider's own limits (contracts/providers.ts quirks), made
// before anything is sent to it, so that a request it would refuse is a clear 400 at once. Pure.
import type { OpenAICompatibleQuirks } from '#contracts/providers';
import { completionWindowHours } from '#contracts/providers';
import { badRequest } from '#lambda/http/errors';
import type { FileRecord } from '#contracts/records';
import type { CreateBatchInput } from '#lambda/providers/provider';

/** A batch input file the provider would refuse for its size or number of requests. */
export function checkCompatibleFile(
  display: string,
  quirks: OpenAICompatibleQuirks,
  file: Pick<FileRecord, 'id' | 'bytes' | 'lineCount' | 'endpoint'>,
): void {
  if (file.bytes > quirks.maxBatchFileBytes) {
    throw badRequest(
      `File ${file.id} is ${file.bytes} bytes; ${display} takes batch input files of at most ${quirks.maxBatchFileBytes} bytes. Split it into smaller files.`,
      'file',
      'file_too_large',
    );
  }
  if (file.lineCount !== undefined && file.lineCount > quirks.maxRequestsPerBatch) {
    throw badRequest(
      `File ${file.id} has ${file.lineCount} requests; ${display} runs at most ${quirks.maxRequestsPerBatch} per batch.`,
      'file',
      'too_many_requests',
    );
  }
  if (file.endpoint && !quirks.endpoints.includes(file.endpoint)) {
    throw badRequest(
      `File ${file.id} calls ${file.endpoint}; ${display} batches run ${quirks.endpoints.join(', ')} only.`,
      'file',
      'invalid_url',
    );
  }
}

/** A batches.create the provider would refuse: its endpoint or completion window. */
export function checkCompatibleBatch(
  display: string,
  quirks: OpenAICompatibleQuirks,
  input: Pick<CreateBatchInput, 'endpoint' | 'completionWindow'>,
): void {
  if (!quirks.endpoints.includes(input.endpoint)) {
    throw badRequest(`Invalid 'endpoint': ${display} batches run ${quirks.endpoints.join(', ')} only.`, 'endpoint', 'invalid_endpoint');
  }
  const hours = completionWindowHours(input.completionWindow);
  const { min, max } = quirks.completionWindowHours;
  if (hours === null || hours < min || hours > max) {
    throw badRequest(
      `Invalid 'completion_window': ${JSON.stringify(input.completionWindow)}. ${display} accepts ${windowText(quirks)}.`,
      'completion_window',
      'invalid_completion_window',
    );
  }
}

/** "24h" or "24h to 7d" (hours, or whole days when they are). */
export function windowText(quirks: OpenAICompatibleQuirks): string {
  const text = (hours: number) => (hours % 24 === 0 && hours > 24 ? `${hours / 24}d` : `${hours}h`);
  const { min, max } = quirks.completionWindowHours;
  return min === max ? `"${text(min)}" only` : `"${text(min)}" to "${text(max)}"`;
}
