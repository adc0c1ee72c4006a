// Ingest step 1: check every event of a request (all or nothing: one bad event refuses the
// request; parseReportInputs of @tally/schemas) and encode each to Avro through the registry codec, as a record keyed by user_id.
// Refusals are values; only a codec failure that is not an outage (a bug) throws.
import { MAX_EVENTS_PER_BATCH, parseReportInputs, type ReportEvent } from '@tally/schemas';
import { SchemaError } from '@tally/schemas/codec';
import { type ErrorItem, type Refusal, unavailable, whole } from './answer.ts';
import type { OutgoingRecord } from './batcher.ts';

/** The batch rules (at least one, at most this many, all or nothing) live in @tally/schemas, shared with the AMQP bridge. */
export const MAX_EVENTS_PER_REQUEST = MAX_EVENTS_PER_BATCH;

export type Encoded = { ok: true; events: ReportEvent[]; records: OutgoingRecord[] } | { ok: false; refusal: Refusal };

export interface ValidateAndEncodeDeps {
  encoder: () => Promise<(event: ReportEvent) => Buffer>;
  now: () => number;
}

/** Makes the id of the event at `index` when it came without one; absent: a new UUID v7 each time. */
export type NewEventId = (index: number) => string;

export function createValidateAndEncode(
  deps: ValidateAndEncodeDeps,
): (inputs: unknown[], newEventId?: NewEventId) => Promise<Encoded> {
  return async (inputs, newEventId) => {
    const checked = validate(inputs, deps.now(), newEventId);
    return checked.ok ? encode(checked.events, deps.encoder) : checked;
  };
}

function validate(
  inputs: unknown[],
  now: number,
  newEventId: NewEventId | undefined,
): { ok: true; events: ReportEvent[] } | { ok: false; refusal: Refusal } {
  const checked = parseReportInputs(inputs, { now: () => now, newEventId });
  if (checked.ok) return checked;
  switch (checked.reason) {
    case 'empty': {
      const message = 'no events: send an event object, an array of them, or NDJSON lines';
      return { ok: false, refusal: { status: 400, outcome: 'invalid', errors: whole(message) } };
    }
    case 'too_many': {
      const message = `${inputs.length} events; at most ${MAX_EVENTS_PER_REQUEST} per request`;
      return { ok: false, refusal: { status: 413, outcome: 'too_large', errors: whole(message) } };
    }
    case 'invalid': {
      const errors: ErrorItem[] = checked.problems;
      const events = { outcome: 'rejected', reason: 'invalid', count: inputs.length } as const;
      return { ok: false, refusal: { status: 400, outcome: 'invalid', errors, events } };
    }
  }
}

async function encode(events: ReportEvent[], encoder: ValidateAndEncodeDeps['encoder']): Promise<Encoded> {
  try {
    const encodeOne = await encoder();
    return { ok: true, events, records: events.map((event) => ({ key: event.user_id, value: encodeOne(event) })) };
  } catch (error) {
    if (error instanceof SchemaError && error.code === 'REGISTRY_UNAVAILABLE') {
      return {
        ok: false,
        refusal: unavailable('registry_unavailable', 'the schema registry is unavailable; retry', events.length, 5),
      };
    }
    throw error;
  }
}
