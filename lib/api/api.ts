// The OpenAI-compatible API: an API Gateway REST API with one Lambda function per operation of
// contracts/routes.ts, each served under every prefix of API_PREFIXES, all behind one Lambda authorizer
// that checks the gateway key. REST (not HTTP API) because the handlers read proxy (v1) events, the
// authorizer answers with an IAM policy, and API Gateway's own errors (401, 413, 429…) must be shaped
// like OpenAI errors (lib/api/gateway-responses.ts): only REST APIs have gateway responses.
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  Cors,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { constructId, GatewayFunction } from '#lib/gateway-function';
import { GATEWAY_RESPONSES, type GatewayResponseSpec } from './gateway-responses';
import { API_PREFIXES, AUTHORIZER_FUNCTION, OPERATION_ROUTES } from '#contracts/routes';

export interface GatewayApiProps {
  /** FINOPS_* variables for every function (see lambda/config.ts). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Steady-state requests per second across the API (the stage's default method throttle).
   * @default 50
   */
  readonly rateLimit?: number;
  /**
   * Requests the API accepts in a burst above the steady rate.
   * @default 100
   */
  readonly burstLimit?: number;
  /**
   * Browser origins allowed to call the API (CORS preflight), e.g. ['https://console.example.com'].
   * Explicit origins only: `*` is refused, since every request carries a gateway key. The functions
   * get them as FINOPS_CORS_ALLOWED_ORIGINS to answer with Access-Control-Allow-Origin.
   * @default - CORS off: no browser origin may call the API
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * Retention of the access log and of every function's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Create the account-level role API Gateway needs to write logs (AWS::ApiGateway::Account).
   * One per account and region; turn off when the account's API Gateway settings already name one.
   * @default true
   */
  readonly createCloudWatchRole?: boolean;
}

/** The authorizer's answer for a key is reused this long (keyed by the Authorization header). */
export const AUTHORIZER_CACHE_TTL = Duration.seconds(60);
/** The stage name; it appears in the URL and in the authorizer's methodArn. */
export const API_STAGE_NAME = 'prod';

export class GatewayApi extends Construct {
  public readonly restApi: RestApi;
  /** One function per operation, keyed by operation name (e.g. `files-create`). */
  public readonly functions: Readonly<Record<string, GatewayFunction>>;
  public readonly authorizerFunction: GatewayFunction;
  public readonly authorizer: RequestAuthorizer;
  public readonly accessLogs: LogGroup;
  /** What clients pass as the OpenAI SDK's baseURL: `<stage url>openai`. */
  public readonly openAIBaseUrl: string;

