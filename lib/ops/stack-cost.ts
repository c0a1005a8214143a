// The stack's own running cost, computed from its synthesized template: what it costs each month
// when nobody uses it (dashboards, alarms, secrets, customer managed keys, schedules, queue pollers),
// what 1,000 typical batches add (Lambda, Step Functions transitions, DynamoDB, S3, API Gateway,
// EventBridge, logs, X-Ray, Secrets Manager calls), and what the FinOps metrics cost per (provider,
// model) pair in a month it runs. Counts, memory sizes, schedules, the tracker's transitions and log
// retention come from the template, so another function, alarm, secret or schedule changes the
// figures by itself; prices are lib/ops/aws-prices.ts, assumptions lib/ops/batch-profile.ts. Pure.
import { trackingCost } from '#lib/batch-tracker/cost-model';
import { trackerDefinitionFromTemplate } from '#lib/batch-tracker/asl';
import { constructId } from '#lib/gateway-function';
import { nextWaitSeconds } from '#contracts/schedule';
import { FINOPS_METRICS } from '#contracts/metric-names';
import { AWS_PRICES, AWS_PRICES_DATE, AWS_PRICES_REGION } from './aws-prices';
import { BATCH_PROFILE, MINUTES_PER_MONTH, SCHEDULED_RUN_PROFILE, SQS_IDLE_RECEIVES_PER_MINUTE } from './batch-profile';

export interface CostLine {
  item: string;
  usd: number;
  /** How the figure is made, e.g. "3 × $0.40 per secret per month". */
  basis: string;
}

export interface StackCost {
  idle: CostLine[];
  idleMonthlyUsd: number;
  perThousandBatches: CostLine[];
  perThousandBatchesUsd: number;
  /** Custom metrics a (provider, model) pair publishes in a month it runs (0 with finopsMetrics off). */
  metricsPerModelMonth: { metrics: number; usd: number };
  /** What one typical batch does: client polls, tracker checks and state transitions. */
  activity: { polls: number; checks: number; stateTransitions: number; apiRequests: number };
}

interface Resource {
  Type: string;
  Properties?: any;
  Metadata?: Record<string, unknown>;
}
type Template = { Resources: Record<string, Resource> };

/**
 * Resource types with no standing monthly charge: they cost only through use (requests, storage,
 * duration), which the per-batch figures count. A type in neither this list nor IDLE_PRICED_TYPES
 * fails the cost model, so a new kind of resource is priced on purpose.
 */
export const NO_STANDING_CHARGE = new Set([
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::Logs::LogGroup',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::Account',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::DynamoDB::Table',
  'AWS::StepFunctions::StateMachine',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::Topic',
  'AWS::CDK::Metadata',
  'Custom::S3BucketNotifications',
]);
export const IDLE_PRICED_TYPES = new Set([
  'AWS::CloudWatch::Dashboard',
  'AWS::CloudWatch::Alarm',
  'AWS::SecretsManager::Secret',
  'AWS::KMS::Key',
  'AWS::Events::Rule',
  'AWS::Lambda::EventSourceMapping',
]);

