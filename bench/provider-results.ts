// Realistic provider result files for the return direction of the benchmark, in each provider's own
// format: Bedrock `.jsonl.out` records (which echo the modelInput), Anthropic Message Batches results,
// Gemini batch responses. About 2% of requests fail, as real batches do.
import { chatRequestLine, randomSource, writeGeneratedLines } from './workload';

export type ResultFormat = 'bedrock-output' | 'anthropic-results' | 'gemini-responses';

const ANSWERS = [
  'Here is a summary of the figures you provided. Revenue for the quarter rose 4.2% against the forecast, while the margin narrowed because supplier costs increased. ',
  'Merci pour votre message. Voici les obligations principales de chaque partie, les échéances importantes et les pénalités prévues en cas de retard. ',
  '{"category": "shipping", "urgency": 3, "summary": "The customer reports a delayed delivery and asks for the tracking number."} ',
  '1. Öffnen Sie das Menü. 2. Wählen Sie „Rechnung prüfen“. 3. Bestätigen Sie die Lieferung. ',
];

function answerText(random: () => number): string {
  const base = ANSWERS[Math.floor(random() * ANSWERS.length)];
  return base.repeat(2 + Math.floor(random() * 10)).trim();
}

const customIdOf = (i: number) => `request-${String(i).padStart(6, '0')}`;
const failed = (i: number) => i % 50 === 49;

/** One result line for request `i` in the given provider format. */
export function providerResultLine(format: ResultFormat, i: number, random: () => number): string {
  const text = answerText(random);
  const inputTokens = 200 + Math.floor(random() * 800);
  const outputTokens = Math.ceil(text.length / 4);
  switch (format) {
    case 'bedrock-output': {
      const request = JSON.parse(chatRequestLine(i, random, { model: 'anthropic.claude-3-haiku-20240307-v1:0' })) as {
        body: { messages: Array<{ role: string; content: string }>; max_tokens: number };
      };
      const [system, user] = request.body.messages;
      const modelInput = {
        anthropic_version: 'bedrock-2023-05-31',
        system: system.content,
        messages: [{ role: 'user', content: user.content }],
        max_tokens: request.body.max_tokens,
      };
      const recordId = `R${String(i + 1).padStart(8, '0')}`;
      if (failed(i))
        return JSON.stringify({
          recordId,
          modelInput,
          error: { errorCode: 400, errorMessage: 'Malformed input request, please reformat your input and try again.' },
        });
      return JSON.stringify({
        recordId,
        modelInput,
        modelOutput: {
          id: `msg_bdrk_${String(i).padStart(20, '0')}`,
          type: 'message',
          role: 'assistant',
          model: 'claude-3-haiku-20240307',
          content: [{ type: 'text', text }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: outputTokens },
        },
      });
    }
    case 'anthropic-results': {
      if (failed(i)) {
        return JSON.stringify({
          custom_id: customIdOf(i),
          result: {
            type: 'errored',
            error: {
              type: 'error',
              error: { type: 'overloaded_error', message: 'Overloaded' },
              request_id: `req_${String(i).padStart(24, '0')}`,
            },
          },
        });
      }
      return JSON.stringify({
        custom_id: customIdOf(i),
        result: {
          type: 'succeeded',
          message: {
            id: `msg_${String(i).padStart(24, '0')}`,
            type: 'message',
            role: 'assistant',
            model: 'claude-3-5-haiku-20241022',
            content: [{ type: 'text', text }],
            stop_reason: 'end_turn',
            stop_sequence: null,
            usage: { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
          },
        },
      });
    }
    case 'gemini-responses': {
      if (failed(i))
        return JSON.stringify({ key: customIdOf(i), error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } });
      return JSON.stringify({
        key: customIdOf(i),
        response: {
          candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
          usageMetadata: { promptTokenCount: inputTokens, candidatesTokenCount: outputTokens, totalTokenCount: inputTokens + outputTokens },
          modelVersion: 'gemini-2.5-flash',
          responseId: `resp-${String(i).padStart(16, '0')}`,
        },
      });
    }
  }
}

/** Streams a provider result file of about `targetBytes` to disk. */
export async function writeProviderResults(
  path: string,
  format: ResultFormat,
  targetBytes: number,
  seed = 7,
): Promise<{ bytes: number; lines: number }> {
  const random = randomSource(seed);
  return writeGeneratedLines(path, targetBytes, (i) => providerResultLine(format, i, random));
}
