// The ProviderContext an adapter gets in production (lambda/runtime.ts), built for a test: the
// adapter talks to a simulator, stores blobs where the test says, and logs nothing.
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig, type RuntimeConfig } from '#lambda/config';
import type { ProviderContext } from '#lambda/providers/provider';
import type { BlobStore } from '#lambda/store/blobs';
import type { FileRecord } from '#contracts/records';

export interface SimulatorContextOptions {
  blobs: BlobStore;
  /** What credentials() hands out (a running simulator has both). Leave out for Bedrock, which signs with AWS credentials. */
  endpoint?: { url: string; apiKey: string };
  /** Default: loadConfig({}). */
  config?: RuntimeConfig;
  /**
   * Whether the adapter may register files of its own (Anthropic does, for inline requests). When
   * false, registerFile throws, so an adapter that starts doing it fails the test instead of passing.
   */
  registersFiles?: boolean;
}

export interface SimulatorContext extends ProviderContext {
  /** Every file the adapter registered, in order. */
  readonly registered: FileRecord[];
}

export function simulatorContext(options: SimulatorContextOptions): SimulatorContext {
  const { blobs, endpoint, config = loadConfig({}), registersFiles = true } = options;
  const registered: FileRecord[] = [];
  return {
    config,
    blobs,
    logger: new Logger({ logLevel: 'SILENT' }),
    registered,
    credentials: async () => {
      if (!endpoint) throw new Error('this provider signs with AWS credentials; it must not ask for an API key');
      return { baseUrl: endpoint.url, apiKey: endpoint.apiKey };
    },
    registerFile: async (file) => {
      if (!registersFiles) throw new Error(`the adapter registered file ${file.id}, which it never should`);
      const record: FileRecord = { createdAt: 1, status: 'processed', statusDetails: null, expiresAt: null, ...file };
      registered.push(record);
      return record;
    },
  };
}
