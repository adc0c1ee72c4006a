// Bodies as pika publishers and others send them: JSON or Python text, one event or several; and
// the dead-letter reasons of those that carry no events.
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, readBody } from './read-body.ts';

const body = (text: string) => Buffer.from(text, 'utf8');

describe('readBody', () => {
  it.each([
    [
      'a Python dict (str() of it)',
      "{'user_id': 1, 'action': 'login', 'ok': True}",
      [{ user_id: 1, action: 'login', ok: true }],
      'python',
    ],
    ['a Python list of dicts', "[{'user_id': 1}, {'user_id': 2}]", [{ user_id: 1 }, { user_id: 2 }], 'python'],
    ['a JSON object', '{"user_id": 1, "action": "login"}', [{ user_id: 1, action: 'login' }], 'json'],
    ['a JSON array, with spaces around it', ' \n[{"user_id": 1}]\n', [{ user_id: 1 }], 'json'],
  ])('reads %s', (_, text, inputs, format) => {
    expect(readBody(body(text), {})).toEqual({ ok: true, inputs, format });
  });

  it.each([
    ['binary', Buffer.from([0x80, 0xff, 0x00, 0x12]), {}, 'BODY_NOT_UTF8', 'not UTF-8 text (binary?)'],
    ['gzip-encoded', body('{}'), { contentEncoding: 'gzip' }, 'BODY_NOT_UTF8', 'content_encoding "gzip" is not supported'],
    [
      'too large',
      Buffer.alloc(MAX_BODY_BYTES + 1, 0x20),
      {},
      'BODY_TOO_LARGE',
      `${MAX_BODY_BYTES + 1} bytes; at most ${MAX_BODY_BYTES}`,
    ],
    ['empty', body('  '), {}, 'BODY_NOT_EVENTS', 'the body is empty'],
    ['a plain string', body('hello'), {}, 'BODY_UNREADABLE', 'neither JSON nor a Python literal: hello is a Python name'],
    ['a quoted string', body("'login'"), {}, 'BODY_NOT_EVENTS', 'must be a dict (one event) or a list of dicts, got a string'],
    ['a number', body('42'), {}, 'BODY_NOT_EVENTS', 'got a number'],
    ['None', body('None'), {}, 'BODY_NOT_EVENTS', 'got null (None)'],
    ['a value with inf', body("{'value': inf}"), {}, 'BODY_UNREADABLE', 'inf is not a finite number'],
    ['JSON with NaN', body('{"value": NaN}'), {}, 'BODY_UNREADABLE', 'NaN is a Python name'],
    [
      'not JSON though it says so',
      body("{'a': 1}"),
      { contentType: 'application/json' },
      'BODY_UNREADABLE',
      'content_type is application/json',
    ],
    [
      'JSON nested 200,000 deep',
      body(`${'['.repeat(200_000)}${']'.repeat(200_000)}`),
      {},
      'BODY_UNREADABLE',
      'JSON nested deeper than 32 levels',
    ],
  ])('refuses a body that is %s, with its reason', (_, content, properties, code, reason) => {
    const read = readBody(content, properties);
    // NOTE: compared as text: a failed match would print (and recurse into) whatever was read.
    expect(read.ok ? 'read' : read.code).toBe(code);
    expect(read.ok ? '' : read.reason).toContain(reason);
  });
});
