// The foundation model a Bedrock model id prices as (the adapter's priceModelId hook).

/**
 * Bedrock ids that route to a foundation model: an ARN (foundation-model/… or inference-profile/…)
 * and a cross-region inference profile (`us.`, `eu.`, `apac.`, `global.`, `us-gov.` … before the
 * vendor). Application inference profiles and custom models have opaque ids and stay unknown.
 */
export function bedrockFoundationModelId(modelId: string): string {
  let id = modelId.trim().toLowerCase();
  const arn = /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:(?:foundation-model|inference-profile)\/(.+)$/.exec(id);
  if (arn) id = arn[1];
  const profile = /^[a-z]{2,6}(?:-[a-z]{2,4})?\.([a-z0-9-]+\..+)$/.exec(id);
  return profile ? profile[1] : id;
}
