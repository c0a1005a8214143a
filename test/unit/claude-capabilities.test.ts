// The Claude capability table: which model takes which sampling parameters, read from every id form,
// and what the shared converter sends (Anthropic and Bedrock use the same one).
import { claudeCapabilities, claudeVersion } from '#lambda/providers/anthropic/capabilities';
import { ConversionError, samplingParams } from '#lambda/providers/anthropic/request';
import { toClaudeRequest } from '#lambda/providers/bedrock/claude';
import { BedrockTranslationError } from '#lambda/providers/bedrock/translate-common';

describe('claudeVersion / claudeCapabilities', () => {
  it.each([
    ['claude-3-haiku-20240307', 3, 'both'],
    ['claude-3-7-sonnet-20250219', 3.7, 'both'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 3.5, 'both'],
    ['claude-sonnet-4-20250514', 4, 'both'],
    ['anthropic.claude-opus-4-20250514-v1:0', 4, 'both'],
    ['claude-opus-4-1-20250805', 4.1, 'one'],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 4.5, 'one'],
    ['claude-haiku-4-5', 4.5, 'one'],
    ['global.anthropic.claude-opus-4-6-v1', 4.6, 'one'],
    ['claude-opus-4-7', 4.7, 'none'],
    ['claude-sonnet-5', 5, 'none'],
    ['claude-haiku-5-5', 5.5, 'none'],
    ['arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-5-5-v1:0', 5.5, 'none'],
    ['claude-unknown', null, 'one'],
  ] as const)('%s → version %s, sampling %s', (model, version, sampling) => {
    expect(claudeVersion(model)).toBe(version);
    expect(claudeCapabilities(model).sampling).toBe(sampling);
  });
});

describe('samplingParams: temperature and top_p per model', () => {
  const body = (model: string, extra: Record<string, unknown>) => ({
    model,
    messages: [{ role: 'user' as const, content: 'hi' }],
    ...extra,
  });
  it.each([
    ['older models keep both', 'claude-3-5-haiku-20241022', { temperature: 0.5, top_p: 0.9 }, { temperature: 0.5, top_p: 0.9 }],
    ['one-of models keep temperature and drop top_p', 'claude-sonnet-4-5-20250929', { temperature: 0.5, top_p: 0.9 }, { temperature: 0.5 }],
    ['one-of models keep top_p alone', 'claude-haiku-4-5', { top_p: 0.9 }, { top_p: 0.9 }],
    ['one-of models clamp temperature to 1', 'claude-opus-4-1', { temperature: 1.8 }, { temperature: 1 }],
    ['sampling-free models drop the defaults', 'claude-opus-4-7', { temperature: 1, top_p: 1 }, {}],
    ['nothing given, nothing sent', 'claude-sonnet-5', {}, {}],
  ] as const)('%s', (_name, model, extra, expected) => {
    expect(samplingParams(body(model, extra))).toEqual(expected);
  });

  it.each([
    ['claude-opus-4-7', { temperature: 0.2 }, 'temperature'],
    ['claude-sonnet-5', { top_p: 0.9 }, 'top_p'],
  ] as const)('%s refuses %j naming the field', (model, extra, field) => {
    let error: unknown;
    try {
      samplingParams(body(model, extra));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConversionError);
    expect((error as ConversionError).field).toBe(field);
    expect((error as Error).message).toMatch(/no sampling parameters/);
  });

  it('Claude on Bedrock applies the same table, by its Bedrock id', () => {
    const request = toClaudeRequest(body('us.anthropic.claude-sonnet-4-5-20250929-v1:0', { temperature: 0.3, top_p: 0.8 }));
    expect(request.temperature).toBe(0.3);
    expect(request).not.toHaveProperty('top_p');
    expect(() => toClaudeRequest(body('anthropic.claude-opus-4-7-v1:0', { temperature: 0.3 }))).toThrow(BedrockTranslationError);
  });
});
