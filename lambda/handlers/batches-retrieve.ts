// GET /openai/batches/{batch_id}. A batch whose create was cut off before its tracker started gets it started here.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf } from '#lambda/http/request';
import { findBatch } from '#lambda/http/lookup';
import { toOpenAIBatch } from '#lambda/openai/objects';
import { ensureTrackerStarted } from '#lambda/tracker/start';

export const handler = httpHandler(async (event) =>
  json(toOpenAIBatch(await ensureTrackerStarted(await findBatch(event, callerOf(event))))),
);
