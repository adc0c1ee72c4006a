// The report event contract: its types, the rules for untrusted input, and where it is registered.
// The registry codec is the `@tally/schemas/codec` subpath.
export { checkReportEvent, normalizeReportEvent } from './check-event.ts';
export { type ParseContext, type ParseResult, type Problem, parseReportInput } from './parse-input.ts';
export { MAX_EVENTS_PER_BATCH, type ParseInputsContext, type ParseInputsResult, parseReportInputs } from './parse-inputs.ts';
export type { ReportEvent, ReportEventV1, ReportEventV2 } from './report-event.generated.ts';
export { LIMITS } from './rules.ts';
export { type AvroRecordSchema, currentReportEventSchema, reportEventVersions, type SchemaVersion } from './schema-files.ts';
export { valueSubject } from './subject.ts';
