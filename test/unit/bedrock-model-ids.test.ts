// Bedrock model ids: which run on demand through an inference profile, and which Nova ids are no chat models.
import { onDemandModelId, profileGeography } from '#lambda/providers/bedrock/inference-profiles';
import { familyOf, requireFamily } from '#lambda/providers/bedrock/model-family';
import { GatewayError } from '#lambda/http/errors';

describe('onDemandModelId', () => {
  it.each([
    ['anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-east-1', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['anthropic.claude-3-7-sonnet-20250219-v1:0', 'eu-central-1', 'eu.anthropic.claude-3-7-sonnet-20250219-v1:0'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'ap-northeast-1', 'apac.anthropic.claude-3-5-sonnet-20241022-v2:0'],
    ['amazon.nova-premier-v1:0', 'us-gov-west-1', 'us-gov.amazon.nova-premier-v1:0'],
    ['amazon.nova-2-lite-v1:0', 'sa-east-1', 'global.amazon.nova-2-lite-v1:0'],
    ['meta.llama3-3-70b-instruct-v1:0', 'us-west-2', 'us.meta.llama3-3-70b-instruct-v1:0'],
    // Models with on-demand throughput, profile ids and ARNs are used as given.
    ['anthropic.claude-3-haiku-20240307-v1:0', 'us-east-1', 'anthropic.claude-3-haiku-20240307-v1:0'],
    ['amazon.nova-lite-v1:0', 'us-east-1', 'amazon.nova-lite-v1:0'],
    ['meta.llama3-1-8b-instruct-v1:0', 'us-east-1', 'meta.llama3-1-8b-instruct-v1:0'],
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-east-1', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    [
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-4-1-20250805-v1:0',
      'us-east-1',
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-4-1-20250805-v1:0',
    ],
  ])('%s in %s → %s', (model, region, expected) => {
    expect(onDemandModelId(model, region)).toBe(expected);
  });

  it('maps regions to profile geographies', () => {
    expect(['us-east-2', 'eu-west-3', 'ap-south-1', 'us-gov-east-1', 'ca-central-1'].map(profileGeography)).toEqual([
      'us',
      'eu',
      'apac',
      'us-gov',
      'global',
    ]);
  });
});

describe('Nova ids that are no chat models', () => {
  it.each([
    ['amazon.nova-canvas-v1:0', /Nova Canvas, an image generation model/],
    ['amazon.nova-reel-v1:1', /Nova Reel, a video generation model/],
    ['amazon.nova-sonic-v1:0', /Nova Sonic, a speech-to-speech model/],
    ['us.amazon.nova-2-sonic-v1:0', /Nova Sonic/],
    ['amazon.nova-2-multimodal-embeddings-v1:0', /Embeddings, an embeddings model/],
  ])('%s is refused with a 400 naming it', (model, kind) => {
    expect(familyOf(model)).toBeNull();
    let error: unknown;
    try {
      requireFamily(model);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    expect((error as Error).message).toContain(JSON.stringify(model));
    expect((error as Error).message).toMatch(kind);
    expect((error as Error).message).toMatch(/not a chat model/);
  });

  it.each([
    'amazon.nova-micro-v1:0',
    'amazon.nova-lite-v1:0',
    'us.amazon.nova-pro-v1:0',
    'amazon.nova-premier-v1:0',
    'global.amazon.nova-2-lite-v1:0',
  ])('%s is a chat model', (model) => {
    expect(familyOf(model)).toBe('nova');
  });
});
