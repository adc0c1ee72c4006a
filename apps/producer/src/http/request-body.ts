// Request bodies the ingest endpoint takes: JSON (one event object or an array of them) and NDJSON
// (one event per line), at most MAX_BODY_BYTES. Both parse to a value the ingest step reads as a
// list of inputs; syntax errors say where (line and position) and answer 400 (BODY_NOT_JSON).
import type { FastifyInstance } from 'fastify';
import { ProducerError } from '../errors.ts';

export const MAX_BODY_BYTES = 1_048_576;

export class BodyError extends ProducerError {
  constructor(message: string) {
    super('BODY_NOT_JSON', message);
    this.name = 'BodyError';
  }
}

/** The events of an NDJSON body (a class, so no JSON body can pass for one). */
export class NdjsonBody {
  readonly lines: unknown[];
  constructor(lines: unknown[]) {
    this.lines = lines;
  }
}

export function registerBodyParsers(app: FastifyInstance): void {
  // NOTE: only these two: Fastify's built-in text/plain parser would let a text body through.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(new BodyError(`body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => {
    const lines: unknown[] = [];
    const text = body as string;
    let lineNumber = 0;
    for (const line of text.split('\n')) {
      lineNumber += 1;
      const trimmed = line.trim();
      if (trimmed === '') continue;
      try {
        lines.push(JSON.parse(trimmed));
      } catch (error) {
        done(new BodyError(`line ${lineNumber} is not valid JSON: ${(error as Error).message}`), undefined);
        return;
      }
    }
    done(null, new NdjsonBody(lines));
  });
}

/** The list of event inputs in a parsed body. */
export function inputsOf(body: unknown): unknown[] {
  if (body instanceof NdjsonBody) return body.lines;
  return Array.isArray(body) ? body : [body];
}
