// Which batch endpoints a provider runs (the adapter's `endpoints` property), as the checks at upload
// and batches.create read it.
import { badRequest } from '#lambda/http/errors';
import { DEFAULT_PROVIDER_ENDPOINTS, providerRunsMessage, type EndpointSupport } from '#lambda/batch-files/endpoints';
import type { ProviderAdapter } from './provider';

export function endpointSupportOf(adapter: ProviderAdapter): EndpointSupport {
  return { provider: adapter.name, endpoints: adapter.endpoints ?? DEFAULT_PROVIDER_ENDPOINTS };
}

/** batches.create: a 400 naming the provider and the endpoint when the provider does not run it. */
export function checkProviderRunsEndpoint(adapter: ProviderAdapter, endpoint: string): void {
  const support = endpointSupportOf(adapter);
  if (!support.endpoints[endpoint])
    throw badRequest(`Invalid 'endpoint': ${providerRunsMessage(support, endpoint)}`, 'endpoint', 'unsupported_endpoint');
}
