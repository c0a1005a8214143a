// The webhook delivery path on one machine, as the stack wires it in AWS:
//   tracker event (LocalStepFunctions) → webhooks-fan-out (an EventBridge rule, retried) →
//   SQS queue (this stand-in, spoken to by the real @aws-sdk/client-sqs via AWS_ENDPOINT_URL_SQS) →
//   webhooks-deliver (an SQS event source: batches of ≤ 10, batch item failures, redrive to a DLQ).
// SQS semantics kept: a received message is invisible for the queue's visibility timeout (or what
// ChangeMessageVisibility set), ApproximateReceiveCount counts receives, and a message received more
// than maxReceiveCount times moves to the dead-letter queue. Time is scaled: one "second" of a
// visibility timeout lasts `msPerSecond` here (npm start: 1/60, so the 1 min first retry takes 1 s).
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { InFlight } from './in-flight';
import { closeServer, listenOnLoopback } from './loopback';
import type { LocalStepFunctions } from './step-functions';
import { BATCH_EVENT_DETAIL_TYPE, BATCH_EVENT_SOURCE } from '#lib/batch-tracker/state-names';
import { MAX_DELIVERY_ATTEMPTS } from '#contracts/webhook-names';
import { WEBHOOK_FUNCTIONS } from '#contracts/routes';

interface QueuedMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  receiptHandle: string | null;
  /** Epoch ms when the message can be received again. */
  visibleAt: number;
  sentAt: number;
}

export interface LocalWebhookQueueOptions {
  dataDir: string;
  /** Milliseconds one second of a visibility timeout lasts locally. */
  msPerSecond: number;
  /** The queue's default visibility timeout, in (scaled) seconds: the stack's. */
  visibilityTimeoutSeconds: number;
  /** How often the event source polls for visible messages (ms). */
  pollMs?: number;
}

/** EventBridge retries a failed asynchronous invocation of a rule's target (the stack sets 4 retries). */
const FAN_OUT_ATTEMPTS = 5;

export class LocalWebhookQueue {
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private readonly messages: QueuedMessage[] = [];
  /** Messages the redrive policy moved (tests and operators read them). */
  readonly deadLetters: QueuedMessage[] = [];
  private readonly work = new InFlight();
  private readonly file: string;
  private polling = false;
  endpoint = '';
  queueUrl = '';

  constructor(private readonly options: LocalWebhookQueueOptions) {
    this.file = join(options.dataDir, 'webhook-queue.json');
    if (existsSync(this.file)) {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as { messages: QueuedMessage[]; deadLetters: QueuedMessage[] };
      this.messages.push(...saved.messages.map((m) => ({ ...m, visibleAt: Math.min(m.visibleAt, Date.now()) })));
      this.deadLetters.push(...saved.deadLetters);
    }
  }

