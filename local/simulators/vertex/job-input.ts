// What a batchPredictionJobs.create request asks for: a Gemini publisher model, JSONL in and out, one
// gs:// input URI and a gs:// output prefix; anything else is refused as Vertex refuses it.
import type { IncomingMessage } from 'node:http';
import type { NewJob } from './account';
import { parseGs } from './predictions';
import { HttpError, parseJson, readBody } from './wire';

const MODEL_PATH = /^publishers\/google\/models\/((gemini|gemma)-[A-Za-z0-9._-]+)$/;
const MAX_CREATE_BYTES = 1024 * 1024;

const invalid = (message: string) => new HttpError(400, 'INVALID_ARGUMENT', message);

export async function newJob(req: IncomingMessage, project: string, location: string): Promise<NewJob> {
  const body = parseJson(await readBody(req, MAX_CREATE_BYTES)) as Record<string, any>;
  const match = MODEL_PATH.exec(String(body?.model ?? ''));
  if (!match)
    throw new HttpError(
      404,
      'NOT_FOUND',
      `The PublisherModel ${String(body?.model ?? '').replace(/^publishers\/google\/models\//, '')} does not exist.`,
    );
  if (typeof body.displayName !== 'string' || body.displayName === '') throw invalid('BatchPredictionJob.display_name is required.');
  if (body.inputConfig?.instancesFormat !== 'jsonl')
    throw invalid('inputConfig.instancesFormat must be "jsonl" for a Cloud Storage input of a Gemini model.');
  if (body.outputConfig?.predictionsFormat !== 'jsonl')
    throw invalid('outputConfig.predictionsFormat must be "jsonl" for a Cloud Storage destination.');
  const uris = body.inputConfig?.gcsSource?.uris;
  const prefix = body.outputConfig?.gcsDestination?.outputUriPrefix;
  if (!Array.isArray(uris) || uris.length !== 1 || !parseGs(String(uris[0])))
    throw invalid('inputConfig.gcsSource.uris must hold one gs:// URI of a JSONL file.');
  if (typeof prefix !== 'string' || !/^gs:\/\/[^/]+/.test(prefix))
    throw invalid('outputConfig.gcsDestination.outputUriPrefix must be a gs:// URI.');
  return { project, location, displayName: body.displayName, model: match[1], inputUri: String(uris[0]), outputPrefix: prefix };
}
