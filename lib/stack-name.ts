// The stack's name when none is given (a stage adds "-<stage>"). Plain data, so scripts that only
// talk to a deployment (npm run smoke) can use it without loading the CDK.
export const DEFAULT_STACK_NAME = 'FinOpsGateway';