const money = (usd: number) => `$${usd < 0.01 && usd > 0 ? usd.toPrecision(2) : usd.toFixed(2)}`;
const sum = (lines: CostLine[]) => lines.reduce((total, line) => total + line.usd, 0);
const ofType = (template: Template, type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

export function stackCost(template: Template): StackCost {
  const unpriced = [...new Set(Object.values(template.Resources).map((r) => r.Type))].filter(
    (t) => !NO_STANDING_CHARGE.has(t) && !IDLE_PRICED_TYPES.has(t),
  );
  if (unpriced.length > 0) {
    throw new Error(
      `The cost model does not know ${unpriced.join(', ')}. Add each type to IDLE_PRICED_TYPES (with its monthly charge in idleCost) or to NO_STANDING_CHARGE in lib/ops/stack-cost.ts, with its price in lib/ops/aws-prices.ts if it has one.`,
    );
  }
  const functions = functionsOf(template);
  const idle = idleCost(template, functions);
  const perBatch = perThousandBatches(template, functions);
  return {
    idle,
    idleMonthlyUsd: sum(idle),
    perThousandBatches: perBatch,
    perThousandBatchesUsd: sum(perBatch),
    metricsPerModelMonth: metricsCost(functions),
    activity: (({ polls, tracking, apiRequests }) => ({
      polls,
      checks: tracking.checks,
      stateTransitions: tracking.stateTransitions,
      apiRequests,
    }))(batchActivity(template)),
  };
}

interface FunctionInfo {
  logicalId: string;
  /** The operation (lambda/handlers/<operation>.ts) when the construct id is one the profile knows. */
  operation?: string;
  memoryMb: number;
  environment: Record<string, unknown>;
}

/** Functions by logical id; the operation comes from the construct path (…/FilesCreate/Resource → files-create). */
function functionsOf(template: Template): Map<string, FunctionInfo> {
  const byConstructId = new Map(Object.keys(BATCH_PROFILE.durationMs).map((op) => [constructId(op), op]));
  const functions = new Map<string, FunctionInfo>();
  for (const [logicalId, fn] of ofType(template, 'AWS::Lambda::Function')) {
    const segments = String(fn.Metadata?.['aws:cdk:path'] ?? '').split('/');
    functions.set(logicalId, {
      logicalId,
      operation: byConstructId.get(segments[segments.length - 2]),
      memoryMb: fn.Properties?.MemorySize ?? 128,
      environment: fn.Properties?.Environment?.Variables ?? {},
    });
  }
  return functions;
}

function functionFor(functions: Map<string, FunctionInfo>, operation: string): FunctionInfo {
  const fn = [...functions.values()].find((f) => f.operation === operation);
  if (!fn)
    throw new Error(
      `lib/ops/batch-profile.ts counts invocations of ${operation}, but the template has no such function (is the template synthesized with path metadata?)`,
    );
  return fn;
}

/** One invocation's Lambda, log and trace cost. */
function invocationUsd(fn: FunctionInfo, durationMs: number): number {
  const gbSeconds = (fn.memoryMb / 1024) * (durationMs / 1000);
  return gbSeconds * AWS_PRICES.lambdaArmGbSecond.usd + AWS_PRICES.lambdaRequest.usd;
}

function idleCost(template: Template, functions: Map<string, FunctionInfo>): CostLine[] {
  const lines: CostLine[] = [];
  const counted = (item: string, type: string, price: { usd: number; unit: string }) => {
    const n = ofType(template, type).length;
    if (n > 0)
      lines.push({ item, usd: n * price.usd, basis: `${n} × ${money(price.usd)} per ${price.unit.replace(/ per month$/, '')} per month` });
  };
  counted('CloudWatch dashboard', 'AWS::CloudWatch::Dashboard', AWS_PRICES.dashboardMonth);
  const alarmMetrics = ofType(template, 'AWS::CloudWatch::Alarm').reduce(
    (n, [, a]) => n + Math.max(1, (a.Properties?.Metrics ?? []).filter((m: any) => m.MetricStat).length),
    0,
  );
  if (alarmMetrics > 0)
    lines.push({
      item: 'CloudWatch alarms',
      usd: alarmMetrics * AWS_PRICES.alarmMonth.usd,
      basis: `${alarmMetrics} alarm metric(s) × ${money(AWS_PRICES.alarmMonth.usd)} per month`,
    });
  counted('Secrets Manager secrets', 'AWS::SecretsManager::Secret', AWS_PRICES.secretMonth);
  counted('KMS customer managed keys', 'AWS::KMS::Key', AWS_PRICES.kmsKeyMonth);
  for (const [logicalId, rule] of ofType(template, 'AWS::Events::Rule')) {
    const expression = rule.Properties?.ScheduleExpression;
    if (!expression) continue; // An event-pattern rule costs nothing until events arrive.
    const runs = MINUTES_PER_MONTH / scheduleMinutes(expression, logicalId);
    const targets = (rule.Properties.Targets ?? [])
      .map((t: any) => functions.get(t.Arn?.['Fn::GetAtt']?.[0]))
      .filter(Boolean) as FunctionInfo[];
    const perRun = targets.reduce((usd, fn) => usd + scheduledRunUsd(fn), 0);
    lines.push({
      item: `schedule ${expression}${targets[0]?.operation ? ` (${targets[0].operation})` : ''}`,
      usd: runs * perRun,
      basis: `${Math.round(runs)} runs a month: Lambda, logs, trace and table reads per run`,
    });
  }
  const mappings = ofType(template, 'AWS::Lambda::EventSourceMapping').length;
  if (mappings > 0) {
    const receives = mappings * SQS_IDLE_RECEIVES_PER_MINUTE * MINUTES_PER_MONTH;
    lines.push({
      item: 'SQS pollers of event source mappings',
      usd: receives * AWS_PRICES.sqsRequest.usd,
      basis: `${mappings} mapping(s) × ~${SQS_IDLE_RECEIVES_PER_MINUTE} empty receives a minute (estimate)`,
    });
  }
  return lines;
}

function scheduledRunUsd(fn: FunctionInfo): number {
  const duration = fn.operation ? BATCH_PROFILE.durationMs[fn.operation] : 1000;
  return (
    invocationUsd(fn, duration ?? 1000) +
    (SCHEDULED_RUN_PROFILE.logBytes / 1e9) * AWS_PRICES.logsIngestedGb.usd +
    AWS_PRICES.xrayTraceRecorded.usd +
    SCHEDULED_RUN_PROFILE.dynamoReadUnits * AWS_PRICES.dynamoReadRequestUnit.usd +
    SCHEDULED_RUN_PROFILE.dynamoWriteUnits * AWS_PRICES.dynamoWriteRequestUnit.usd
  );
}

/** rate(N minutes|hours|days) in minutes. */
export function scheduleMinutes(expression: string, where = 'a schedule'): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match)
    throw new Error(
      `The cost model reads rate(…) schedules only; ${where} has "${expression}": add its runs per month in lib/ops/stack-cost.ts`,
    );
  const unit = match[2].startsWith('minute') ? 1 : match[2].startsWith('hour') ? 60 : 1440;
  return Number(match[1]) * unit;
}

