// One Secrets Manager secret per HTTP provider, holding that provider's API key as the plain secret
// string. Functions get only the ARN (FINOPS_<PROVIDER>_SECRET_ARN) and read the key at run time;
// a key never appears in the template or in a function's environment.
//
// After the first deploy, put each key in place, e.g.
//   aws secretsmanager put-secret-value --secret-id <OpenAISecretArn output> --secret-string "$OPENAI_API_KEY"
// or pass existing secrets with `existingSecretArns` (cdk -c openaiSecretArn=arn:...).
import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export const HTTP_PROVIDERS = ['openai', 'anthropic', 'gemini'] as const;
export type HttpProviderName = (typeof HTTP_PROVIDERS)[number];

const DISPLAY_NAME: Record<HttpProviderName, string> = { openai: 'OpenAI', anthropic: 'Anthropic', gemini: 'Gemini' };

/** The variable lambda/config.ts reads the provider's secret ARN from. */
export const secretArnVariable = (provider: HttpProviderName) => `FINOPS_${provider.toUpperCase()}_SECRET_ARN`;

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
      const display = DISPLAY_NAME[provider];
      const arn = existing[provider];
      if (arn !== undefined) {
        if (!COMPLETE_SECRET_ARN.test(arn)) {
          throw new Error(`ProviderSecrets: existingSecretArns.${provider} must be a complete secret ARN ending in the 6-character suffix, got "${arn}"`);
        }
        secrets[provider] = Secret.fromSecretCompleteArn(this, `${display}ApiKey`, arn);
        continue;
      }
      const secret = new Secret(this, `${display}ApiKey`, {
        description: `${display} API key for the FinOps batch gateway (the key alone as the secret string). Created with a random placeholder: replace it with put-secret-value.`,
        // A random placeholder instead of a literal: a literal SecretString would sit in the template,
        // and CloudFormation could write it back over the real key on a later update of this resource.
        generateSecretString: { passwordLength: 32, excludePunctuation: true },
        // Replacing the stack must not lose a key someone put in by hand.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      secrets[provider] = secret;
      new CfnOutput(this, `${display}SecretArn`, {
        value: secret.secretArn,
        description: `Put the ${display} API key here: aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string <key>`,
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
