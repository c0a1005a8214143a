// The simulated Meta Llama 3 and 4 models: an InvokeModel body with a prompt in the Llama chat template
// (max_gen_len 1-2048), answered with {generation, prompt_token_count, generation_token_count, stop_reason}.
import { checkKeys, checkTemperature, invalid, reply, tokensOf, triggers, type Answer } from './model-common';

export function answerLlama(body: Record<string, unknown>, inBatchJob: boolean): Answer {
  checkKeys(body, ['prompt', 'max_gen_len', 'temperature', 'top_p', 'images']);
  if (typeof body.prompt !== 'string' || body.prompt.length === 0) invalid('prompt: required string');
  const maxGen = body.max_gen_len;
  if (maxGen !== undefined && (typeof maxGen !== 'number' || !Number.isInteger(maxGen) || maxGen < 1 || maxGen > 2048))
    invalid('max_gen_len: must be an integer from 1 to 2048');
  checkTemperature(body.temperature, 'temperature');
  const prompt = body.prompt as string;
  // The last user turn of a Llama 3 or Llama 4 chat template.
  const turns = [
    ...prompt.matchAll(
      /(?:<\|start_header_id\|>|<\|header_start\|>)user(?:<\|end_header_id\|>|<\|header_end\|>)\n\n([\s\S]*?)(?:<\|eot_id\|>|<\|eot\|>)/g,
    ),
  ];
  const lastUserText = turns.length ? turns[turns.length - 1][1] : prompt;
  const special = triggers(prompt, inBatchJob);
  if (special) return special;
  const r = reply('llama', lastUserText, maxGen as number | undefined, []);
  const inputTokens = tokensOf(prompt);
  return {
    kind: 'output',
    inputTokens,
    outputTokens: r.words,
    output: {
      generation: r.text,
      prompt_token_count: inputTokens,
      generation_token_count: r.words,
      stop_reason: r.stop === 'length' ? 'length' : 'stop',
    },
  };
}
