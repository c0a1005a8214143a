// GET /openai/batches/{batch_id}. A batch whose create was cut off before its tracker started gets it started here.
import { httpHandler, json } from '../http/handler';
import { callerOf } from '../http/request';
import { findBatch } from '../http/lookup';
import { toOpenAIBatch } from '../openai/objects';
import { ensureTrackerStarted } from '../tracker/start';

export const handler = httpHandler(async (event) =>
  json(toOpenAIBatch(await ensureTrackerStarted(await findBatch(event, callerOf(event))))),
);
