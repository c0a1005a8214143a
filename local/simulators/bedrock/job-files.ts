// A job's files in the local S3 server (s3rver): reading and checking its input records, writing
// `<output>/<jobId>/<input name>.out` and `manifest.json.out`.
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from '#lambda/store/blobs';
import { parseS3Uri, type InputRecord, type SimJob } from './jobs';

const MAX_RECORDS = 50_000;

type S3Object = { bucket: string; key: string };

export class JobFiles {
  private readonly s3: S3Client;

  constructor(endpoint: string, region: string) {
    this.s3 = new S3Client({
      ...s3ClientConfig(region),
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  }

  destroy(): void {
    this.s3.destroy();
  }

  /**
   * Reads the job's input into job.records (and an empty output list per input file), or says why the
   * job fails validation: input missing or unreadable, a line not JSON, fewer than minRecords or more
   * than 50,000 records.
   */
  async readRecords(job: SimJob, minRecords: number): Promise<string | null> {
    const uri = job.inputDataConfig.s3InputDataConfig.s3Uri;
    let files: S3Object[];
    try {
      files = await this.inputFiles(uri);
    } catch (err) {
      return `Unable to access the input S3 location ${uri}: ${(err as Error).name}`;
    }
    if (files.length === 0) return `No .jsonl input files found at ${uri}`;
    const records: InputRecord[] = [];
    for (const file of files) {
      if (!file.key.endsWith('.jsonl')) return `Input file ${file.key} must have the .jsonl extension`;
      let text: string;
      try {
        text = await this.readObject(file);
      } catch (err) {
        return `Unable to read input file s3://${file.bucket}/${file.key}: ${(err as Error).name}`;
      }
      const problem = parseRecords(text, file.key, records);
      if (problem) return problem;
    }
    if (records.length < minRecords) {
      return `The number of records in the input (${records.length}) is less than the minimum number of records per batch inference job (${minRecords}).`;
    }
    if (records.length > MAX_RECORDS)
      return `The number of records in the input (${records.length}) exceeds the maximum of ${MAX_RECORDS}.`;
    job.records = records;
    for (const file of files) job.outputs.set(file.key, []);
    return null;
  }

  /** Writes the output lines the job has so far, one .out per input file, and the manifest. */
  async writeOutputs(job: SimJob): Promise<void> {
    const folder = outputFolder(job);
    for (const [file, lines] of job.outputs) {
      if (lines.length === 0) continue;
      const name = file.slice(file.lastIndexOf('/') + 1);
      await this.put(folder.bucket, `${folder.prefix}${name}.out`, lines.join('\n') + '\n', 'application/jsonl');
    }
    const manifest = {
      totalRecordCount: job.records?.length ?? 0,
      processedRecordCount: job.processed,
      successRecordCount: job.success,
      errorRecordCount: job.errors,
      inputTokenCount: job.inputTokens,
      outputTokenCount: job.outputTokens,
    };
    await this.put(folder.bucket, `${folder.prefix}manifest.json.out`, JSON.stringify(manifest), 'application/json');
  }

  private async put(bucket: string, key: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  }

  private async readObject({ bucket, key }: S3Object): Promise<string> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return res.Body!.transformToString('utf8');
  }

  /** The input: one object, or every .jsonl object under a prefix. */
  private async inputFiles(uri: string): Promise<S3Object[]> {
    const parsed = parseS3Uri(uri)!;
    if (parsed.key !== '' && !parsed.key.endsWith('/')) return [parsed];
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: parsed.bucket, Prefix: parsed.key, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('.jsonl')) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.map((key) => ({ bucket: parsed.bucket, key }));
  }
}

/** Appends the records of one input file; a line that is not a record is the job's validation failure. */
function parseRecords(text: string, key: string, records: InputRecord[]): string | null {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    let value: { recordId?: unknown; modelInput?: unknown };
    try {
      value = JSON.parse(lines[i]);
    } catch {
      return `Invalid JSONL in ${key} at line ${i + 1}`;
    }
    if (typeof value !== 'object' || value === null || typeof value.modelInput !== 'object' || value.modelInput === null) {
      return `Record at line ${i + 1} of ${key} has no modelInput object`;
    }
    if (value.recordId !== undefined && (typeof value.recordId !== 'string' || !/^[A-Za-z0-9]+$/.test(value.recordId))) {
      return `Record at line ${i + 1} of ${key}: recordId must be alphanumeric`;
    }
    // Bedrock adds an 11-character id to records that have none.
    const recordId = (value.recordId as string | undefined) ?? randomBytes(8).toString('hex').slice(0, 11).toUpperCase();
    records.push({ recordId, modelInput: value.modelInput, file: key });
  }
  return null;
}

function outputFolder(job: SimJob): { bucket: string; prefix: string } {
  const out = parseS3Uri(job.outputDataConfig.s3OutputDataConfig.s3Uri)!;
  const base = out.key === '' || out.key.endsWith('/') ? out.key : `${out.key}/`;
  return { bucket: out.bucket, prefix: `${base}${job.jobId}/` };
}
