// The embeddings directions of `npm run bench` (issue 15): realistic /v1/embeddings input files (chunks
// of documents, 1-4 KB a line, a fifth of the lines an array of several chunks, some base64), the
// providers' embedding result files (Titan V2 records with 1,024-float vectors, Gemini responses with
// 768), and the per-line converters the adapters use for them. Same baseline as every direction.
import { batchRequestId } from '#lambda/ids';
import type { BatchRequestInput } from '#contracts/openai-types';
import { joinedLine, type LineShape } from '#lambda/providers/embedding-parts';
import { stagedEmbeddingRecords } from '#lambda/providers/bedrock/embedding-batches';
import { fromEmbeddingOutput } from '#lambda/providers/bedrock/embeddings';
import { recordIdFor, recordIndexOf } from '#lambda/providers/bedrock/records';
import { embedOutcome, parseEmbedPartKey, toGeminiEmbedLines } from '#lambda/providers/gemini/embeddings';
import { parseResponseLine } from '#lambda/providers/gemini/response';
import { randomSource, writeGeneratedLines } from './workload';

export type EmbeddingInputKind = 'openai-embeddings' | 'bedrock-embed-output' | 'gemini-embed-responses';
export const EMBEDDING_INPUT_KINDS: readonly EmbeddingInputKind[] = ['openai-embeddings', 'bedrock-embed-output', 'gemini-embed-responses'];

const BATCH_ID = 'batch_benchmark000000000000000';
const TITAN = 'amazon.titan-embed-text-v2:0';
const GEMINI = 'gemini-embedding-001';
const customIdOf = (i: number) => `chunk-${String(i).padStart(6, '0')}`;

const PROSE = (
  'The supplier shall deliver the goods within thirty days of the order date. Invoices are payable within 45 days; late payment incurs interest at 1.5% per month. ' +
  'Le présent contrat prend effet à la date de signature et reste en vigueur pour une durée de trois ans, renouvelable par tacite reconduction. ' +
  'Die Gewährleistungsfrist beträgt zwei Jahre ab Lieferung. Mängel sind unverzüglich schriftlich anzuzeigen. ' +
  'Quarterly revenue rose 4.2% to $1.25M while operating margin narrowed to 11.8% as freight costs increased. 納期は注文日から30日以内とします。'
).split(' ');

function chunk(random: () => number, chars: number): string {
  const words: string[] = [];
  for (let length = 0; length < chars;) {
    const word = PROSE[Math.floor(random() * PROSE.length)];
    words.push(word);
    length += word.length + 1;
  }
  return words.join(' ');
}

/** One /v1/embeddings input line of about 1-4 KB: one chunk, or (a fifth of the lines) 2-6 smaller ones. */
export function embeddingRequestLine(i: number, random: () => number, model = TITAN): string {
  const input =
    i % 5 === 4
      ? Array.from({ length: 2 + (i % 5) }, () => chunk(random, 200 + Math.floor(random() * 400)))
      : chunk(random, 700 + Math.floor(random() * 2900));
  return JSON.stringify({
    custom_id: customIdOf(i),
    method: 'POST',
    url: '/v1/embeddings',
    body: { model, input, dimensions: 1024, ...(i % 4 === 3 ? { encoding_format: 'base64' } : {}) },
  });
}

/** A unit-ish vector as providers print it (9 significant digits). */
function vector(random: () => number, dimensions: number): number[] {
  return Array.from({ length: dimensions }, () => Number(((random() - 0.5) / 16).toPrecision(9)));
}

/** One provider result line for request i. About 2% fail. */
export function embeddingResultLine(kind: Exclude<EmbeddingInputKind, 'openai-embeddings'>, i: number, random: () => number): string {
  const failed = i % 50 === 49;
  if (kind === 'bedrock-embed-output') {
    const modelInput = { inputText: chunk(random, 700 + Math.floor(random() * 2900)), dimensions: 1024 };
    if (failed)
      return JSON.stringify({
        recordId: recordIdFor(i),
        modelInput,
        error: { errorCode: 400, errorMessage: '400 Bad Request: Too many input tokens. Max input tokens: 8192' },
      });
    const embedding = vector(random, 1024);
    return JSON.stringify({
      recordId: recordIdFor(i),
      modelInput,
      modelOutput: { embedding, inputTextTokenCount: Math.ceil(modelInput.inputText.length / 4), embeddingsByType: { float: embedding } },
    });
  }
  const key = `0:${customIdOf(i)}`;
  if (failed) return JSON.stringify({ key, error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } });
  return JSON.stringify({
    key,
    response: { embedding: { values: vector(random, 768) }, tokenCount: String(200 + Math.floor(random() * 700)) },
  });
}

