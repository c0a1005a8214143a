// The defaults every gateway Lambda function shares, fixed in one place: the handler file comes from
// the operation name, sizing from the route table, and runtime, bundling, tracing and logging are the
// same for all. A function differs from another only by what contracts/routes.ts says about it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { besideCommands, FUNCTION_ESBUILD, FUNCTION_NODE_OPTIONS } from './bundling';

export { encodingCommands } from './bundling';

/** The repository root: handlers live in lambda/handlers/, the lock file sits here. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const HANDLERS_DIR = path.join(PROJECT_ROOT, 'lambda', 'handlers');

/** What a function is: one row of contracts/routes.ts (OPERATION_ROUTES, TRACKER_FUNCTIONS, AUTHORIZER_FUNCTION). */
export interface GatewayFunctionSpec {
  /** Handler file name without extension: lambda/handlers/<operation>.ts. */
  readonly operation: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

export interface GatewayFunctionProps extends GatewayFunctionSpec {
  /** FINOPS_* variables (lambda/config.ts reads them). Never put a secret value here. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * How long the function's log group keeps events.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Powertools' `service` key on every log line.
   * @default 'finops-gateway'
   */
  readonly serviceName?: string;
  /**
   * Shell commands run after esbuild bundled the handler, to add files next to it (e.g. the web
   * console's assets); run on the build machine, never in Docker.
   * @default - none
   */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/** Lambda's own limits; checked here so a typo in the route table fails at synth, not at deploy. */
const MEMORY_MB = { min: 128, max: 10_240 };
const TIMEOUT_SECONDS = { min: 1, max: 900 };

export class GatewayFunction extends NodejsFunction {
  /** The operation this function serves (its handler file name). */
  public readonly operation: string;

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    const entry = handlerEntry(props.operation);
    validateSizing(props);
    // A sibling of the function: `this` does not exist before super(), and the log group must be
    // passed in at creation for Lambda's LoggingConfig to point at it.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole, whose logs rights cover every log group
    // of the account: this one may write to its own log group only. Grants are added by the stack.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the FinOps gateway function ${props.operation}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        ...props.environment,
        // Stack traces point at the TypeScript sources instead of the minified bundle.
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'finops-gateway',
      },
      // lib/bundling.ts: what each option is for, and what a bundle weighs.
      bundling: {
        // The SDK is bundled (not taken from the runtime) so the deployed code runs exactly the
        // client versions the tests ran, and esbuild can drop what a handler does not use.
        bundleAwsSDK: true,
        // Provider SDKs: built beside index.js (node_modules/) by the after-bundling step, loaded on first use.
        externalModules: [...FUNCTION_ESBUILD.external],
        minify: FUNCTION_ESBUILD.minify,
        sourceMap: FUNCTION_ESBUILD.sourcemap,
        sourcesContent: FUNCTION_ESBUILD.sourcesContent,
        mainFields: [...FUNCTION_ESBUILD.mainFields],
        target: FUNCTION_ESBUILD.target,
        format: OutputFormat.CJS,
        // Local esbuild (a devDependency); there is no Docker on the build machines.
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => [
            ...besideCommands(inputDir, outputDir),
            ...(props.afterBundling?.(inputDir, outputDir) ?? []),
          ],
        },
      },
    });
    this.operation = props.operation;
  }
}

function handlerEntry(operation: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(operation)) {
    throw new Error(`GatewayFunction: operation "${operation}" must be kebab-case (it names lambda/handlers/<operation>.ts)`);
  }
  const entry = path.join(HANDLERS_DIR, `${operation}.ts`);
  if (!fs.existsSync(entry)) {
    throw new Error(`GatewayFunction: no handler for operation "${operation}": expected ${path.relative(PROJECT_ROOT, entry)}`);
  }
  return entry;
}

function validateSizing({ operation, memoryMb, timeoutSeconds }: GatewayFunctionSpec): void {
  if (!Number.isInteger(memoryMb) || memoryMb < MEMORY_MB.min || memoryMb > MEMORY_MB.max) {
    throw new Error(
      `GatewayFunction "${operation}": memoryMb must be an integer from ${MEMORY_MB.min} to ${MEMORY_MB.max}, got ${memoryMb}`,
    );
  }
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < TIMEOUT_SECONDS.min || timeoutSeconds > TIMEOUT_SECONDS.max) {
    throw new Error(
      `GatewayFunction "${operation}": timeoutSeconds must be an integer from ${TIMEOUT_SECONDS.min} to ${TIMEOUT_SECONDS.max}, got ${timeoutSeconds}`,
    );
  }
}

/** files-create → FilesCreate: the construct id (and so the logical id prefix) of an operation's function. */
export function constructId(operation: string): string {
  return operation
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
