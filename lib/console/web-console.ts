// The web console on the gateway's own API: GET /console (the page) and /console/{asset} (its
// content-hashed scripts, styles and icon), served by one function without the authorizer, since a
// browser opening a page cannot send a key. The page and assets hold no data: everything it shows
// comes from the authenticated API, with the key the user types in (README "Web console").
// The assets are built by esbuild (console/build.ts) right after the function is bundled, into the
// function's own bundle, so `cdk synth` ships exactly the console of this commit.
import { AuthorizationType, LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CONSOLE_FUNCTION } from '#contracts/routes';
import { constructId, GatewayFunction } from '#lib/gateway-function';

export interface WebConsoleProps {
  readonly restApi: RestApi;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export class WebConsole extends Construct {
  public readonly function: GatewayFunction;
  /** The console's address: `<stage url>console`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: WebConsoleProps) {
    super(scope, id);
    this.function = new GatewayFunction(this, constructId(CONSOLE_FUNCTION.operation), {
      ...CONSOLE_FUNCTION,
      // Static files only: no table, bucket, secret or FINOPS_* setting, and no grants beyond its own logs.
      environment: {},
      logRetention: props.logRetention,
      afterBundling: (inputDir, outputDir) => [`node --import tsx "${inputDir}/console/build.ts" "${outputDir}/console"`],
    });
    const integration = new LambdaIntegration(this.function, { proxy: true, allowTestInvoke: false });
    for (const path of CONSOLE_FUNCTION.paths) {
      const method = props.restApi.root.resourceForPath(path).addMethod('GET', integration, { authorizationType: AuthorizationType.NONE });
      Validations.of(method).acknowledge(
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'The web console page and its built scripts and styles must load in a browser without a key; they hold no data. Every API call the page makes goes to methods behind the gateway key authorizer.',
        },
        {
          id: 'AwsSolutions-COG4',
          reason:
            'Public static console assets (no data); console users sign in with a gateway key, checked by the Lambda authorizer on every API method, not Cognito.',
        },
      );
    }
    this.url = `${props.restApi.url}console`;
  }
}
