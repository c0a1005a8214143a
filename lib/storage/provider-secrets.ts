// One Secrets Manager secret per catalog provider that is not called with the gateway's IAM role
// (contracts/providers.ts), holding what its entry's `secretContents` says. Functions get only the ARN
// (FINOPS_<PREFIX>_SECRET_ARN) and read the secret at run time; a key never appears in the template or
// in a function's environment.
//
// After the first deploy, put each key in place, e.g.
//   aws secretsmanager put-secret-value --secret-id <OpenAISecretArn output> --secret-string "$OPENAI_API_KEY"
// or pass existing secrets with `existingSecretArns` (cdk -c openaiSecretArn=arn:...).
import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  PROVIDER_CATALOG,
  SECRET_PROVIDER_NAMES,
  providerEnvNames,
  type ProviderEntry,
  type SecretProviderName,
} from '#contracts/providers';

export const HTTP_PROVIDERS: readonly SecretProviderName[] = SECRET_PROVIDER_NAMES;
export type HttpProviderName = SecretProviderName;

/** The variable lambda/config.ts reads the provider's secret ARN from. */
export const secretArnVariable = (provider: HttpProviderName) => providerEnvNames(provider).secretArn;

export interface ProviderSecretsProps {
  /**
   * Full ARNs (with the random 6-character suffix) of existing secrets to use instead of creating one,
   * per provider. A provider not listed gets a new secret with a random placeholder value.
   * @default - a new secret for every provider
   */
  readonly existingSecretArns?: Partial<Record<HttpProviderName, string>>;
}

// A complete secret ARN ends in -XXXXXX; without the suffix IAM grants would not match the secret.
const COMPLETE_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

export class ProviderSecrets extends Construct {
  public readonly secrets: Readonly<Record<HttpProviderName, ISecret>>;

  constructor(scope: Construct, id: string, props: ProviderSecretsProps = {}) {
    super(scope, id);
    const existing = props.existingSecretArns ?? {};
    for (const name of Object.keys(existing)) {
      if (!(HTTP_PROVIDERS as readonly string[]).includes(name)) {
        throw new Error(`ProviderSecrets: unknown provider "${name}" in existingSecretArns (expected one of ${HTTP_PROVIDERS.join(', ')})`);
      }
    }
    const secrets = {} as Record<HttpProviderName, ISecret>;
    for (const provider of HTTP_PROVIDERS) {
      const entry: ProviderEntry = PROVIDER_CATALOG[provider];
      const display = entry.displayName;
      const what = entry.credentials === 'api-key' ? 'API key' : 'credentials';
      const contents = entry.secretContents ?? 'the key alone as the secret string';
      const secretName = entry.secretName ?? `${display}ApiKey`;
      const arn = existing[provider];
      if (arn !== undefined) {
        if (!COMPLETE_SECRET_ARN.test(arn)) {
          throw new Error(
            `ProviderSecrets: existingSecretArns.${provider} must be a complete secret ARN ending in the 6-character suffix, got "${arn}"`,
          );
        }
        secrets[provider] = Secret.fromSecretCompleteArn(this, secretName, arn);
        continue;
      }
      const secret = new Secret(this, secretName, {
        description: `${display} ${what} for the FinOps batch gateway (${contents}). Created with a random placeholder: replace it with put-secret-value.`,
        // A random placeholder instead of a literal: a literal SecretString would sit in the template,
        // and CloudFormation could write it back over the real key on a later update of this resource.
        generateSecretString: { passwordLength: 32, excludePunctuation: true },
        // Replacing the stack must not lose a key someone put in by hand.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      secrets[provider] = secret;
      // Output ids are the display name's letters and digits (`Azure OpenAI` → AzureOpenAISecretArn).
      new CfnOutput(this, `${display.replace(/[^A-Za-z0-9]/g, '')}SecretArn`, {
        value: secret.secretArn,
        description: `Put the ${display} ${what} here: aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string <${entry.credentials === 'api-key' ? 'key' : 'value'}>`,
      });
    }
    this.secrets = secrets;
  }

  /** FINOPS_<PROVIDER>_SECRET_ARN for every provider: ARNs only, never a key. */
  environment(): Record<string, string> {
    return Object.fromEntries(HTTP_PROVIDERS.map((p) => [secretArnVariable(p), this.secrets[p].secretArn]));
  }

  /** Lets the grantee read every provider's key (GetSecretValue/DescribeSecret on these secrets only). */
  grantRead(grantee: IGrantable): void {
    for (const provider of HTTP_PROVIDERS) this.secrets[provider].grantRead(grantee);
  }
}
