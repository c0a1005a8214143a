// batches.create on a file whose lines name several models, for a provider that runs one model per
// job (lambda/tracker/jobs.ts): no `model` is needed (each line runs on the model it names), and the
// adapter's cheap checks run once per model, as they will for each job, so a model it can never run
// is a 400 now rather than a failed job later.
import { badRequest } from '#lambda/http/errors';
import type { AcceptedBatch, CreateBatchInput, ProviderAdapter, ProviderContext } from '#lambda/providers/provider';
import { MAX_MODELS_PER_BATCH, tooManyModels } from '#lambda/tracker/jobs';

export const acceptsAsJobs = (adapter: ProviderAdapter, input: CreateBatchInput) =>
  adapter.oneModelPerJob === true && input.inputFile !== null && input.inputFile.model === null;

export async function acceptMixedModels(adapter: ProviderAdapter, ctx: ProviderContext, input: CreateBatchInput): Promise<AcceptedBatch> {
  const file = input.inputFile!;
  const models = file.models ?? [];
  if (input.model !== null) {
    throw badRequest(
      `model is ${JSON.stringify(input.model)}, but the lines of ${file.id} name several models${models.length ? ` (${models.join(', ')})` : ''}. Leave out model: each line runs on the model it names, one ${adapter.name} job per model.`,
      'model',
      'model_mismatch',
    );
  }
  if (models.length > MAX_MODELS_PER_BATCH) throw tooManyModels(file.id, models.length);
  let expiresAt: number | undefined;
  for (const model of models) {
    // The line count of each model is known once Submit splits the file.
    const one =
      (await adapter.acceptBatch?.(ctx, { ...input, model, inputFile: { ...file, model, models: undefined, lineCount: undefined } })) ?? {};
    if (one.expiresAt !== undefined) expiresAt = Math.max(expiresAt ?? 0, one.expiresAt);
  }
  // Metadata such as Bedrock's run_mode differs per job: the jobs report theirs once submitted.
  return { model: null, ...(expiresAt !== undefined ? { expiresAt } : {}) };
}
