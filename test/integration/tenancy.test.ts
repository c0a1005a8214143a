// Tenant isolation for every route of contracts/routes.ts, against the local gateway. Alice owns a
// file, a finished batch (with an output file), a pending upload and usage; Bob (another tenant)
// tries every operation on them. Bob gets exactly the 404 a missing id gets (never 403, never the
// object), never sees Alice's objects in a list or in /finops/usage, and changes nothing of hers.
// The cases are keyed by operation: a route added to routes.ts without a case here fails the suite.
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OPERATION_ROUTES } from '#contracts/routes';
import { LOCAL_CREDENTIALS } from '#local/stand-ins';
import { UploadStore } from '#lambda/store/uploads';
import { chatLine, jsonl, pollUntilDone, startTestGateway, upload, type TestGateway } from './helpers';
import type { ProviderName } from '#contracts/providers';
import { PROVIDER_CASES } from './provider-cases';

let t: TestGateway;
let keys: { alice: string; bob: string };
let uploads: UploadStore;
let dynamo: DynamoDBClient;

/** What Alice owns when the cases run. */
const alice = {
  fileId: '',
  fileContent: '',
  batchId: '',
  outputFileId: '',
  uploadId: '',
  partId: '',
  uploadBytes: 0,
};

/**
 * The providers whose objects Alice owns, one run of every case each (issue 16: the OpenAI-shaped
 * providers of the catalog too), with a model of each. `current` is the one the running block uses.
 */