export async function writeEmbeddingFile(
  path: string,
  kind: EmbeddingInputKind,
  targetBytes: number,
  seed = 11,
): Promise<{ bytes: number; lines: number }> {
  const random = randomSource(seed);
  if (kind === 'openai-embeddings') return writeGeneratedLines(path, targetBytes, (i) => embeddingRequestLine(i, random));
  return writeGeneratedLines(path, targetBytes, (i) => embeddingResultLine(kind, i, random));
}

type LineConverter = (text: string, lineNumber: number) => string;

const outputLine = (customId: string, line: { response: unknown; error: unknown }) => ({
  id: batchRequestId(BATCH_ID, customId),
  custom_id: customId,
  response: line.response,
  error: line.error,
});
const shape = (customId: string, encodingFormat: 'float' | 'base64'): LineShape => ({
  customId,
  parts: 1,
  encodingFormat,
  requestId: `req-${customId}`,
});

export const EMBEDDING_DIRECTIONS: ReadonlyArray<{ name: string; input: EmbeddingInputKind; functions: string; create(): LineConverter }> =
  [
    {
      name: 'openai embeddings → titan records',
      input: 'openai-embeddings',
      functions: 'bedrock/embedding-batches.ts stagedEmbeddingRecords (record + meta line per text)',
      create: () => {
        let index = 0;
        return (text, lineNumber) => {
          const request = JSON.parse(text) as BatchRequestInput;
          return stagedEmbeddingRecords(request, 'titan-embed', lineNumber)
            .map((r) => `${JSON.stringify({ recordId: recordIdFor(index++), modelInput: r.modelInput })}\n${JSON.stringify(r.meta)}`)
            .join('\n');
        };
      },
    },
    {
      name: 'openai embeddings → gemini lines',
      input: 'openai-embeddings',
      functions: 'gemini/embeddings.ts toGeminiEmbedLines',
      create: () => (text, lineNumber) => {
        const request = JSON.parse(text.replace(TITAN, GEMINI)) as BatchRequestInput;
        return toGeminiEmbedLines(request, lineNumber)
          .map((l) => JSON.stringify(l))
          .join('\n');
      },
    },
    {
      name: 'titan embeddings → openai',
      input: 'bedrock-embed-output',
      functions: 'bedrock/embeddings.ts fromEmbeddingOutput + embedding-parts.ts joinedLine',
      create: () => (text) => {
        const record = JSON.parse(text) as { recordId: string; modelOutput?: unknown; error?: { errorCode: number; errorMessage: string } };
        const index = recordIndexOf(record.recordId) ?? 0;
        const customId = customIdOf(index);
        const outcome = record.error
          ? {
              ok: false as const,
              status: record.error.errorCode,
              message: record.error.errorMessage,
              type: 'invalid_request_error',
              code: null,
            }
          : fromEmbeddingOutput(record.modelOutput, 'titan-embed', 1);
        return JSON.stringify(outputLine(customId, joinedLine(shape(customId, index % 4 === 3 ? 'base64' : 'float'), [outcome], TITAN)));
      },
    },
    {
      name: 'gemini embeddings → openai',
      input: 'gemini-embed-responses',
      functions: 'gemini/response.ts parseResponseLine + gemini/embeddings.ts embedOutcome + joinedLine',
      create: () => (text, lineNumber) => {
        const parsed = parseResponseLine(text, lineNumber);
        const { customId } = parseEmbedPartKey(parsed.key)!;
        const outcome = embedOutcome(parsed as { response?: unknown }, 1);
        return JSON.stringify(outputLine(customId, joinedLine(shape(customId, 'float'), [outcome], GEMINI)));
      },
    },
  ];
