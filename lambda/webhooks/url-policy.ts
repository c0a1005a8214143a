// Where webhooks may go (SSRF rules). A tenant gives a URL; the gateway POSTs to it from inside the
// customer's AWS account, so it must never reach a private network, the instance metadata service
// (169.254.169.254, fd00:ec2::254) or anything on loopback.
//   deployed:  https only; every address the host resolves to must be public;
//   local:     (npm start, FINOPS_WEBHOOK_ALLOW_LOCAL_RECEIVERS=true) http too, and loopback addresses;
//              private and link-local ranges stay refused.
// Checked when an endpoint is registered and again, after DNS resolution, at every delivery (the
// connection goes to the address that was checked, so a DNS answer cannot change in between).
import { BlockList, isIP } from 'node:net';

export interface UrlPolicy {
  /** http:// and loopback receivers (local development only). */
  allowLocalReceivers: boolean;
}

export class WebhookUrlError extends Error {
  override readonly name = 'WebhookUrlError';
}

export const MAX_URL_LENGTH = 2048;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Never a webhook receiver: private, link-local, shared, reserved, documentation and multicast ranges. */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d or ::ffff:xxxx:xxxx), else null. */
function mappedIPv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why an address may not receive webhooks, or null when it may. */
export function refusedAddress(address: string, policy: UrlPolicy): string | null {
  const v4 = mappedIPv4(address);
  if (v4) return refusedAddress(v4, policy);
  const family = isIP(address) === 6 ? 'ipv6' : isIP(address) === 4 ? 'ipv4' : null;
  if (!family) return `${address} is not an IP address`;
  if (LOOPBACK.check(address, family)) return policy.allowLocalReceivers ? null : `${address} is a loopback address`;
  if (NON_PUBLIC.check(address, family)) return `${address} is a private, link-local or reserved address`;
  return null;
}

/** Checks what can be checked without DNS; returns the URL and its host (brackets removed). */
export function parseWebhookUrl(value: unknown, policy: UrlPolicy): { url: URL; host: string } {
  if (typeof value !== 'string' || value.length === 0) throw new WebhookUrlError("'url' must be a non-empty string.");
  if (value.length > MAX_URL_LENGTH) throw new WebhookUrlError(`'url' is longer than ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WebhookUrlError(`'url' is not a valid URL.`);
  }
  const schemes = policy.allowLocalReceivers ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol))
    throw new WebhookUrlError(
      `'url' must use ${policy.allowLocalReceivers ? 'https or http' : 'https'}; got ${url.protocol.replace(':', '')}.`,
    );
  if (url.username || url.password) throw new WebhookUrlError("'url' must not contain credentials (user:password@).");
  if (url.hash) throw new WebhookUrlError("'url' must not contain a #fragment.");
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) {
    const why = refusedAddress(host, policy);
    if (why) throw new WebhookUrlError(`'url' is not allowed: ${why}.`);
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    if (!policy.allowLocalReceivers) throw new WebhookUrlError("'url' is not allowed: localhost is a loopback address.");
  }
  return { url, host };
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

/** Resolves a host name and checks every address it has; returns the first (the one to connect to). */
export async function resolveAllowed(host: string, policy: UrlPolicy, resolve: Resolver): Promise<{ address: string; family: number }> {
  if (isIP(host)) {
    const why = refusedAddress(host, policy);
    if (why) throw new WebhookUrlError(`'url' is not allowed: ${why}.`);
    return { address: host, family: isIP(host) };
  }
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await resolve(host);
  } catch {
    throw new WebhookUrlError(`'url' host ${host} could not be resolved.`);
  }
  if (addresses.length === 0) throw new WebhookUrlError(`'url' host ${host} has no address.`);
  for (const { address } of addresses) {
    const why = refusedAddress(address, policy);
    if (why) throw new WebhookUrlError(`'url' is not allowed: ${host} resolves to ${why}.`);
  }
  return addresses[0];
}

export function urlPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): UrlPolicy {
  return { allowLocalReceivers: env.FINOPS_WEBHOOK_ALLOW_LOCAL_RECEIVERS === 'true' };
}
