// `@tally/schemas/codec`: Confluent wire-format encoding and decoding bound to a registry client.
export { createReportCodec, type DecodeResult, type ReportCodec, type ReportCodecOptions } from './codec.ts';
export { SchemaError, type SchemaErrorCode } from './errors.ts';
export { HEADER_LENGTH, MAGIC_BYTE } from './wire-format.ts';
