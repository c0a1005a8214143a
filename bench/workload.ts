// Realistic OpenAI batch input, generated deterministically: chat requests with a system and a user
// message, 1-4 KB a line, with the spread of lengths, Unicode and parameters real batches have.
// Shared by the benchmark and the large-file integration test.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Small, fast, seedable PRNG (mulberry32): the same seed always gives the same file. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYSTEM_PROMPTS = [
  'You are a meticulous financial analyst. Answer with a short summary first, then a bulleted list of the figures you relied on. Never invent numbers; say when the data is insufficient.',
  'You are a customer-support assistant for an online retailer. Be polite and concise, quote the order number when the customer gives one, and offer one concrete next step.',
  'Tu es un assistant qui résume des documents juridiques en français clair. Indique les obligations de chaque partie, les dates importantes et les pénalités éventuelles.',
  'You classify support tickets. Reply with JSON only: {"category": one of billing|shipping|product|other, "urgency": 1-5, "summary": a sentence}.',
  'Du bist ein technischer Redakteur. Formuliere die folgende Beschreibung als präzise Schritt-für-Schritt-Anleitung mit nummerierten Schritten um.',
];

const WORDS = (
  'the invoice quarter revenue shipment delayed customer refund policy contract clause warranty payment schedule ' +
  'report forecast margin budget variance account balance supplier order tracking number delivery address ' +
  'please summarise explain compare list estimate whether which because although however therefore meanwhile ' +
  'données réunion échéance facture über Lieferung Rechnung bitte prüfen 納期 請求書 確認 ✓ — «» 10% $1,250.00 2024-03-31'
).split(' ');

const MODELS_PARAMS = [{ temperature: 0.2 }, { temperature: 0.7, top_p: 0.9 }, {}, { temperature: 0 }];

function words(random: () => number, targetChars: number): string {
  const picked: string[] = [];
  let length = 0;
  while (length < targetChars) {
    let word = WORDS[Math.floor(random() * WORDS.length)];
    const r = random();
    if (r < 0.08) word += r < 0.04 ? '.' : ',';
    else if (r > 0.99) word += '\n';
    picked.push(word);
    length += word.length + 1;
  }
  return picked.join(' ');
}

/** Random prose to cut user messages from: two random numbers per line instead of two per word. */
const CORPUS_CHARS = 256 * 1024;
let corpus: string | null = null;
function corpusText(): string {
  corpus ??= words(randomSource(7), CORPUS_CHARS + 4096);
  return corpus;
}

export interface RequestLineOptions {
  model: string;
  /** Marks some requests so the provider simulators fail them ("[simulate-error]"). */
  failEvery?: number;
  /** Length range of the user message in characters (default 700-3,600: lines of about 1-4 KB). */
  userChars?: [min: number, max: number];
}

/** User messages for a 200 MB file of at most 50,000 requests (OpenAI's two batch limits): lines of about 4.2 KB. */
export const LARGE_LINE_USER_CHARS: [number, number] = [3000, 4400];

/** One input line (no newline): a chat request of about 1-4 KB. */
export function chatRequestLine(index: number, random: () => number, options: RequestLineOptions): string {
  const system = SYSTEM_PROMPTS[index % SYSTEM_PROMPTS.length];
  const [min, max] = options.userChars ?? [700, 3600];
  const text = corpusText();
  const start = Math.floor(random() * CORPUS_CHARS);
  let user = text.slice(start, start + min + Math.floor(random() * (max - min))).trim();
  if (options.failEvery && index % options.failEvery === options.failEvery - 1) user += ' [simulate-error]';
  return JSON.stringify({
    custom_id: `request-${String(index).padStart(6, '0')}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: options.model,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      max_tokens: 256 + 128 * (index % 4),
      ...MODELS_PARAMS[index % MODELS_PARAMS.length],
    },
  });
}

/** The same request as a `/v1/responses` line: system prompt → instructions, user text → an input_text item. */
export function responsesRequestLine(index: number, random: () => number, options: RequestLineOptions): string {
  const chat = JSON.parse(chatRequestLine(index, random, options)) as {
    custom_id: string;
    body: { model: string; messages: Array<{ content: string }>; max_tokens: number } & Record<string, unknown>;
  };
  const { messages, max_tokens, model, ...sampling } = chat.body;
  return JSON.stringify({
    custom_id: chat.custom_id,
    method: 'POST',
    url: '/v1/responses',
    body: {
      model,
      instructions: messages[0].content,
      input: [{ role: 'user', content: [{ type: 'input_text', text: messages[1].content }] }],
      max_output_tokens: max_tokens,
      ...sampling,
    },
  });
}

/** A generated Responses batch input file of about `targetBytes`. */
export async function writeResponsesFile(
  path: string,
  targetBytes: number,
  options: RequestLineOptions & { seed?: number },
): Promise<{ bytes: number; lines: number }> {
  const random = randomSource(options.seed ?? 42);
  return writeGeneratedLines(path, targetBytes, (i) => responsesRequestLine(i, random, options));
}

/** Lines until the file reaches `targetBytes` (newline-terminated). Returns the bytes and the line count. */
export function generateBatchFile(targetBytes: number, options: RequestLineOptions & { seed?: number }): { bytes: Buffer; lines: number } {
  const random = randomSource(options.seed ?? 42);
  const lines: string[] = [];
  let size = 0;
  while (size < targetBytes) {
    const line = chatRequestLine(lines.length, random, options);
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return { bytes: Buffer.from(lines.join('\n') + '\n'), lines: lines.length };
}

/** Streams generated lines to disk until the file reaches `targetBytes` (a 200 MB file is never held in memory). */
export async function writeGeneratedLines(
  path: string,
  targetBytes: number,
  lineAt: (index: number) => string,
): Promise<{ bytes: number; lines: number }> {
  const out = createWriteStream(path);
  let size = 0;
  let lines = 0;
  while (size < targetBytes) {
    const line = lineAt(lines) + '\n';
    size += Buffer.byteLength(line);
    lines += 1;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes: size, lines };
}

/** A generated OpenAI batch input file of about `targetBytes`. */
export async function writeBatchFile(
  path: string,
  targetBytes: number,
  options: RequestLineOptions & { seed?: number },
): Promise<{ bytes: number; lines: number }> {
  const random = randomSource(options.seed ?? 42);
  return writeGeneratedLines(path, targetBytes, (i) => chatRequestLine(i, random, options));
}
