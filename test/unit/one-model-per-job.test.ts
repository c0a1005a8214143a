// The simulators enforce "one model per job" as each provider does (docs/providers.md): a Bedrock job
// has one modelId and its records carry only a modelInput, so a record shaped for another model's
// family (or naming a model) is a per-record validation error; a Gemini batch runs the model of its URL,
// so a line naming another model is refused.
import { answer, ModelError } from '#local/simulators/bedrock/model-behaviour';
import { simulateOutcome } from '#local/simulators/gemini/outcomes';

const NOVA = 'amazon.nova-lite-v1:0';
const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const claudeBody = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] };
const novaBody = {
  schemaVersion: 'messages-v1',
  messages: [{ role: 'user', content: [{ text: 'Hello' }] }],
  inferenceConfig: { maxTokens: 50 },
};

describe('Bedrock simulator: a job runs its one modelId', () => {
  test.each<[string, 'claude' | 'nova', string, Record<string, unknown>, boolean]>([
    ['a Claude record in a Claude job', 'claude', HAIKU, claudeBody, true],
    ['a Nova record in a Nova job', 'nova', NOVA, novaBody, true],
    ['a Nova record in a Claude job', 'claude', HAIKU, novaBody, false],
    ['a Claude record in a Nova job', 'nova', NOVA, claudeBody, false],
    ['a record that names a model', 'claude', HAIKU, { ...claudeBody, model: NOVA }, false],
  ])('%s', (_name, family, modelId, body, runs) => {
    const run = () => answer(family, modelId, body, true);
    if (runs) expect(run()).toMatchObject({ kind: 'output' });
    else expect(run).toThrow(ModelError);
  });
});

describe('Gemini simulator: a batch runs the model of its URL', () => {
  const request = (model?: string) => ({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }], ...(model ? { model } : {}) });
  test.each<[string, string | undefined, boolean]>([
    ['a line naming no model', undefined, true],
    ['a line naming the batch model', 'models/gemini-2.5-flash', true],
    ['a line naming another model', 'models/gemini-2.5-flash-lite', false],
  ])('%s', (_name, model, runs) => {
    const outcome = simulateOutcome('seed', 'k1', request(model), 'gemini-2.5-flash');
    if (runs) expect(outcome).toHaveProperty('response');
    else
      expect(outcome).toEqual({
        error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/not the model of this batch/) },
      });
  });
});

// OpenAI's rule (a batch file of two models fails with model_mismatch at the second model's line) is
// table-tested with the OpenAI simulator's other input rules in test/unit/openai-simulator.test.ts.
