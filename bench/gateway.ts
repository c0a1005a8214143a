// Measurements through the local gateway (the real handlers behind the local API server, with the
// DynamoDB/S3 stand-ins and provider simulators):
//  - per-request overhead: files.retrieve through the gateway (server → API Gateway event → authorizer
//    → handler → DynamoDB stand-in) against the OpenAI simulator answering GET /v1/files/{id} itself,
//    both called with the official SDK, interleaved so that drift hits both;
//  - a large file through the Uploads API: time of the parts and of uploads.complete (which has to
//    fit API Gateway's 29 s).
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { S3Client } from '@aws-sdk/client-s3';
import type { LocalGateway } from '#local/gateway';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';
import { S3BlobStore } from '#lambda/store/blobs';
import { validateBatchFile } from '#lambda/batch-files/validate';
import { concatenateParts } from '#lambda/uploads/concat';

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface GatewayOverhead {
  requests: number;
  gateway: LatencySummary;
  direct: LatencySummary;
  /** gateway / direct. */
  p50Ratio: number;
  p99Ratio: number;
}

export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50Ms: at(0.5), p99Ms: at(0.99), meanMs: sorted.reduce((s, x) => s + x, 0) / sorted.length };
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await call();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Starts the local gateway (quietly) for the duration of `fn`. */
export async function withLocalGateway<T>(fn: (gateway: LocalGateway) => Promise<T>): Promise<T> {
  // The handlers log every request at INFO otherwise, which would be measured too. The logger is
  // created when the runtime is first imported, hence the dynamic import after this line.
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  const { startLocalGateway } = await import('#local/gateway');
  const dataDir = mkdtempSync(join(tmpdir(), 'finops-bench-gateway-'));
  const gateway = await startLocalGateway({ port: 0, dataDir, apiKeys: ['sk-finops-bench'], simulatorStepMs: 1000 });
  try {
    return await fn(gateway);
  } finally {
    await gateway.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function measureGatewayOverhead(gateway: LocalGateway, requests = 300, warmup = 30): Promise<GatewayOverhead> {
  const simulator = gateway.providers.find((p) => p.provider === 'openai')?.simulator;
  if (!simulator) throw new Error('the OpenAI provider is not simulated (OPENAI_API_KEY is set?); unset it to run this benchmark');
  const viaGateway = new OpenAI({ baseURL: gateway.baseURL, apiKey: gateway.apiKeys[0], maxRetries: 0 });
  const direct = new OpenAI({ baseURL: simulator.url, apiKey: simulator.apiKey, maxRetries: 0 });

  const line = JSON.stringify({
    custom_id: 'r1',
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  });
  const gatewayFile = await viaGateway.files.create({
    file: await toFile(Buffer.from(line + '\n'), 'bench.jsonl'),
    purpose: 'batch',
    provider: 'openai',
  } as never);
  const simulatorFile = (await direct.files.list()).data.find((f) => f.filename === 'bench.jsonl');
  if (!simulatorFile) throw new Error('the gateway did not forward the file to the OpenAI simulator');

  for (let i = 0; i < warmup; i++) {
    await viaGateway.files.retrieve(gatewayFile.id);
    await direct.files.retrieve(simulatorFile.id);
  }
  const gatewayMs: number[] = [];
  const directMs: number[] = [];
  for (let i = 0; i < requests; i++) {
    gatewayMs.push(await timed(() => viaGateway.files.retrieve(gatewayFile.id)));
    directMs.push(await timed(() => direct.files.retrieve(simulatorFile.id)));
  }
  const g = summarize(gatewayMs);
  const d = summarize(directMs);
  return { requests, gateway: g, direct: d, p50Ratio: g.p50Ms / d.p50Ms, p99Ratio: g.p99Ms / d.p99Ms };
}

export interface UploadTiming {
  provider: string;
  bytes: number;
  parts: number;
  partsMs: number;
  completeMs: number;
  /** uploads.complete has to answer within API Gateway's integration timeout. */
  fitsApiGateway: boolean;
  /** The gateway file the upload made. */
  fileId?: string;
}

export const API_GATEWAY_TIMEOUT_MS = 29_000;

/** Uploads a file from disk with the Uploads API (parts read one at a time) and times parts and completion. */
export async function measureUpload(gateway: LocalGateway, path: string, provider: string, partBytes = 4_500_000): Promise<UploadTiming> {
  const client = new OpenAI({ baseURL: gateway.baseURL, apiKey: gateway.apiKeys[0], maxRetries: 0, timeout: 600_000 });
  const bytes = statSync(path).size;
  const upload = await client.uploads.create({
    filename: 'bench_large.jsonl',
    purpose: 'batch',
    bytes,
    mime_type: 'application/jsonl',
    provider,
  } as never);
  const fd = openSync(path, 'r');
  const partIds: string[] = [];
  const partsStarted = Date.now();
  try {
    const buffer = Buffer.alloc(partBytes);
    for (let offset = 0; offset < bytes; offset += partBytes) {
      const read = readSync(fd, buffer, 0, partBytes, offset);
      const part = await client.uploads.parts.create(upload.id, { data: await toFile(Buffer.from(buffer.subarray(0, read)), 'part') });
      partIds.push(part.id);
    }
  } finally {
    closeSync(fd);
  }
  const partsMs = Date.now() - partsStarted;
  let fileId: string | undefined;
  const completeMs = await timed(async () => {
    fileId = ((await client.uploads.complete(upload.id, { part_ids: partIds })) as { file?: { id: string } }).file?.id;
  });
  return { provider, bytes, parts: partIds.length, partsMs, completeMs, fitsApiGateway: completeMs < API_GATEWAY_TIMEOUT_MS, fileId };
}

export interface CompletionPhases {
  bytes: number;
  parts: number;
  /** Parts → one object: what lambda/uploads/concat.ts streams during uploads.complete. */
  concatenateMs: number;
  /** The validation pass ingestBatchFile makes over the stored file. */
  validateMs: number;
}

/**
 * The two storage-bound phases of uploads.complete, timed on their own against the gateway's S3 stand-in:
 * concatenating the parts, and the validation pass over the result. (The handlers' own timing log is not
 * visible here: the logger's level is fixed per invocation.)
 */
export async function measureCompletionPhases(gateway: LocalGateway, path: string, partBytes = 4_500_000): Promise<CompletionPhases> {
  const s3 = new S3Client({
    endpoint: gateway.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const blobs = new S3BlobStore(s3);
  const bucket = 'finops-files';
  const bytes = statSync(path).size;
  const parts = [];
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(partBytes);
    for (let offset = 0, i = 0; offset < bytes; offset += partBytes, i++) {
      const read = readSync(fd, buffer, 0, partBytes, offset);
      const location = { bucket, key: `bench/parts/${i}` };
      await blobs.put(location, Buffer.from(buffer.subarray(0, read)));
      parts.push(location);
    }
  } finally {
    closeSync(fd);
  }
  const target = { bucket, key: 'bench/complete.jsonl' };
  const concatenation = concatenateParts(parts, (location) => blobs.get(location));
  const concatenateMs = await timed(() => blobs.put(target, concatenation.stream, 'application/jsonl'));
  if (concatenation.summary().bytes !== bytes) throw new Error('the concatenation lost bytes');
  const validateMs = await timed(() => validateBatchFile(blobs.readLines(target)));
  for (const location of [...parts, target]) await blobs.delete(location);
  s3.destroy();
  return { bytes, parts: parts.length, concatenateMs, validateMs };
}
