// The one error type of @tally/schemas. Decode failures of a single record are returned as values (the consumer
// sends the record to the dead-letter topic); only a registry that cannot be trusted to answer (unreachable, or
// not the right one) is thrown, and it is retriable.
export type SchemaErrorCode =
  /** Too short, or the first byte is not the Confluent magic byte 0. */
  | 'NOT_WIRE_FORMAT'
  /**
   * The registry answered that it has no schema with the record's id, and it holds the codec's subject: it is
   * the right registry, so the id is the record's fault.
   */
  | 'UNKNOWN_SCHEMA_ID'
  /** The record's id names a schema of another type (JSON, PROTOBUF): not a report event. */
  | 'SCHEMA_NOT_AVRO'
  /** The writer's schema cannot be read into the reader's (no resolution between them). */
  | 'INCOMPATIBLE_SCHEMA'
  /** The bytes after the header are not a value of the writer's schema (truncated, trailing bytes, garbage). */
  | 'BODY_MISMATCH'
  /** A value handed to encode() does not fit the schema. */
  | 'ENCODE_INVALID'
  /** The registry refused to register the schema (for example, it breaks the subject's compatibility). */
  | 'REGISTRATION_REFUSED'
  /** The registry could not be reached or failed; worth retrying. */
  | 'REGISTRY_UNAVAILABLE'
  /**
   * The registry answers 404 even for the codec's own subject: a wrong SCHEMA_REGISTRY_URL (path), an empty or
   * reset registry, or another one. Its "unknown id" proves nothing about the record; worth retrying.
   */
  | 'REGISTRY_WRONG_OR_EMPTY';

const RETRIABLE: ReadonlySet<SchemaErrorCode> = new Set(['REGISTRY_UNAVAILABLE', 'REGISTRY_WRONG_OR_EMPTY']);

export class SchemaError extends Error {
  readonly code: SchemaErrorCode;
  readonly retriable: boolean;
  readonly schemaId: number | undefined;

  constructor(code: SchemaErrorCode, message: string, options: { schemaId?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SchemaError';
    this.code = code;
    this.retriable = RETRIABLE.has(code);
    this.schemaId = options.schemaId;
  }
}

/** The HTTP status of a registry client error, when the registry answered at all. */
export function registryStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