  constructor(scope: Construct, id: string, props: GatewayApiProps) {
    super(scope, id);
    const rateLimit = positive('rateLimit', props.rateLimit ?? 50);
    const burstLimit = positive('burstLimit', props.burstLimit ?? 100);
    if (!Number.isInteger(burstLimit)) throw new Error(`GatewayApi: burstLimit must be a whole number, got ${burstLimit}`);
    const corsOrigins = validateOrigins(props.corsAllowedOrigins ?? []);
    assertUniqueRoutes();
    validateGatewayResponses();

    const environment =
      corsOrigins.length > 0 ? { ...props.environment, FINOPS_CORS_ALLOWED_ORIGINS: corsOrigins.join(',') } : props.environment;
    const functionDefaults = { environment, logRetention: props.logRetention };

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: `${Stack.of(this).stackName}-openai`,
      description: 'FinOps batch gateway: OpenAI-compatible Files, Uploads and Batch API',
      endpointTypes: [EndpointType.REGIONAL],
      // Every body reaches the handlers base64-encoded and byte-exact (multipart uploads, JSONL).
      binaryMediaTypes: ['*/*'],
      cloudWatchRole: props.createCloudWatchRole ?? true,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
        // Execution logs for errors only, never request or response bodies (they hold user data).
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
      defaultCorsPreflightOptions:
        corsOrigins.length === 0
          ? undefined
          : {
              allowOrigins: corsOrigins,
              allowMethods: ['GET', 'POST', 'DELETE'],
              allowHeaders: [
                ...Cors.DEFAULT_HEADERS,
                'OpenAI-Organization',
                'OpenAI-Project',
                'OpenAI-Beta',
                'X-Provider-Api-Key',
                'Idempotency-Key',
              ],
              maxAge: Duration.hours(1),
            },
    });

    for (const spec of GATEWAY_RESPONSES) {
      this.restApi.addGatewayResponse(`Response${constructId(spec.type.toLowerCase().replace(/_/g, '-'))}`, {
        type: ResponseType.of(spec.type),
        statusCode: String(spec.statusCode),
        // x-request-id as on every handler answer (lambda/http/handler.ts): the SDKs read it into requestID.
        responseHeaders: { 'Content-Type': "'application/json'", 'x-request-id': 'context.requestId' },
        templates: { 'application/json': JSON.stringify(spec.body) },
      });
    }

    this.authorizerFunction = new GatewayFunction(this, constructId(AUTHORIZER_FUNCTION.operation), {
      ...AUTHORIZER_FUNCTION,
      ...functionDefaults,
    });
    this.authorizer = new RequestAuthorizer(this, 'GatewayKeyAuthorizer', {
      handler: this.authorizerFunction,
      // Without the header API Gateway answers 401 itself; with it, the answer is cached per key.
      identitySources: [IdentitySource.header('Authorization')],
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });

    const functions: Record<string, GatewayFunction> = {};
    for (const route of OPERATION_ROUTES) {
      const fn = new GatewayFunction(this, constructId(route.operation), { ...route, ...functionDefaults });
      // One integration for both prefixes; permissions are added per method. No console test-invoke
      // permissions: they would double the function's resource policy for nothing.
      const integration = new LambdaIntegration(fn, { proxy: true, allowTestInvoke: false });
      for (const prefix of API_PREFIXES) {
        this.restApi.root.resourceForPath(`${prefix}${route.path}`).addMethod(route.method, integration, {
          authorizer: this.authorizer,
          authorizationType: AuthorizationType.CUSTOM,
        });
      }
      functions[route.operation] = fn;
    }
    this.functions = functions;
    this.openAIBaseUrl = `${this.restApi.url}openai`;
    this.acknowledgeNagFindings(corsOrigins.length > 0);
  }

  /** cdk-nag (AwsSolutions) findings on the API that this design accepts, with the reasons. */
  private acknowledgeNagFindings(cors: boolean): void {
    const ack = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });
    ack(
      this.restApi,
      'AwsSolutions-APIG2',
      'Requests are validated by the handlers, which answer in the OpenAI error shape clients expect; an API Gateway request validator would answer in its own shape.',
    );
    ack(
      this.restApi,
      'AwsSolutions-APIG3',
      'No WAF by default: every method requires a gateway key and the stage is throttled. Associate a web ACL with the stage when the API is exposed to untrusted networks.',
    );
    ack(
      this.restApi,
      'AwsSolutions-COG4',
      'Clients are OpenAI SDKs sending a bearer API key, not Cognito users; the Lambda authorizer checks the key on every method.',
    );
    ack(
      this.restApi,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "API Gateway's account-level logging role (needed for access and execution logs) uses the AWS-managed policy made for that purpose.",
    );
    if (cors) {
      // Only the preflight OPTIONS methods go without the authorizer: browsers send no credentials on preflight.
      for (const method of this.restApi.methods.filter((m) => m.httpMethod === 'OPTIONS')) {
        ack(
          method,
          'AwsSolutions-APIG4',
          'CORS preflight (OPTIONS) cannot carry credentials; it returns headers only and reaches no function.',
        );
      }
    }
  }
}

/** One JSON object per request. keyId is the gateway key's id (never the key); authorizerError
 * tells a rejected key from a broken authorizer. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTimeEpoch',
  routeKey: '$context.httpMethod $context.resourcePath',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  errorMessage: '$context.error.message',
  authorizerError: '$context.authorizer.error',
  keyId: '$context.authorizer.principalId',
  userAgent: '$context.identity.userAgent',
};

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`GatewayApi: ${name} must be a positive number, got ${value}`);
  return value;
}

function validateOrigins(origins: readonly string[]): string[] {
  for (const origin of origins) {
    if (origin === '*') throw new Error('GatewayApi: corsAllowedOrigins must list explicit origins; "*" is not allowed');
    if (!/^https?:\/\/[^/\s*]+$/.test(origin)) {
      throw new Error(
        `GatewayApi: corsAllowedOrigins entry "${origin}" is not an origin like https://app.example.com (scheme and host, no path)`,
      );
    }
  }
  return [...origins];
}

function assertUniqueRoutes(): void {
  const seen = new Set<string>();
  for (const { method, path } of OPERATION_ROUTES) {
    const key = `${method} ${path}`;
    if (seen.has(key)) throw new Error(`GatewayApi: route ${key} appears twice in OPERATION_ROUTES`);
    seen.add(key);
  }
}

/** Gateway response bodies are Velocity templates: `$` and `#` would be evaluated, not sent. */
export function validateGatewayResponses(specs: readonly GatewayResponseSpec[] = GATEWAY_RESPONSES): void {
  for (const spec of specs) {
    const body = JSON.stringify(spec.body);
    if (/[$#]/.test(body) || Token.isUnresolved(body)) {
      throw new Error(
        `GatewayApi: the ${spec.type} gateway response body contains "$" or "#", which API Gateway would evaluate as a template`,
      );
    }
  }
}