/** Calls, invocations and transitions of one typical batch (BATCH_PROFILE). */
export function batchActivity(template: Template) {
  const providerSeconds = BATCH_PROFILE.providerHours * 3600;
  const tracking = trackingCost(trackerDefinitionFromTemplate(template), providerSeconds, (age) => nextWaitSeconds(age));
  const polls = Math.ceil(providerSeconds / BATCH_PROFILE.clientPollSeconds);
  const apiCalls: Record<string, number> = { 'files-create': 1, 'batches-create': 1, 'batches-retrieve': polls, 'files-content': 1 };
  const apiRequests = Object.values(apiCalls).reduce((a, b) => a + b, 0);
  // The authorizer's answer is cached 60 s per key: polls a minute or more apart each miss it.
  // The tracker prepares and submits once, checks, collects once; its terminal event reaches the webhook fan-out once.
  const invocations: Record<string, number> = {
    ...apiCalls,
    authorizer: apiRequests,
    'tracker-prepare-input': 1,
    'tracker-submit-batch': 1,
    'tracker-check-status': tracking.checks,
    'tracker-collect-results': 1,
    'webhooks-fan-out': 1,
  };
  return { tracking, polls, apiRequests, invocations };
}

function perThousandBatches(template: Template, functions: Map<string, FunctionInfo>): CostLine[] {
  const { tracking, apiRequests, invocations } = batchActivity(template);
  const p = BATCH_PROFILE;
  const lambdaCalls = Object.values(invocations).reduce((a, b) => a + b, 0);
  const lambdaUsd = Object.entries(invocations).reduce(
    (usd, [op, n]) => usd + n * invocationUsd(functionFor(functions, op), p.durationMs[op]),
    0,
  );
  const reads = apiRequests * p.dynamoReadUnitsPerRequest + tracking.checks * p.dynamoReadUnitsPerCheck + p.dynamoReadUnitsCollect;
  const logBytes =
    lambdaCalls * p.logBytesPerInvocation + tracking.stateTransitions * p.logBytesPerTransition + apiRequests * p.logBytesPerApiRequest;
  const retentionMonths = maxRetentionDays(template) / 30;
  const storedGb = ((p.inputMegabytes + p.outputMegabytes) / 1024) * p.storedMonths;
  const perBatch: CostLine[] = [
    { item: 'API Gateway requests', usd: apiRequests * AWS_PRICES.apiGatewayRestRequest.usd, basis: `${apiRequests} requests a batch` },
    {
      item: 'Lambda',
      usd: lambdaUsd,
      basis: `${lambdaCalls} invocations a batch (${Object.entries(invocations)
        .map(([op, n]) => `${op} ${n}`)
        .join(', ')}), memory from the template`,
    },
    {
      item: 'Step Functions',
      usd: tracking.stateTransitions * AWS_PRICES.stepFunctionsTransition.usd,
      basis: `${tracking.stateTransitions} state transitions (${tracking.checks} checks), from the synthesized tracker`,
    },
    {
      item: 'DynamoDB',
      usd: p.dynamoWriteUnits * AWS_PRICES.dynamoWriteRequestUnit.usd + reads * AWS_PRICES.dynamoReadRequestUnit.usd,
      basis: `${p.dynamoWriteUnits} WRU + ${reads} RRU on demand`,
    },
    {
      item: 'S3',
      usd: p.s3Puts * AWS_PRICES.s3PutRequest.usd + p.s3Gets * AWS_PRICES.s3GetRequest.usd + storedGb * AWS_PRICES.s3StandardGbMonth.usd,
      basis: `${p.s3Puts} PUT, ${p.s3Gets} GET, ${p.inputMegabytes + p.outputMegabytes} MB kept ${p.storedMonths} month`,
    },
    { item: 'EventBridge', usd: AWS_PRICES.eventBridgeCustomEvent.usd, basis: '1 "Batch Finished" event' },
    {
      item: 'CloudWatch Logs',
      usd: (logBytes / 1e9) * (AWS_PRICES.logsIngestedGb.usd + retentionMonths * AWS_PRICES.logsStoredGbMonth.usd),
      basis: `${Math.round(logBytes / 1000)} KB ingested, kept ${maxRetentionDays(template)} days`,
    },
    {
      item: 'X-Ray',
      usd: (apiRequests + 1) * AWS_PRICES.xrayTraceRecorded.usd,
      basis: `${apiRequests + 1} traces (every request and the execution)`,
    },
    { item: 'Secrets Manager calls', usd: p.secretCalls * AWS_PRICES.secretApiCall.usd, basis: `${p.secretCalls} GetSecretValue` },
  ];
  return perBatch.map((line) => ({ ...line, usd: line.usd * 1000 }));
}

