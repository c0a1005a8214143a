// API Gateway Lambda authorizer (REST API, REQUEST type): `Authorization: Bearer <gateway key>` →
// the key's tenant, passed to handlers in the authorizer context. API Gateway caches the answer per
// Authorization header for 60 s, so a revoked key stops working within a minute.
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { getServices, logger } from '#lambda/runtime';
import { bearerToken, hashesEqual, hashKey } from '#lambda/auth/keys';

export interface AuthorizedCaller {
  tenantId: string;
  keyId: string;
}

/** The caller a bearer token belongs to, or null for a missing, unknown or revoked key. */
export async function authenticate(authorization: string | undefined): Promise<AuthorizedCaller | null> {
  const token = bearerToken(authorization);
  if (!token) return null;
  const hash = hashKey(token);
  // A consistent read: a revocation is seen by the very next lookup (API Gateway's cache aside).
  const record = await getServices().metadata.getKeyByHash(hash);
  if (!record || !hashesEqual(record.keyHash, hash)) return null;
  if (record.revokedAt) {
    // The key id is public (never enough to use the key); it tells the operator who is still calling.
    logger.info('Rejected a revoked key', { keyId: record.keyId, revokedAt: record.revokedAt });
    return null;
  }
  return { tenantId: record.tenantId, keyId: record.keyId };
}

/** Allows every method and route of this API stage, since the cached answer is reused across them. */
export { stageWildcard };
function stageWildcard(methodArn: string): string {
  // arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path…>
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*/*`;
}

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const headers = event.headers ?? {};
  const authorization = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const caller = await authenticate(authorization ?? undefined);
  if (!caller) {
    logger.info('Rejected request with a missing or unknown key');
    // API Gateway answers 401 (gateway response UNAUTHORIZED, shaped like an OpenAI error).
    throw new Error('Unauthorized');
  }
  return {
    principalId: caller.keyId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(event.methodArn) }],
    },
    context: { tenantId: caller.tenantId, keyId: caller.keyId },
  };
};
