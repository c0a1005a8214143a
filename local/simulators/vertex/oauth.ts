// The OAuth 2.0 side of the Vertex AI simulator: a service account of its own (an RSA key pair and the
// JSON key a customer would download, its token_uri pointing here) and Google's JWT bearer grant
// (developers.google.com/identity/protocols/oauth2/service-account#httprest): the assertion is an
// RS256 JWT signed with the key, iss = the client_email, aud = https://oauth2.googleapis.com/token,
// a scope, iat/exp at most an hour apart. Access tokens last 3599 s.
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { HttpError } from './wire';

export const TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const TOKEN_TTL_SECONDS = 3599;

export interface SimServiceAccount {
  projectId: string;
  clientEmail: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

export function newServiceAccount(projectId: string): SimServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    projectId,
    clientEmail: `finops-gateway@${projectId}.iam.gserviceaccount.com`,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The JSON key file, as the Cloud console hands it out (the fields the gateway reads). */
export function serviceAccountKeyJson(account: SimServiceAccount, tokenUri: string): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: account.projectId,
    private_key_id: 'sim',
    private_key: account.privateKeyPem,
    client_email: account.clientEmail,
    client_id: '100000000000000000000',
    token_uri: tokenUri,
  });
}

export class TokenIssuer {
  /** token → expiry (ms) */
  readonly tokens = new Map<string, number>();

  constructor(private readonly account: SimServiceAccount) {}

  /** The token endpoint: form body in, Google's token answer or {error, error_description} out. */
  grant(form: URLSearchParams): { access_token: string; expires_in: number; token_type: 'Bearer' } {
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      throw oauthError('unsupported_grant_type', 'Invalid grant_type.');
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3)
      throw oauthError('invalid_grant', 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.');
    const [head, body, signature] = parts;
    const header = decode(head) as { alg?: string };
    const claims = decode(body) as { iss?: string; aud?: string; scope?: string; iat?: number; exp?: number };
    if (header?.alg !== 'RS256') throw oauthError('invalid_grant', 'Invalid JWT: alg must be RS256.');
    if (
      !verify('RSA-SHA256', Buffer.from(`${head}.${body}`), createPublicKey(this.account.publicKeyPem), Buffer.from(signature, 'base64url'))
    ) {
      throw oauthError('invalid_grant', 'Invalid JWT Signature.');
    }
    if (claims.iss !== this.account.clientEmail) throw oauthError('invalid_grant', 'Invalid grant: account not found');
    if (claims.aud !== TOKEN_AUDIENCE) throw oauthError('invalid_grant', `Invalid JWT: aud must be ${TOKEN_AUDIENCE}.`);
    const now = Date.now() / 1000;
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp <= now || claims.exp - claims.iat > 3600) {
      throw oauthError(
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    }
    if (!claims.scope?.split(' ').includes('https://www.googleapis.com/auth/cloud-platform'))
      throw oauthError('invalid_scope', 'The cloud-platform scope is required.');
    const token = `ya29.sim-${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, Date.now() + TOKEN_TTL_SECONDS * 1000);
    return { access_token: token, expires_in: TOKEN_TTL_SECONDS, token_type: 'Bearer' };
  }

  /** Bearer check of every API call: what Google answers without a token and with a bad one. */
  authorize(authorization: string | undefined): void {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) {
      throw new HttpError(
        401,
        'UNAUTHENTICATED',
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
      );
    }
    const expiry = this.tokens.get(token);
    if (expiry === undefined || Date.now() > expiry) {
      throw new HttpError(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      );
    }
  }
}

class OAuthError extends HttpError {}

function oauthError(error: string, description: string): OAuthError {
  return new OAuthError(400, error, description);
}

export function isOAuthError(err: unknown): err is OAuthError {
  return err instanceof OAuthError;
}

function decode(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw oauthError('invalid_grant', 'Invalid JWT: the token is not base64url JSON.');
  }
}
