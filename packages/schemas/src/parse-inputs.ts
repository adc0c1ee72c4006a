// Many untrusted inputs checked as one unit, all or nothing, as the producer takes a request's events and the
// AMQP bridge a message's: at least one, at most MAX_EVENTS_PER_BATCH, each through parseReportInput, every
// problem reported with the index of its input.
import { type ParseContext, type Problem, parseReportInput } from './parse-input.ts';
import type { ReportEvent } from './report-event.generated.ts';

/** The most events one HTTP request or one AMQP message may carry. */
export const MAX_EVENTS_PER_BATCH = 1_000;

export type ParseInputsResult =
  | { ok: true; events: ReportEvent[] }
  | { ok: false; reason: 'empty' | 'too_many'; message: string }
  | { ok: false; reason: 'invalid'; problems: (Problem & { index: number })[] };

export interface ParseInputsContext {
  now: () => number;
  /** Makes the id of the input at `index` when it came without one; absent: a new UUID v7 each time. */
  newEventId?: ((index: number) => string) | undefined;
}

export function parseReportInputs(inputs: unknown[], context: ParseInputsContext): ParseInputsResult {
  if (inputs.length === 0) return { ok: false, reason: 'empty', message: 'no events' };
  if (inputs.length > MAX_EVENTS_PER_BATCH) {
    return { ok: false, reason: 'too_many', message: `${inputs.length} events; at most ${MAX_EVENTS_PER_BATCH}` };
  }
  const now = context.now();
  const { newEventId } = context;
  const events: ReportEvent[] = [];
  const problems: (Problem & { index: number })[] = [];
  inputs.forEach((input, index) => {
    const one: ParseContext = newEventId ? { now: () => now, newEventId: () => newEventId(index) } : { now: () => now };
    const result = parseReportInput(input, one);
    if (result.ok) events.push(result.event);
    else for (const problem of result.problems) problems.push({ index, ...problem });
  });
  return problems.length > 0 ? { ok: false, reason: 'invalid', problems } : { ok: true, events };
}
