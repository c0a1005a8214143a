// The KMS key of the credential vault (lambda/auth/vault.ts), created only when the stack allows
// provider-key pass-through. It protects the data keys that encrypt clients' own provider keys while
// their batches run. Only batches.create may make data keys (seal); only the functions that call a
// provider for an existing batch may decrypt (open); both only with the vault's encryption context.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { VAULT_CONTEXT_PURPOSE, VAULT_KMS_KEY_VARIABLE } from '#contracts/vault-names';

export { VAULT_CONTEXT_PURPOSE, VAULT_KMS_KEY_VARIABLE };

export class CredentialVaultKey extends Construct {
  public readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description:
        "FinOps batch gateway credential vault: wraps the data keys that encrypt clients' provider keys (X-Provider-Api-Key) while their batches run.",
      enableKeyRotation: true,
      // What it protects lives a day or two (a batch's life, then the item's TTL): nothing worth
      // keeping the key (and its monthly charge) for after the stack is gone. KMS still waits 7 days.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
  }

  /** The functions' environment: the key's ARN (never key material). */
  environment(): Record<string, string> {
    return { [VAULT_KMS_KEY_VARIABLE]: this.key.keyArn };
  }

  /** kms:GenerateDataKey on this key, for vault encryption contexts only. */
  grantSeal(grantee: IGrantable): Grant {
    return this.grantWithVaultContext(grantee, 'kms:GenerateDataKey');
  }

  /** kms:Decrypt on this key, for vault encryption contexts only. */
  grantOpen(grantee: IGrantable): Grant {
    return this.grantWithVaultContext(grantee, 'kms:Decrypt');
  }

  private grantWithVaultContext(grantee: IGrantable, action: string): Grant {
    // The key policy trusts the account's IAM policies (CDK's default), so an identity policy on the
    // function's role is enough; the condition keeps the grant to vault contexts.
    return Grant.addToPrincipal({
      grantee,
      actions: [action],
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { [`kms:EncryptionContext:purpose`]: VAULT_CONTEXT_PURPOSE } },
    });
  }
}
