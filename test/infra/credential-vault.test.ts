// The credential vault's KMS key: created only with provider-key pass-through, rotated, and usable
// only by the functions that seal (batches-create) or open (the tracker's provider calls, cancel) a
// client's key, only for vault encryption contexts. cdk-nag stays clean with it.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FUNCTION_ACCESS } from '#lib/api/access';
import { CredentialVaultKey, VAULT_CONTEXT_PURPOSE, VAULT_KMS_KEY_VARIABLE } from '#lib/storage/credential-vault-key';
import { LOCAL_STACK_NAME, unbundledApp } from '#lib/synth';
import { FinOpsGatewayStack } from '#lib/finops-gateway-stack';
import {
  actionsOf,
  allIdentityStatements,
  asArray,
  buildStack,
  logicalIdOf,
  statementsOfRole,
  type Built,
  type Statement,
} from './helpers';

const VAULT_CONDITION = { StringEquals: { 'kms:EncryptionContext:purpose': VAULT_CONTEXT_PURPOSE } };

describe('CredentialVaultKey construct', () => {
  const app = new App();
  const stack = new Stack(app, 'VaultOnly');
  const vault = new CredentialVaultKey(stack, 'Vault');
  const sealer = new Role(stack, 'Sealer', { assumedBy: new AccountRootPrincipal() });
  const opener = new Role(stack, 'Opener', { assumedBy: new AccountRootPrincipal() });
  vault.grantSeal(sealer);
  vault.grantOpen(opener);
  const template = Template.fromStack(stack);
  const json = template.toJSON();

  test('a symmetric key with yearly rotation, deleted (after KMS waiting period) with the stack', () => {
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true, PendingWindowInDays: 7 }, DeletionPolicy: 'Delete' });
  });

  test('seal = GenerateDataKey only, open = Decrypt only; on this key, for vault contexts only', () => {
    const keyArn = { 'Fn::GetAtt': [logicalIdOf(vault.key), 'Arn'] };
    expect(statementsOfRole(json, logicalIdOf(sealer))).toEqual([
      { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: keyArn, Condition: VAULT_CONDITION },
    ]);
    expect(statementsOfRole(json, logicalIdOf(opener))).toEqual([
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn, Condition: VAULT_CONDITION },
    ]);
  });

  test('the environment carries the key ARN, not key material', () => {
    expect(Object.keys(vault.environment())).toEqual([VAULT_KMS_KEY_VARIABLE]);
    expect(stack.resolve(vault.environment()[VAULT_KMS_KEY_VARIABLE])).toEqual({ 'Fn::GetAtt': [logicalIdOf(vault.key), 'Arn'] });
  });

  test('cdk-nag finds nothing to say about the key', () => {
    app.synth();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.filter((v) => v.violatingResources.some((r) => (r.constructPath ?? '').includes('/Vault/')))).toEqual([]);
  });
});

test('access table: only batches-create (and batches-retry, which runs its handler) seals; only functions that call a provider for an existing batch open', () => {
  const byVault = (mode: 'seal' | 'open') =>
    Object.entries(FUNCTION_ACCESS)
      .filter(([, access]) => access.credentialVault === mode)
      .map(([operation]) => operation)
      .sort();
  expect(byVault('seal')).toEqual(['batches-create', 'batches-retry']);
  // Issue 12: the tracker's submit step creates the provider batch with the client's own key.
  expect(byVault('open')).toEqual(['batches-cancel', 'tracker-check-status', 'tracker-collect-results', 'tracker-submit-batch']);
});

// The stack wires the key in only with allowProviderKeyPassThrough (lib/finops-gateway-stack.ts).
describe('in the gateway stack', () => {
  let withVault: Built;
  let without: Built;
  beforeAll(() => {
    withVault = buildStack({ allowProviderKeyPassThrough: true });
    without = buildStack();
  });

  const functionsOf = (b: Built) => b.stack.allFunctions();
  const kmsActions = (b: Built, operation: string) => {
    const fn = functionsOf(b).find((f) => f.operation === operation)!;
    return statementsOfRole(b.json, logicalIdOf(fn.role!)).filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')));
  };

  // The stack's other KMS key protects webhook secrets (test/infra/iam.test.ts checks its grants).
  const webhookKey = (b: Built) => logicalIdOf(b.stack.webhooks.key);
  const isVaultStatement = (s: Statement) => JSON.stringify(s.Condition) === JSON.stringify(VAULT_CONDITION);

  test('no pass-through, no vault key: nothing to pay for or to grant', () => {
    expect(Object.keys(without.template.findResources('AWS::KMS::Key'))).toEqual([webhookKey(without)]);
    const kms = allIdentityStatements(without.json).filter(({ statement }) => actionsOf([statement]).some((a) => a.startsWith('kms:')));
    expect(kms.length).toBeGreaterThan(0);
    for (const { statement } of kms) expect(statement.Resource).toEqual({ 'Fn::GetAtt': [webhookKey(without), 'Arn'] });
  });

  test('with pass-through: one rotated key, and its ARN in every function environment', () => {
    const keys = withVault.template.findResources('AWS::KMS::Key');
    delete keys[webhookKey(withVault)];
    expect(Object.keys(keys)).toHaveLength(1);
    expect(Object.values(keys)[0].Properties.EnableKeyRotation).toBe(true);
    // The web console's function serves static files and gets no FINOPS_* settings (test/infra/console.test.ts).
    const consoleFn = logicalIdOf(withVault.stack.webConsole!.function);
    for (const [id, fn] of Object.entries(withVault.template.findResources('AWS::Lambda::Function'))) {
      if (!fn.Properties.Environment || id === consoleFn) continue; // CDK's own helper functions, the console
      expect(fn.Properties.Environment.Variables[VAULT_KMS_KEY_VARIABLE]).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/Vault/), 'Arn'],
      });
    }
  });

  test.each(Object.keys(FUNCTION_ACCESS))('%s: exactly the KMS rights of its access row', (operation) => {
    const mode = FUNCTION_ACCESS[operation].credentialVault;
    const expected = mode === 'seal' ? ['kms:GenerateDataKey'] : mode === 'open' ? ['kms:Decrypt'] : [];
    const statements = kmsActions(withVault, operation).filter(isVaultStatement);
    expect(actionsOf(statements).sort()).toEqual(expected);
    // Every other KMS right of the function is on the webhook key.
    for (const other of kmsActions(withVault, operation).filter((st) => !isVaultStatement(st)))
      expect(other.Resource).toEqual({ 'Fn::GetAtt': [webhookKey(withVault), 'Arn'] });
    for (const s of statements) {
      expect(s.Condition).toEqual(VAULT_CONDITION);
      expect(asArray(s.Resource as unknown)).toHaveLength(1);
    }
  });

  test('cdk-nag stays clean with the vault', () => {
    const app = unbundledApp();
    new FinOpsGatewayStack(app, LOCAL_STACK_NAME, { allowProviderKeyPassThrough: true });
    app.synth();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
