// The Bedrock runtime's synchronous calls: InvokeModel (the family's native body, model-behaviour.ts)
// and Converse (converse.ts). A bare id of a model without on-demand throughput is refused, as Bedrock does.
import { onDemandThroughputViolation } from '#local/simulators/rules/bedrock';
import { answerConverse } from './converse';
import { runtimeErrorOf, validation } from './errors';
import { answer, ModelError, simFamilyOf, type Answer } from './model-behaviour';

/** InvokeModel; `modelId` is the path's segment, decoded by the route table. */
export function invokeModel(modelId: string, body: unknown): Record<string, unknown> {
  const family = simFamilyOf(modelId);
  if (!family) throw validation('The provided model identifier is invalid.');
  return runtimeAnswer(modelId, () => answer(family, modelId, body, false));
}

/** The runtime's Converse operation: the body is a Converse request without modelId (it is in the path). */
export function converse(modelId: string, body: unknown): Record<string, unknown> {
  if (!simFamilyOf(modelId)) throw validation('The provided model identifier is invalid.');
  return runtimeAnswer(modelId, () => answerConverse(modelId, body, false));
}

function runtimeAnswer(modelId: string, answerIt: () => Answer): Record<string, unknown> {
  const noOnDemand = onDemandThroughputViolation(modelId);
  if (noOnDemand) throw validation(noOnDemand);
  try {
    const result = answerIt();
    if (result.kind !== 'output') throw new ModelError(500, 'unreachable');
    return result.output;
  } catch (err) {
    throw runtimeErrorOf(err);
  }
}
