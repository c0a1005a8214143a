// POST /openai/finops/estimate — what a batch would cost and save, before it is created.
// Body: {"input_file_id"} or {"requests"} (inline, as for Anthropic), optional "provider", "model" and
// "compare": true (adds every provider and model that can run the requests, cheapest first).
// Reads the file and the caller's budget; writes nothing.
import { httpHandler, json } from '#lambda/http/handler';
import { callerOf, jsonBody, type Caller } from '#lambda/http/request';
import { badRequest, noSuchFile } from '#lambda/http/errors';
import { getServices } from '#lambda/runtime';
import { adapterFor, resolveProvider } from '#lambda/providers/registry';
import { validateInlineRequests } from '#lambda/providers/anthropic/inline-requests';
import { FILE_ID_PATTERN } from '#lambda/ids';
import type { FileRecord } from '#contracts/records';
import { estimateBatch, type EstimateRequest } from '#lambda/finops/estimate-service';

const KNOWN_FIELDS = new Set(['input_file_id', 'requests', 'provider', 'model', 'compare']);

async function inputFileOf(caller: Caller, id: unknown): Promise<FileRecord> {
  if (typeof id !== 'string' || !FILE_ID_PATTERN.test(id))
    throw badRequest(
      `Invalid 'input_file_id': ${JSON.stringify(String(id).slice(0, 80))} is not a file id.`,
      'input_file_id',
      'invalid_id',
    );
  const file = await getServices().metadata.getFile(caller.tenantId, id);
  if (!file) throw Object.assign(noSuchFile(id), { param: 'input_file_id' });
  if (file.purpose !== 'batch')
    throw badRequest(
      `File ${file.id} has purpose '${file.purpose}'; only batch input files can be estimated.`,
      'input_file_id',
      'invalid_purpose',
    );
  if (file.status !== 'processed')
    throw badRequest(`File ${file.id} is ${file.status}; wait until files.retrieve shows "processed".`, 'input_file_id', 'file_not_ready');
  return file;
}

/** The estimate request from the route's body (batches.create's dry_run uses its own input checks instead). */
async function parseEstimateBody(body: Record<string, unknown>, caller: Caller): Promise<EstimateRequest> {
  const unknown = Object.keys(body).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length)
    throw badRequest(
      `Unknown parameter: '${unknown[0].slice(0, 64)}'. The estimate takes input_file_id or requests, and optionally provider, model and compare.`,
      unknown[0].slice(0, 64),
      'unknown_parameter',
    );
  const hasFile = body.input_file_id !== undefined && body.input_file_id !== '';
  const hasRequests = body.requests !== undefined;
  if (hasFile === hasRequests)
    throw badRequest(
      "Give exactly one of 'input_file_id' (an uploaded batch file) or 'requests' (inline requests).",
      hasFile ? 'requests' : 'input_file_id',
      'missing_required_parameter',
    );
  if (body.model !== undefined && body.model !== null && (typeof body.model !== 'string' || body.model === '' || body.model.length > 256))
    throw badRequest("Invalid 'model': expected a model id string.", 'model', 'invalid_model');
  if (body.compare !== undefined && typeof body.compare !== 'boolean')
    throw badRequest("Invalid 'compare': expected true or false.", 'compare', 'invalid_type');
  const inputFile = hasFile ? await inputFileOf(caller, body.input_file_id) : null;
  const provider = resolveProvider(
    body.provider,
    inputFile?.provider ?? (hasRequests ? 'anthropic' : getServices().config.defaultProvider),
  );
  if (hasRequests && !adapterFor(provider).acceptsInlineRequests)
    throw badRequest(
      `Provider '${provider}' takes no inline requests; estimate an uploaded file with 'input_file_id'.`,
      'requests',
      'invalid_requests',
    );
  return {
    tenantId: caller.tenantId,
    keyId: caller.keyId,
    provider,
    model: (body.model as string | undefined) ?? null,
    inputFile,
    inlineRequests: hasRequests ? validateInlineRequests(body.requests) : undefined,
    compare: body.compare === true,
  };
}

export const handler = httpHandler(async (event) => {
  const caller = callerOf(event);
  return json(await estimateBatch(await parseEstimateBody(jsonBody(event), caller)));
});
