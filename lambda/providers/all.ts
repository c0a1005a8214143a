// Registers every provider adapter. Adding a provider: one folder under lambda/providers/ and one line here.
import { registerAdapter } from './registry';
import { openaiAdapter } from './openai/adapter';
import { anthropicAdapter } from './anthropic/adapter';
import { geminiAdapter } from './gemini/adapter';
import { bedrockAdapter } from './bedrock/adapter';

registerAdapter(openaiAdapter);
registerAdapter(anthropicAdapter);
registerAdapter(geminiAdapter);
registerAdapter(bedrockAdapter);