const TENANCY_PROVIDERS: Array<[ProviderName, string]> = [
  ['openai', 'gpt-4o-mini'],
  ['groq', 'llama-3.1-8b-instant'],
  ['together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
  ['azure', 'gpt-4o-mini'],
];
let current: { provider: ProviderName; model: string } = { provider: 'openai', model: 'gpt-4o-mini' };

/**
 * One gateway for the whole file; each block gets tenants of its own instead (every local key is its
 * own tenant): Alice and Bob of block i are keys 2i and 2i+1, so no block sees another's objects,
 * usage, budgets or webhooks. The last pair is the every-provider block's.
 */
const TENANT_PAIRS = TENANCY_PROVIDERS.length + 1;
const TENANCY_KEYS = Array.from({ length: TENANT_PAIRS }, (_, i) => [`sk-finops-tenancy-alice-${i}`, `sk-finops-tenancy-bob-${i}`]).flat();
/** Key indexes of the running block's Alice and Bob (for t.client). */
let who = { alice: 0, bob: 1 };
/** Alice and Bob of tenant pair `pair`: their keys, and the running block's key indexes. */
function useTenants(pair: number) {
  who = { alice: 2 * pair, bob: 2 * pair + 1 };
  keys = { alice: t.gateway.apiKeys[who.alice], bob: t.gateway.apiKeys[who.bob] };
}

beforeAll(async () => {
  // Slow enough simulated batches that one is still running when the cancel case needs it.
  t = await startTestGateway({ simulatorStepMs: 300, apiKeys: TENANCY_KEYS });
  dynamo = new DynamoDBClient({ endpoint: t.gateway.dynamodbEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  uploads = new UploadStore(dynamo, 'finops-gateway');
}, 180_000); // a gateway and its simulators on a loaded 2-core machine

afterAll(async () => {
  dynamo?.destroy();
  await t?.close();
});

const token = (n: number) => randomBytes(n).toString('hex').slice(0, n);
const MISSING = {
  file: () => `file-${token(24)}`,
  batch: () => `batch_${token(24)}`,
  upload: () => `upload_${token(24)}`,
  webhook: () => `whk_${token(24)}`,
};

/** Alice's webhook endpoint, registered on first use. */
let aliceWebhookId: string | undefined;
async function aliceWebhook(): Promise<string> {
  aliceWebhookId ??= (await jsonOf(await call(keys.alice, 'POST', '/finops/webhooks', { url: 'http://127.0.0.1:9/alice-hooks' })))
    .id as string;
  return aliceWebhookId;
}
const webhookIdsOf = async (key: string) =>
  (await jsonOf(await call(key, 'GET', '/finops/webhooks'))).data.map((e: { id: string }) => e.id) as string[];

async function call(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  return fetch(`${t.gateway.baseURL}${path}`, init);
}

async function jsonOf(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON (HTTP ${res.status}): ${text.slice(0, 200)}`);
  }
}

/**
 * Bob's request on Alice's object answers exactly like the same request on an id that does not exist:
 * 404, an OpenAI-shaped error naming the id, and nothing else.
 */
async function expectLikeMissing(request: (id: string) => Promise<Response>, aliceId: string, missingId: string): Promise<any> {
  const onAlices = await request(aliceId);
  const onMissing = await request(missingId);
  expect(onAlices.status).toBe(404);
  expect(onMissing.status).toBe(404);
  const [a, m] = [await jsonOf(onAlices), await jsonOf(onMissing)];
  expect(Object.keys(a)).toEqual(['error']);
  expect(a.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining(aliceId) });
  expect(JSON.stringify(a).split(aliceId).join('<id>')).toBe(JSON.stringify(m).split(missingId).join('<id>'));
  return a;
}

const partForm = (bytes: Buffer) => {
  const form = new FormData();
  form.append('data', new Blob([new Uint8Array(bytes)]), 'part');
  return form;
};

const today = () => new Date().toISOString().slice(0, 10);

type Case = () => Promise<void>;

const CASES: Record<string, Case> = {
  'files-create': async () => {
    // What Bob uploads is his: Alice can neither retrieve nor list it.
    const bobs = await upload(t.client(who.bob), jsonl([chatLine('b1', current.model, 'bob')]), { provider: current.provider });
    await expectLikeMissing((id) => call(keys.alice, 'GET', `/files/${id}`), bobs.id, MISSING.file());
    const aliceList = await jsonOf(await call(keys.alice, 'GET', '/files?limit=100'));
    expect(aliceList.data.map((f: { id: string }) => f.id)).not.toContain(bobs.id);
    const bobList = await jsonOf(await call(keys.bob, 'GET', '/files?limit=100'));
    expect(bobList.data.map((f: { id: string }) => f.id)).toContain(bobs.id);
  },

  'files-list': async () => {
    const aliceIds = (await jsonOf(await call(keys.alice, 'GET', '/files?limit=100'))).data.map((f: { id: string }) => f.id);
    expect(aliceIds).toEqual(expect.arrayContaining([alice.fileId, alice.outputFileId]));
    for (const query of ['', '?purpose=batch_output', `?provider=${current.provider}`, '?order=asc']) {
      const bobIds = (await jsonOf(await call(keys.bob, 'GET', `/files${query}`))).data.map((f: { id: string }) => f.id);
      expect(bobIds).not.toContain(alice.fileId);
      expect(bobIds).not.toContain(alice.outputFileId);
    }
    // Alice's id as Bob's cursor reveals nothing after it.
    const page = await jsonOf(await call(keys.bob, 'GET', `/files?after=${alice.fileId}`));
    expect(page).toMatchObject({ object: 'list', data: [], has_more: false });
  },

  'files-retrieve': async () => {
    await expectLikeMissing((id) => call(keys.bob, 'GET', `/files/${id}`), alice.fileId, MISSING.file());
    await expectLikeMissing((id) => call(keys.bob, 'GET', `/files/${id}`), alice.outputFileId, MISSING.file());
    await expectLikeMissing((id) => call(keys.bob, 'GET', `/files/${id}?provider=${current.provider}`), alice.fileId, MISSING.file());
  },

  'files-delete': async () => {
    await expectLikeMissing((id) => call(keys.bob, 'DELETE', `/files/${id}`), alice.fileId, MISSING.file());
    await expectLikeMissing((id) => call(keys.bob, 'DELETE', `/files/${id}`), alice.outputFileId, MISSING.file());
    // Still hers, bytes and all.
    expect((await call(keys.alice, 'GET', `/files/${alice.fileId}`)).status).toBe(200);
    expect(await (await call(keys.alice, 'GET', `/files/${alice.fileId}/content`)).text()).toBe(alice.fileContent);
  },

  'files-content': async () => {
    const err = await expectLikeMissing((id) => call(keys.bob, 'GET', `/files/${id}/content`), alice.fileId, MISSING.file());
    expect(JSON.stringify(err)).not.toContain('alice-secret-question');
    await expectLikeMissing((id) => call(keys.bob, 'GET', `/files/${id}/content`), alice.outputFileId, MISSING.file());
  },

  'batches-create': async () => {
    const body = (id: string) => ({
      input_file_id: id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      provider: current.provider,
    });
    const err = await expectLikeMissing((id) => call(keys.bob, 'POST', '/batches', body(id)), alice.fileId, MISSING.file());
    expect(err.error.param).toBe('input_file_id');
    // Nothing was created for Bob from Alice's file.
    expect(
      (await jsonOf(await call(keys.bob, 'GET', '/batches'))).data.map((b: { input_file_id: string }) => b.input_file_id),
    ).not.toContain(alice.fileId);
  },

  'batches-list': async () => {
    const aliceIds = (await jsonOf(await call(keys.alice, 'GET', '/batches?limit=100'))).data.map((b: { id: string }) => b.id);
    expect(aliceIds).toContain(alice.batchId);
    for (const query of ['', '?limit=100', `?provider=${current.provider}`, `?model=${encodeURIComponent(current.model)}`]) {
      const bobIds = (await jsonOf(await call(keys.bob, 'GET', `/batches${query}`))).data.map((b: { id: string }) => b.id);
      expect(bobIds).not.toContain(alice.batchId);
    }
    expect(await jsonOf(await call(keys.bob, 'GET', `/batches?after=${alice.batchId}`))).toMatchObject({
      object: 'list',
      data: [],
      has_more: false,
    });
  },

  'batches-retrieve': async () => {
    await expectLikeMissing((id) => call(keys.bob, 'GET', `/batches/${id}`), alice.batchId, MISSING.batch());
  },

  'batches-cancel': async () => {
    // A batch of Alice's that is still running: Bob's cancel must not touch it.
    const running = await jsonOf(
      await call(keys.alice, 'POST', '/batches', {
        input_file_id: alice.fileId,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        provider: current.provider,
      }),
    );
    expect(['validating', 'in_progress']).toContain(running.status);
    await expectLikeMissing((id) => call(keys.bob, 'POST', `/batches/${id}/cancel`), running.id, MISSING.batch());
    const after = await jsonOf(await call(keys.alice, 'GET', `/batches/${running.id}`));
    expect(after.cancelling_at).toBeNull();
    // Still cancellable by its owner, which proves Bob's attempt left it as it was.
    const cancelled = await jsonOf(await call(keys.alice, 'POST', `/batches/${running.id}/cancel`));
    expect(cancelled.status).toBe('cancelling');
    await pollUntilDone(t.client(who.alice), running.id);
  },

  'uploads-create': async () => {
    // Bob's upload is his: Alice cannot add parts to it, complete or cancel it.
    const bobs = await jsonOf(
      await call(keys.bob, 'POST', '/uploads', { filename: 'b.jsonl', purpose: 'batch', bytes: 10, mime_type: 'application/jsonl' }),
    );
    expect(bobs.status).toBe('pending');
    await expectLikeMissing(
      (id) => call(keys.alice, 'POST', `/uploads/${id}/parts`, partForm(Buffer.from('0123456789'))),
      bobs.id,
      MISSING.upload(),
    );
    await expectLikeMissing((id) => call(keys.alice, 'POST', `/uploads/${id}/cancel`), bobs.id, MISSING.upload());
    expect((await call(keys.bob, 'POST', `/uploads/${bobs.id}/cancel`)).status).toBe(200);
  },

  'uploads-parts-create': async () => {
    const before = await uploads.listParts(alice.uploadId);
    await expectLikeMissing(
      (id) => call(keys.bob, 'POST', `/uploads/${id}/parts`, partForm(Buffer.from('{"injected":true}\n'))),
      alice.uploadId,
      MISSING.upload(),
    );
    const after = await uploads.listParts(alice.uploadId);
    expect(after.map((p) => p.id)).toEqual(before.map((p) => p.id));
    expect((await uploads.getUpload(after[0].tenantId, alice.uploadId))?.receivedBytes).toBe(alice.uploadBytes);
  },

  'uploads-complete': async () => {
    await expectLikeMissing(
      (id) => call(keys.bob, 'POST', `/uploads/${id}/complete`, { part_ids: [alice.partId] }),
      alice.uploadId,
      MISSING.upload(),
    );
    const [part] = await uploads.listParts(alice.uploadId);
    expect((await uploads.getUpload(part.tenantId, alice.uploadId))?.status).toBe('pending');
  },

  'uploads-cancel': async () => {
    await expectLikeMissing((id) => call(keys.bob, 'POST', `/uploads/${id}/cancel`), alice.uploadId, MISSING.upload());
    // Not cancelled: its owner completes it, and the file is hers alone.
    const completed = await jsonOf(await call(keys.alice, 'POST', `/uploads/${alice.uploadId}/complete`, { part_ids: [alice.partId] }));
    expect(completed.status).toBe('completed');
    await expectLikeMissing((id) => call(keys.bob, 'GET', `/files/${id}`), completed.file.id, MISSING.file());
  },

  'files-direct-upload': async () => {
    // Bob's direct upload is his, before and after its bytes arrive: Alice can neither retrieve, read
    // nor list it, and its object key is under Bob's tenant, not Alice's.
    const content = jsonl([chatLine('d1', current.model, 'bob-direct')]);
    const request = (key: string) =>
      call(key, 'POST', '/files/direct-uploads', {
        filename: 'd.jsonl',
        purpose: 'batch',
        bytes: Buffer.byteLength(content),
        provider: current.provider,
      });
    const bobs = await jsonOf(await request(keys.bob));
    const alices = await jsonOf(await request(keys.alice));
    expect(bobs.file.status).toBe('uploaded');
    const tenantOf = (url: string) => new URL(url).pathname.split('/')[3];
    expect(tenantOf(bobs.upload.url)).not.toBe(tenantOf(alices.upload.url));
    await expectLikeMissing((id) => call(keys.alice, 'GET', `/files/${id}`), bobs.file.id, MISSING.file());
    expect((await fetch(bobs.upload.url, { method: 'PUT', headers: bobs.upload.headers, body: content })).status).toBe(200);
    let status = 'uploaded';
    for (let i = 0; i < 400 && status === 'uploaded'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = (await jsonOf(await call(keys.bob, 'GET', `/files/${bobs.file.id}`))).status;
    }
    expect(status).toBe('processed');
    await expectLikeMissing((id) => call(keys.alice, 'GET', `/files/${id}`), bobs.file.id, MISSING.file());
    await expectLikeMissing((id) => call(keys.alice, 'GET', `/files/${id}/content`), bobs.file.id, MISSING.file());
    await expectLikeMissing((id) => call(keys.alice, 'DELETE', `/files/${id}`), bobs.file.id, MISSING.file());
    const aliceList = await jsonOf(await call(keys.alice, 'GET', '/files?limit=100'));
    expect(aliceList.data.map((f: { id: string }) => f.id)).not.toContain(bobs.file.id);
    expect(await (await call(keys.bob, 'GET', `/files/${bobs.file.id}/content`)).text()).toBe(content);
  },

  'batches-retry': async () => {
    await expectLikeMissing((id) => call(keys.bob, 'POST', `/batches/${id}/retry`, {}), alice.batchId, MISSING.batch());
    const own = await jsonOf(await call(keys.alice, 'GET', `/batches/${alice.batchId}`));
    expect(own.metadata?.retried_by).toBeUndefined();
  },

  'finops-estimate': async () => {
    await expectLikeMissing((id) => call(keys.bob, 'POST', '/finops/estimate', { input_file_id: id }), alice.fileId, MISSING.file());
    expect((await call(keys.alice, 'POST', '/finops/estimate', { input_file_id: alice.fileId })).status).toBe(200);
  },

  'webhooks-create': async () => {
    const bobs = await jsonOf(await call(keys.bob, 'POST', '/finops/webhooks', { url: 'http://127.0.0.1:9/bob-hooks' }));
    expect(bobs.id).toMatch(/^whk_/);
    expect(await webhookIdsOf(keys.alice)).not.toContain(bobs.id);
    expect(await webhookIdsOf(keys.bob)).not.toContain(await aliceWebhook());
  },

  'webhooks-list': async () => {
    const id = await aliceWebhook();
    expect(await webhookIdsOf(keys.alice)).toContain(id);
    const bobs = await jsonOf(await call(keys.bob, 'GET', '/finops/webhooks'));
    expect(JSON.stringify(bobs)).not.toContain('alice-hooks');
  },

  'webhooks-delete': async () => {
    const id = await aliceWebhook();
    await expectLikeMissing((wid) => call(keys.bob, 'DELETE', `/finops/webhooks/${wid}`), id, MISSING.webhook());
    expect(await webhookIdsOf(keys.alice)).toContain(id);
  },

  'webhooks-rotate': async () => {
    const id = await aliceWebhook();
    await expectLikeMissing((wid) => call(keys.bob, 'POST', `/finops/webhooks/${wid}/rotate`), id, MISSING.webhook());
    expect((await call(keys.alice, 'POST', `/finops/webhooks/${id}/rotate`)).status).toBe(200);
  },

  'finops-usage': async () => {
    const query = `/finops/usage?start=${today()}&end=${today()}&group_by=key`;
    const aliceReport = await jsonOf(await call(keys.alice, 'GET', query));
    expect(aliceReport.total.batches).toBeGreaterThanOrEqual(1);
    expect(aliceReport.total.input_tokens).toBeGreaterThan(0);
    const bobReport = await jsonOf(await call(keys.bob, 'GET', query));
    expect(bobReport.object).toBe('finops.usage_report');
    expect(bobReport.total.batches).toBe(0);
    expect(bobReport.total.input_tokens).toBe(0);
    expect(bobReport.data).toEqual([]);
    const aliceKeyIds = aliceReport.data.map((line: { key_id: string }) => line.key_id);
    expect(aliceKeyIds.length).toBeGreaterThan(0);
    expect(JSON.stringify(bobReport)).not.toContain(aliceKeyIds[0]);
  },
  'finops-budgets': async () => {
    const aliceBudgets = await jsonOf(await call(keys.alice, 'GET', '/finops/budgets'));
    const bobBudgets = await jsonOf(await call(keys.bob, 'GET', '/finops/budgets'));
    expect(aliceBudgets.data).toHaveLength(1);
    expect(aliceBudgets.data[0].spent_usd).toBeGreaterThan(0);
    // Bob sees his own key only, with nothing spent; never Alice's key or spend.
    expect(bobBudgets.data).toHaveLength(1);
    expect(bobBudgets.data[0]).toMatchObject({ spent_usd: 0, reserved_usd: 0 });
    expect(JSON.stringify(bobBudgets)).not.toContain(aliceBudgets.data[0].key_id);
  },
  'console-session': async () => {
    const aliceSession = await jsonOf(await call(keys.alice, 'GET', '/console/session'));
    const bobSession = await jsonOf(await call(keys.bob, 'GET', '/console/session'));
    expect(bobSession.tenant_id).not.toBe(aliceSession.tenant_id);
    expect(bobSession.key_id).not.toBe(aliceSession.key_id);
    expect(JSON.stringify(bobSession)).not.toContain(aliceSession.key_id);
  },
};

describe.each(TENANCY_PROVIDERS.map((entry, pair) => [...entry, pair] as const))("Alice's objects on %s", (provider, model, pair) => {
  beforeAll(async () => {
    current = { provider, model };
    useTenants(pair);
    aliceWebhookId = undefined; // each block's Alice is a tenant of her own, with no webhook yet

    const client = t.client(who.alice);
    alice.fileContent = jsonl([chatLine('a1', current.model, 'alice-secret-question'), chatLine('a2', current.model, 'another one')]);
    alice.fileId = (await upload(client, alice.fileContent, { provider: current.provider })).id;
    const batch = await client.batches.create({ input_file_id: alice.fileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
    alice.batchId = batch.id;
    const { batch: done } = await pollUntilDone(client, batch.id);
    expect(done.status).toBe('completed');
    alice.outputFileId = done.output_file_id!;

    const part = Buffer.from(jsonl([chatLine('u1', current.model, 'uploaded in parts')]));
    alice.uploadBytes = part.length;
    const created = await jsonOf(
      await call(keys.alice, 'POST', '/uploads', {
        filename: 'a.jsonl',
        purpose: 'batch',
        bytes: part.length,
        mime_type: 'application/jsonl',
        provider: current.provider,
      }),
    );
    alice.uploadId = created.id;
    alice.partId = (await jsonOf(await call(keys.alice, 'POST', `/uploads/${alice.uploadId}/parts`, partForm(part)))).id;
  }, 180_000); // a batch run to completion on a loaded 2-core machine

  test('every route in contracts/routes.ts has a tenancy case (add one with a new route)', () => {
    expect(Object.keys(CASES).sort()).toEqual([...new Set(OPERATION_ROUTES.map((r) => r.operation))].sort());
  });

  describe.each(OPERATION_ROUTES.map((r) => [r.operation, r.method, r.path] as const))('%s (%s %s)', (operation) => {
    test('another tenant: the 404 of a missing id, never the object, never in a list; nothing of the owner changes', async () => {
      const run = CASES[operation];
      if (!run) throw new Error(`No tenancy case for ${operation}: add one to CASES in test/integration/tenancy.test.ts`);
      await run();
    });
  });
});

// The same isolation for a file and a finished batch on every provider (test/integration/provider-cases.ts):
// whatever the provider keeps for Alice, Bob gets the 404 of a missing id and sees nothing in a list.
describe('a file and a finished batch on every provider', () => {
  // The file's gateway, with an Alice and a Bob of this block's own (the last tenant pair).
  beforeAll(() => useTenants(TENANT_PAIRS - 1));

  describe.each(PROVIDER_CASES.map((c) => [c.provider, c] as const))('on provider %s', (provider, { model }) => {
    const owned = { fileId: '', batchId: '', outputFileId: '' };

    beforeAll(async () => {
      const client = t.client(who.alice);
      owned.fileId = (await upload(client, jsonl([chatLine('p1', model, `alice on ${provider}`)]), { provider })).id;
      const batch = await client.batches.create({
        input_file_id: owned.fileId,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        provider,
        model,
      } as never);
      owned.batchId = batch.id;
      const { batch: done } = await pollUntilDone(client, batch.id, { provider });
      expect(done.status).toBe('completed');
      owned.outputFileId = done.output_file_id!;
    }, 60_000);

    test('another tenant: the 404 of a missing id on the file, its content, the batch, its cancel and output; nothing in a list; nothing changes', async () => {
      const q = `?provider=${provider}`;
      await expectLikeMissing((id) => call(keys.bob, 'GET', `/files/${id}${q}`), owned.fileId, MISSING.file());
      await expectLikeMissing((id) => call(keys.bob, 'GET', `/files/${id}/content${q}`), owned.fileId, MISSING.file());
      await expectLikeMissing((id) => call(keys.bob, 'GET', `/files/${id}/content${q}`), owned.outputFileId, MISSING.file());
      await expectLikeMissing((id) => call(keys.bob, 'DELETE', `/files/${id}${q}`), owned.fileId, MISSING.file());
      await expectLikeMissing((id) => call(keys.bob, 'GET', `/batches/${id}${q}`), owned.batchId, MISSING.batch());
      await expectLikeMissing((id) => call(keys.bob, 'POST', `/batches/${id}/cancel${q}`), owned.batchId, MISSING.batch());
      const bobFiles = (await jsonOf(await call(keys.bob, 'GET', `/files${q}&limit=100`))).data.map((f: { id: string }) => f.id);
      const bobBatches = (await jsonOf(await call(keys.bob, 'GET', `/batches${q}&limit=100`))).data.map((b: { id: string }) => b.id);
      expect(bobFiles).not.toContain(owned.fileId);
      expect(bobFiles).not.toContain(owned.outputFileId);
      expect(bobBatches).not.toContain(owned.batchId);
      // Alice's objects are untouched by all of it.
      expect((await jsonOf(await call(keys.alice, 'GET', `/files/${owned.fileId}${q}`))).id).toBe(owned.fileId);
      expect((await jsonOf(await call(keys.alice, 'GET', `/batches/${owned.batchId}${q}`))).status).toBe('completed');
      expect((await call(keys.alice, 'GET', `/files/${owned.outputFileId}/content${q}`)).status).toBe(200);
    });
  });
});
