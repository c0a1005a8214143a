// What the web console reads from the gateway, over HTTP against the local gateway: its page and
// assets without a key, and the authenticated API additions (session, budgets, ?status=, interval=day,
// provider on batch objects), each for the caller's tenant only.
import { chatLine, jsonl, pollUntilDone, startTestGateway, TEST_KEYS, upload, type TestGateway } from './helpers';
import { getServices } from '#lambda/runtime';
import { hashKey } from '#lambda/auth/keys';
import { CONSOLE_CSP } from '#lambda/console/assets';

let tg: TestGateway;
let origin: string;
let doneId: string;
let costMicros: number;
const [ALICE, BOB] = TEST_KEYS;
const today = () => new Date().toISOString().slice(0, 10);

const get = (path: string, key?: string) =>
  fetch(`${tg.gateway.baseURL}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
const getJson = async (path: string, key: string) => {
  const res = await get(path, key);
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  tg = await startTestGateway();
  origin = new URL(tg.gateway.baseURL).origin;
  await getServices().metadata.updateKey(hashKey(ALICE), { monthlyBudgetUsd: 5 });
  const alice = tg.client(0);
  const file = await upload(alice, jsonl([chatLine('c-1', 'gpt-4o-mini', 'What is 2+2?'), chatLine('c-2', 'gpt-4o-mini', 'What is 3+3?')]));
  const batch = await alice.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  const { batch: done } = await pollUntilDone(alice, batch.id);
  expect(done.status).toBe('completed');
  doneId = done.id;
  costMicros = Math.round((done as any).finops.cost_usd * 1e6);
  expect(costMicros).toBeGreaterThan(0);
});
afterAll(() => tg?.close());

test('GET /console needs no key and answers the page with the strict CSP; assets by their exact names only', async () => {
  const page = await fetch(`${origin}/console`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const html = await page.text();
  const script = /src="console\/([^"]+\.js)"/.exec(html)![1];
  const js = await fetch(`${origin}/console/${script}`, { headers: { 'accept-encoding': 'gzip' } });
  expect(js.status).toBe(200);
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect((await js.text()).length).toBeGreaterThan(10_000);
  expect((await fetch(`${origin}/console/manifest.json`)).status).toBe(404);
  expect((await fetch(`${origin}/console/${script.replace('.js', '.map')}`)).status).toBe(404);
  // The console's API is not public.
  expect((await get('/console/session')).status).toBe(401);
  expect((await get('/console/session', 'sk-finops-test-nobody')).status).toBe(401);
  expect((await get('/finops/budgets')).status).toBe(401);
});

test("session: the caller's key id, name and tenant; no AWS console link locally", async () => {
  const { status, body } = await getJson('/console/session', ALICE);
  expect(status).toBe(200);
  expect(body).toMatchObject({
    object: 'console.session',
    key_id: expect.stringMatching(/^key_/),
    key_name: 'local-1',
    tenant_id: expect.stringMatching(/^tenant_/),
    execution_url_template: null,
  });
  const bob = (await getJson('/console/session', BOB)).body;
  expect(bob.key_id).not.toBe(body.key_id);
  expect(bob.tenant_id).not.toBe(body.tenant_id);
  expect(JSON.stringify(body)).not.toContain(ALICE);
});

test("budgets: this month's spend of the tenant's own keys, equal to the batch's cost", async () => {
  const alice = (await getJson('/finops/budgets', ALICE)).body;
  expect(alice.month).toBe(today().slice(0, 7));
  expect(alice.data).toEqual([
    expect.objectContaining({
      name: 'local-1',
      monthly_budget_usd: 5,
      spent_usd: costMicros / 1e6,
      reserved_usd: 0,
      remaining_usd: (5_000_000 - costMicros) / 1e6,
    }),
  ]);
  const bob = (await getJson('/finops/budgets', BOB)).body;
  expect(bob.data).toEqual([expect.objectContaining({ name: 'local-2', monthly_budget_usd: null, spent_usd: 0 })]);
  expect(JSON.stringify(bob)).not.toContain(alice.data[0].key_id);
});

test('batches ?status=: only that status; an unknown one is a 400 naming the parameter; objects carry their provider', async () => {
  const completed = (await getJson('/batches?status=completed', ALICE)).body;
  expect(completed.data.map((b: any) => [b.id, b.status, b.provider])).toEqual([[doneId, 'completed', 'openai']]);
  expect((await getJson('/batches?status=in_progress', ALICE)).body.data).toEqual([]);
  expect((await getJson('/batches?status=completed', BOB)).body.data).toEqual([]);
  const bad = await getJson('/batches?status=done', ALICE);
  expect(bad.status).toBe(400);
  expect(bad.body.error).toMatchObject({ param: 'status', code: 'invalid_status', type: 'invalid_request_error' });
});

test('usage interval=day: a line per day and provider, summing to the batch cost; tenant only', async () => {
  const report = (await getJson(`/finops/usage?start=${today()}&end=${today()}&group_by=provider&interval=day`, ALICE)).body;
  expect(report).toMatchObject({ group_by: 'provider', interval: 'day' });
  expect(report.data.map((l: any) => [l.date, l.provider, l.cost_micro_usd])).toEqual([[today(), 'openai', costMicros]]);
  expect((await getJson(`/finops/usage?start=${today()}&end=${today()}&interval=day`, BOB)).body.data).toEqual([]);
  const bad = await getJson('/finops/usage?interval=hour', ALICE);
  expect(bad.status).toBe(400);
  expect(bad.body.error).toMatchObject({ param: 'interval', code: 'invalid_interval' });
});
