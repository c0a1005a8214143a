// The Gemini capability table: thinking control and thought signatures per model, as the converter
// applies them (docs/providers.md, "Gemini").
import { geminiCapabilities } from '#lambda/providers/gemini/capabilities';
import { FOREIGN_THOUGHT_SIGNATURE, GeminiConversionError, toGenerateContentRequest } from '#lambda/providers/gemini/request';
import type { ChatCompletionRequest } from '#contracts/openai-types';

const ask = (model: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const toolHistory = (model: string): ChatCompletionRequest => ({
  model,
  messages: [
    { role: 'user', content: 'Weather in Paris and Rome?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'c2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'c1', content: '21' },
    { role: 'tool', tool_call_id: 'c2', content: '25' },
  ],
});

describe('geminiCapabilities', () => {
  it.each([
    ['gemini-3-pro-preview', 'level', true],
    ['gemini-3.1-pro-preview', 'level', true],
    ['gemini-3-flash-preview', 'level', true],
    ['gemini-3.1-flash-lite-preview', 'level', true],
    ['gemini-2.5-pro', 'budget', false],
    ['gemini-2.5-flash-lite', 'budget', false],
    ['gemini-2.0-flash', 'none', false],
    ['models/gemini-1.5-pro-002', 'none', false],
    ['my-tuned-model', 'budget', true],
  ] as const)('%s: thinking by %s, signatures %s', (model, thinking, signatures) => {
    expect(geminiCapabilities(model)).toMatchObject({ thinking, needsThoughtSignatures: signatures });
  });
});

describe('reasoning_effort per model', () => {
  it.each([
    ['gemini-3-flash-preview', 'none', { thinkingLevel: 'MINIMAL' }],
    ['gemini-3-flash-preview', 'medium', { thinkingLevel: 'MEDIUM' }],
    ['gemini-3-pro-preview', 'low', { thinkingLevel: 'LOW' }],
    ['gemini-3-pro-preview', 'medium', { thinkingLevel: 'HIGH' }],
    ['gemini-3.1-pro-preview', 'minimal', { thinkingLevel: 'LOW' }],
    ['gemini-2.5-flash', 'none', { thinkingBudget: 0 }],
    ['gemini-2.5-pro', 'low', { thinkingBudget: 1024 }],
    ['gemini-2.5-pro', 'high', { thinkingBudget: 24576 }],
  ] as const)('%s, %s → %j', (model, effort, thinkingConfig) => {
    expect(toGenerateContentRequest(ask(model, { reasoning_effort: effort } as never)).generationConfig).toEqual({ thinkingConfig });
  });

  it('a model without thinking takes "none" and sends nothing', () => {
    expect(toGenerateContentRequest(ask('gemini-2.0-flash', { reasoning_effort: 'none' } as never)).generationConfig).toBeUndefined();
  });

  it.each([
    ['gemini-2.5-pro', 'none', /cannot turn thinking off/],
    ['gemini-3-pro-preview', 'none', /cannot turn thinking off/],
    ['gemini-2.0-flash', 'high', /do not think/],
    ['gemini-3-flash-preview', 'extreme', /use one of/],
  ] as const)('%s refuses reasoning_effort %s naming the field', (model, effort, message) => {
    let error: unknown;
    try {
      toGenerateContentRequest(ask(model, { reasoning_effort: effort } as never));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GeminiConversionError);
    expect((error as GeminiConversionError).field).toBe('reasoning_effort');
    expect((error as Error).message).toMatch(message);
  });
});

describe('thought signatures for a history that did not come from Gemini', () => {
  it('Gemini 3: the first function call of each model step carries the documented placeholder', () => {
    const model = toGenerateContentRequest(toolHistory('gemini-3-flash-preview')).contents[1];
    expect(model.parts).toEqual([
      { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: FOREIGN_THOUGHT_SIGNATURE },
      { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
    ]);
  });

  it('Gemini 2.5: no signature is invented', () => {
    const model = toGenerateContentRequest(toolHistory('gemini-2.5-flash')).contents[1];
    expect(model.parts.every((p) => p.thoughtSignature === undefined)).toBe(true);
  });
});
