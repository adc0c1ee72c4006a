// The opaque cursor of /v1/aggregates: the key of the last row of a page (keyset paging, so a page costs the same
// however deep it is). base64url of JSON, so clients cannot lean on its shape.
import { QueryError } from './query-params.ts';

export interface CursorKey {
  bucket: number;
  user_id?: string;
  action?: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorKey;
    if (typeof key.bucket !== 'number' || !Number.isFinite(key.bucket)) throw new Error('no bucket');
    return key;
  } catch {
    throw new QueryError({ cursor: 'is not a cursor this API handed out' });
  }
}
