// GET /openai/batches/{batch_id}
import { httpHandler, json } from '../http/handler';
import { callerOf } from '../http/request';
import { findBatch } from '../http/lookup';
import { toOpenAIBatch } from '../openai/objects';

export const handler = httpHandler(async (event) => json(toOpenAIBatch(await findBatch(event, callerOf(event)))));