  /** Starts the SQS endpoint and the event source that feeds `deliver`. */
  async start(deliver: (event: SQSEvent) => Promise<SQSBatchResponse>): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.endpoint = await listenOnLoopback(this.server);
    this.queueUrl = `${this.endpoint}/000000000000/finops-webhook-deliveries`;
    this.timer = setInterval(() => this.poll(deliver), this.options.pollMs ?? 20);
    this.timer.unref();
  }

  /** The EventBridge rule: terminal batch events go to the fan-out function, retried like an asynchronous invocation. */
  subscribe(
    stepFunctions: LocalStepFunctions,
    fanOut: (event: { source: string; 'detail-type': string; detail: unknown }) => Promise<unknown>,
    retryMs: number,
  ): void {
    stepFunctions.onEvent((published) => {
      if (published.source !== BATCH_EVENT_SOURCE || published.detailType !== BATCH_EVENT_DETAIL_TYPE) return;
      void this.work.track(
        (async () => {
          for (let attempt = 1; attempt <= FAN_OUT_ATTEMPTS; attempt++) {
            try {
              await fanOut({ source: published.source, 'detail-type': published.detailType, detail: published.detail });
              return;
            } catch {
              if (attempt < FAN_OUT_ATTEMPTS) await new Promise((r) => setTimeout(r, retryMs * attempt));
            }
          }
        })(),
      );
    });
  }

  pending(): number {
    return this.messages.length;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.work.settle();
    this.persist();
    if (this.server) await closeServer(this.server);
  }

  private persist(): void {
    writeFileSync(this.file, JSON.stringify({ messages: this.messages, deadLetters: this.deadLetters }));
  }

  private poll(deliver: (event: SQSEvent) => Promise<SQSBatchResponse>): void {
    if (this.polling) return;
    const now = Date.now();
    const visible = this.messages.filter((m) => m.visibleAt <= now);
    if (visible.length === 0) return;
    // The redrive policy: a message already received maxReceiveCount times goes to the DLQ instead.
    for (const m of visible.filter((v) => v.receiveCount >= MAX_DELIVERY_ATTEMPTS)) {
      this.messages.splice(this.messages.indexOf(m), 1);
      this.deadLetters.push(m);
    }
    const batch = visible.filter((v) => v.receiveCount < MAX_DELIVERY_ATTEMPTS).slice(0, WEBHOOK_FUNCTIONS.deliver.batchSize);
    if (batch.length === 0) return this.persist();
    for (const m of batch) {
      m.receiveCount += 1;
      m.receiptHandle = randomUUID();
      m.visibleAt = now + this.options.visibilityTimeoutSeconds * this.options.msPerSecond;
    }
    this.persist();
    this.polling = true;
    void this.work
      .track(deliver({ Records: batch.map((m) => this.record(m)) }))
      .then(
        (res) => {
          const failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
          for (const m of batch) if (!failed.has(m.messageId)) this.remove(m.messageId);
        },
        () => undefined, // the whole batch failed: every message becomes visible again after its timeout
      )
      .finally(() => {
        this.polling = false;
        this.persist();
      });
  }

  private remove(messageId: string): void {
    const i = this.messages.findIndex((m) => m.messageId === messageId);
    if (i >= 0) this.messages.splice(i, 1);
  }

  private record(m: QueuedMessage): SQSEvent['Records'][number] {
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle!,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(m.sentAt),
      },
      messageAttributes: {},
      md5OfBody: md5(m.body),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:finops-webhook-deliveries',
      awsRegion: 'us-east-1',
    };
  }

  /** The SQS JSON protocol (X-Amz-Target: AmazonSQS.<Operation>), for the operations the gateway calls. */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, any>;
    const operation = String(req.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(body));
    };
    const send = (body: string) => {
      const m: QueuedMessage = {
        messageId: randomUUID(),
        body,
        receiveCount: 0,
        receiptHandle: null,
        visibleAt: Date.now(),
        sentAt: Date.now(),
      };
      this.messages.push(m);
      return m;
    };
    switch (operation) {
      case 'SendMessage': {
        const m = send(input.MessageBody);
        this.persist();
        return reply(200, { MessageId: m.messageId, MD5OfMessageBody: md5(m.body) });
      }
      case 'SendMessageBatch': {
        const sent = (input.Entries as Array<{ Id: string; MessageBody: string }>).map((e) => ({
          Id: e.Id,
          MessageId: send(e.MessageBody).messageId,
          MD5OfMessageBody: md5(e.MessageBody),
        }));
        this.persist();
        return reply(200, { Successful: sent, Failed: [] });
      }
      case 'ChangeMessageVisibility': {
        const m = this.messages.find((x) => x.receiptHandle === input.ReceiptHandle);
        if (!m) return reply(400, { __type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid', message: 'The receipt handle is not valid.' });
        m.visibleAt = Date.now() + Number(input.VisibilityTimeout) * this.options.msPerSecond;
        this.persist();
        return reply(200, {});
      }
      default:
        return reply(400, {
          __type: 'com.amazonaws.sqs#InvalidAction',
          message: `The local webhook queue does not implement ${operation}.`,
        });
    }
  }
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
