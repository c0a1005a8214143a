// `npm run keys -- webhooks create --url URL [--events batch.completed,batch.failed] [--description D]`
// `npm run keys -- webhooks list | delete WHK_ID | rotate WHK_ID`
// A tenant's webhook endpoints through the gateway's own routes (/finops/webhooks), as the tenant of
// the key given: --api-key (or OPENAI_API_KEY) and --base-url (default: the running local gateway,
// from <data-dir>/endpoints.json). `create` and `rotate` print the whsec_ secret once.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export class WebhooksUsageError extends Error {}

export const WEBHOOKS_USAGE = `  npm run keys -- webhooks create --url URL [--events E1,E2] [--description TEXT] [--json]
  npm run keys -- webhooks list [--json]
  npm run keys -- webhooks delete WHK_ID
  npm run keys -- webhooks rotate WHK_ID [--json]
    as the tenant of --api-key KEY (or OPENAI_API_KEY), at --base-url URL (default: the running local gateway)`;

export type WebhooksResult = { command: 'webhooks'; action: string; response: unknown };

function baseUrlOf(explicit: string | undefined, dataDir: string): string {
  if (explicit) return explicit.replace(/\/+$/, '');
  const written = join(dataDir, 'endpoints.json');
  if (existsSync(written)) {
    const api = (JSON.parse(readFileSync(written, 'utf8')) as { api?: string }).api;
    if (api) return api;
  }
  throw new WebhooksUsageError('No gateway: pass --base-url https://…/openai (or start the local gateway with `npm start`).');
}

export async function runWebhooksCli(argv: string[], env: NodeJS.ProcessEnv, print: (text: string) => void): Promise<WebhooksResult> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        events: { type: 'string' },
        description: { type: 'string' },
        'api-key': { type: 'string' },
        'base-url': { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new WebhooksUsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, id, ...extra] = positionals;
  if (extra.length) throw new WebhooksUsageError(`Unexpected argument(s): ${extra.join(' ')}`);
  const apiKey = values['api-key'] ?? env.OPENAI_API_KEY;
  if (!apiKey)
    throw new WebhooksUsageError('webhooks needs --api-key KEY (the gateway key whose tenant owns the endpoints), or OPENAI_API_KEY.');
  const base = baseUrlOf(values['base-url'], resolve(values['data-dir'] ?? '.finops'));
  const needId = () => {
    if (!id) throw new WebhooksUsageError(`webhooks ${action} takes an endpoint id (whk_…); \`webhooks list\` shows them.`);
    return encodeURIComponent(id);
  };
  let request: { method: string; path: string; body?: unknown };
  switch (action) {
    case 'create':
      if (!values.url) throw new WebhooksUsageError('webhooks create needs --url (where the events go).');
      request = {
        method: 'POST',
        path: '/finops/webhooks',
        body: {
          url: values.url,
          ...(values.events ? { events: values.events.split(',').map((e) => e.trim()) } : {}),
          ...(values.description ? { description: values.description } : {}),
        },
      };
      break;
    case 'list':
      request = { method: 'GET', path: '/finops/webhooks' };
      break;
    case 'delete':
      request = { method: 'DELETE', path: `/finops/webhooks/${needId()}` };
      break;
    case 'rotate':
      request = { method: 'POST', path: `/finops/webhooks/${needId()}/rotate` };
      break;
    default:
      throw new WebhooksUsageError(
        action ? `Unknown webhooks command ${JSON.stringify(action)}.` : 'Name a webhooks command: create, list, delete or rotate.',
      );
  }
  const res = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers: { authorization: `Bearer ${apiKey}`, ...(request.body ? { 'content-type': 'application/json' } : {}) },
    body: request.body ? JSON.stringify(request.body) : undefined,
  });
  const response = (await res.json()) as Record<string, any>;
  if (!res.ok) throw new Error(`The gateway answered ${res.status}: ${response?.error?.message ?? JSON.stringify(response)}`);
  if (values.json) print(JSON.stringify(response, null, 2));
  else if (action === 'list')
    print(
      response.data.length
        ? response.data.map((e: any) => `${e.id}  ${e.status.padEnd(8)}  ${e.events.join(',')}  ${e.url}`).join('\n')
        : 'No webhook endpoints.',
    );
  else if (action === 'delete') print(`Deleted webhook endpoint ${response.id}.`);
  else
    print(
      [
        `Webhook endpoint ${response.id} → ${response.url} (${response.events.join(', ')})`,
        '',
        `  ${response.secret}`,
        '',
        'Copy the signing secret now: it is shown only this once (the gateway keeps it encrypted).',
      ].join('\n'),
    );
  return { command: 'webhooks', action, response };
}
