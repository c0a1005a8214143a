// GET /openai/files/{file_id}
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf } from '#lambda/http/request';
import { findFile } from '#lambda/http/lookup';
import { toOpenAIFile } from '#lambda/openai/objects';

export const handler = httpHandler(async (event) => json(toOpenAIFile(await findFile(event, callerOf(event)))));
