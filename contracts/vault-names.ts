// Names the credential vault's runtime code and the stack must agree on. Plain data: the CDK code in
// lib/storage/credential-vault-key.ts imports this too.

/** The stack's vault KMS key ARN (deployed with allowProviderKeyPassThrough). */
export const VAULT_KMS_KEY_VARIABLE = 'FINOPS_VAULT_KMS_KEY_ARN';
/** A local master key file instead (the local gateway: <dataDir>/vault.key). */
export const VAULT_KEY_FILE_VARIABLE = 'FINOPS_VAULT_KEY_FILE';
/** The `purpose` entry of every vault encryption context; the IAM grants require it. */
export const VAULT_CONTEXT_PURPOSE = 'finops-provider-key';
