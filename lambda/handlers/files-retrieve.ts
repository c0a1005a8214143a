// GET /openai/files/{file_id}
import { httpHandler, json } from '../http/handler';
import { callerOf } from '../http/request';
import { findFile } from '../http/lookup';
import { toOpenAIFile } from '../openai/objects';

export const handler = httpHandler(async (event) => json(toOpenAIFile(await findFile(event, callerOf(event)))));