function maxRetentionDays(template: Template): number {
  const days = ofType(template, 'AWS::Logs::LogGroup').map(([, g]) => Number(g.Properties?.RetentionInDays ?? 3653));
  return days.length ? Math.max(...days) : 0;
}

/** EMF metrics: every FinOps metric and a status count, under {Provider, Model} and {Provider}. */
function metricsCost(functions: Map<string, FunctionInfo>): { metrics: number; usd: number } {
  const collect = [...functions.values()].find((f) => f.operation === 'tracker-collect-results');
  if (!collect || collect.environment.FINOPS_EMF === 'false') return { metrics: 0, usd: 0 };
  const metrics = (Object.keys(FINOPS_METRICS).length + 1) * 2;
  return { metrics, usd: metrics * AWS_PRICES.customMetricMonth.usd };
}

/** The README's running-cost block (scripts/readme-tables.ts writes it; the cost test compares). */
export function costTableMarkdown(cost: StackCost, lean: StackCost): string {
  const p = BATCH_PROFILE;
  const { checks, polls } = cost.activity;
  const rows = (lines: CostLine[]) => lines.map((l) => `| ${l.item} | ${money(l.usd)} | ${l.basis} |`);
  return [
    `Computed by \`test/infra/stack-cost.test.ts\` from the synthesized template, AWS list prices of ${AWS_PRICES_DATE} (${AWS_PRICES_REGION}, \`lib/ops/aws-prices.ts\`, with sources) and the assumptions in \`lib/ops/batch-profile.ts\`; no free tier.`,
    '',
    `**Idle: ${money(cost.idleMonthlyUsd)} a month** with the defaults; **${money(lean.idleMonthlyUsd)}** with \`dashboard: false\`, \`executionAlarms: false\`, \`finopsMetrics: false\`.`,
    '',
    '| always on | per month | from the template |',
    '| --- | ---: | --- |',
    ...rows(cost.idle),
    '',
    `**Per 1,000 batches: ${money(cost.perThousandBatchesUsd)}**, for batches of ${p.requests} requests (${p.inputMegabytes} MB in, ${p.outputMegabytes} MB out) that the provider finishes in ${p.providerHours} h, run like the seed workflow (upload, create, \`batches.retrieve\` every ${p.clientPollSeconds} s: ${polls} polls, download the output); the tracker checks ${checks} times.`,
    '',
    '| per 1,000 batches | cost | basis (per batch) |',
    '| --- | ---: | --- |',
    ...rows(cost.perThousandBatches),
    '',
    `**FinOps metrics: ${money(cost.metricsPerModelMonth.usd)} a month for each (provider, model) pair that runs a batch that month** (${cost.metricsPerModelMonth.metrics} custom metrics; \`finopsMetrics: false\` turns them off).`,
    '',
    `Not included: the providers' own token charges (what the gateway reports per batch), data transfer out, S3 and DynamoDB storage beyond the batches above (point-in-time recovery adds ${money(AWS_PRICES.dynamoPitrGbMonth.usd)} per GB-month of table), the CDK bootstrap stack, and free tiers (3 dashboards, 10 alarms, 1M Lambda requests and 400,000 GB-s, 100,000 X-Ray traces a month…) that can take the dashboard, the alarms and much of the per-batch figure off the bill (not the secrets).`,
  ].join('\n');
}
