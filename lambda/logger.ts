// The one Powertools logger of a function, in the bottom layer: the HTTP edge, the stores and the
// services all log through it (lambda/runtime.ts re-exports it).
import { Logger } from '@aws-lambda-powertools/logger';

// INFO in Lambda; outside it (the local gateway, tests) WARN unless POWERTOOLS_LOG_LEVEL says otherwise.
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'finops-gateway',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL ?? (process.env.AWS_LAMBDA_FUNCTION_NAME ? 'INFO' : 'WARN')) as 'INFO',
});

/**
 * The local gateway is one long-lived "warm" function: Powertools puts the level back to the one the
 * logger was built with on every invocation, so a level chosen after start-up must become that level.
 */
export function setBaseLogLevel(level: string): void {
  (logger as unknown as { setInitialLogLevel(level: string): void }).setInitialLogLevel(level);
  logger.setLogLevel(level as 'INFO');
}
