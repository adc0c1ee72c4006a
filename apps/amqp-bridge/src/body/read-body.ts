// Bridge step 1: an AMQP message body as the event inputs it carries. A JSON object or array, or a
// Python dict or list as str() prints it (python-literal.ts); a dict is one event, a list or tuple
// several. What cannot be read is a value with a dead-letter code and the reason, never an exception.
import { MAX_DEPTH, parsePythonLiteral } from './python-literal.ts';

/** As the producer's HTTP body limit: one message carries at most what one request may. */
export const MAX_BODY_BYTES = 1_048_576;

export type BodyRefusalCode = 'BODY_TOO_LARGE' | 'BODY_NOT_UTF8' | 'BODY_UNREADABLE' | 'BODY_NOT_EVENTS';

export type BodyRead =
  | { ok: true; inputs: unknown[]; format: 'json' | 'python' }
  | { ok: false; code: BodyRefusalCode; reason: string };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function readBody(
  content: Buffer,
  properties: { contentType?: string | undefined; contentEncoding?: string | undefined },
): BodyRead {
  const read = readValue(content, properties);
  if (!read.ok) return read;
  const { value, format } = read;
  if (Array.isArray(value)) return { ok: true, inputs: value, format };
  if (typeof value === 'object' && value !== null) return { ok: true, inputs: [value], format };
  return refuse('BODY_NOT_EVENTS', `must be a dict (one event) or a list of dicts, got ${kindOf(value)}`);
}

function readValue(
  content: Buffer,
  properties: { contentType?: string | undefined; contentEncoding?: string | undefined },
): { ok: true; value: unknown; format: 'json' | 'python' } | Extract<BodyRead, { ok: false }> {
  if (content.length > MAX_BODY_BYTES) return refuse('BODY_TOO_LARGE', `${content.length} bytes; at most ${MAX_BODY_BYTES}`);
  const encoding = properties.contentEncoding?.toLowerCase();
  if (encoding !== undefined && !['utf-8', 'utf8', 'identity'].includes(encoding)) {
    return refuse(
      'BODY_NOT_UTF8',
      `content_encoding ${JSON.stringify(properties.contentEncoding)} is not supported (send UTF-8 text)`,
    );
  }
  let text: string;
  try {
    text = decoder.decode(content);
  } catch {
    return refuse('BODY_NOT_UTF8', 'not UTF-8 text (binary?)');
  }
  const trimmed = text.trim();
  if (trimmed === '') return refuse('BODY_NOT_EVENTS', 'the body is empty');
  // NOTE: str() of a dict opens with a single-quoted key; trying JSON first on it would cost a
  // thrown SyntaxError per message (a tenth of the bridge's busy time in a profile).
  const json = properties.contentType?.toLowerCase().startsWith('application/json') ?? false;
  const python = !json && /^[[({\s]*'/.test(trimmed) ? parsePythonLiteral(trimmed) : undefined;
  if (python?.ok) return { ok: true, value: python.value, format: 'python' };
  let jsonError: string;
  try {
    const value: unknown = JSON.parse(trimmed);
    // NOTE: the same bound as the Python reader's, so no later step meets a value nested without end.
    if (deeperThan(value, MAX_DEPTH)) return refuse('BODY_UNREADABLE', `JSON nested deeper than ${MAX_DEPTH} levels`);
    return { ok: true, value, format: 'json' };
  } catch (error) {
    jsonError = error instanceof Error ? error.message : String(error);
  }
  if (json) {
    return refuse('BODY_UNREADABLE', `content_type is application/json, but the body is not JSON: ${jsonError}`);
  }
  const read = python ?? parsePythonLiteral(trimmed);
  if (read.ok) return { ok: true, value: read.value, format: 'python' };
  return refuse('BODY_UNREADABLE', `neither JSON nor a Python literal: ${read.message} (at character ${read.offset})`);
}

/** Whether a parsed JSON value nests objects or arrays more than `limit` deep (walked without recursion). */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

function refuse(code: BodyRefusalCode, reason: string): Extract<BodyRead, { ok: false }> {
  return { ok: false, code, reason };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null (None)';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}
