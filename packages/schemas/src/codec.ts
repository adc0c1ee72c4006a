// The report event codec: Confluent wire format over a registry client, the schema registered (or its id looked up)
// once, and records written with any registered version read into the codec's schema. A registry's verdict on a
// record's schema id is believed only while the registry holds the codec's subject (see trusted()).
import { COMPATIBILITY, type SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { registryStatus, SchemaError } from './errors.ts';
import type { ReportEvent } from './report-event.generated.ts';
import { type AvroRecordSchema, currentReportEventSchema } from './schema-files.ts';
import { valueSubject } from './subject.ts';
import { HEADER_LENGTH, readHeader, writeHeader } from './wire-format.ts';

export type DecodeResult<T> = { ok: true; event: T; schemaId: number } | { ok: false; error: SchemaError };

/** Whether the registry can be trusted now; when not, the error says why (code and message). */
export type RegistryHealth = { ok: true } | { ok: false; error: SchemaError };

export interface ReportCodec<T = ReportEvent> {
  readonly subject: string;
  /** Registers the schema (or looks up its id) on first use; later calls return the cached id. */
  schemaId(): Promise<number>;
  /** Confluent wire format. Throws SchemaError ENCODE_INVALID for a value that does not fit. */
  encode(event: T): Promise<Buffer>;
  /** A synchronous encode for hot paths, once the schema id is known. Same errors as encode(). */
  encoder(): Promise<(event: T) => Buffer>;
  /**
   * Decodes a record written with any registered version into this codec's schema. Per-record
   * failures come back as values; a registry that is unreachable, or that does not hold this codec's
   * subject (a wrong URL, an empty registry), throws (retriable): its answers prove nothing about the record.
   */
  decode(message: Buffer | null): Promise<DecodeResult<T>>;
  /**
   * For readiness: not ok while the registry is unreachable, or while records wait because it does not
   * hold this codec's subject. A subject not registered yet is fine until a record needs the registry
   * (a fresh deployment looks the same). Asks the registry at most once per healthCacheMs.
   */
  registryHealth(): Promise<RegistryHealth>;
}

export interface ReportCodecOptions {
  registry: SchemaRegistry;
  /** The topic the records go to; the subject is `<topic>-value` (TopicNameStrategy). */
  topic: string;
  /** Writer and reader schema; the newest report event schema by default. */
  schema?: AvroRecordSchema;
  /**
   * true (default): register the schema, setting the subject to BACKWARD_TRANSITIVE on first
   * registration so the registry itself refuses incompatible versions. false: only look up the id
   * of an already registered schema (for deployments that register in CI).
   */
  register?: boolean;
  /** How long a check that the registry holds the subject is reused, by decode and registryHealth(). 5 s by default. */
  healthCacheMs?: number;
}

interface Reader {
  resolver: avro.Resolver | undefined;
}

export function createReportCodec<T = ReportEvent>(options: ReportCodecOptions): ReportCodec<T> {
  const schema = options.schema ?? currentReportEventSchema().schema;
  const type = avro.Type.forSchema(schema as avro.Schema);
  const subject = valueSubject(options.topic);
  const schemaText = JSON.stringify(schema);
  const readers = new Map<number, Promise<Reader | SchemaError>>();
  let id: Promise<number> | undefined;
  const healthCacheMs = options.healthCacheMs ?? 5_000;
  let subjectCheck: { until: number; problem: Promise<SchemaError | undefined> } | undefined;
  /** Records wait on the registry: set when a decode threw, cleared when the registry is trusted again. */
  let holding = false;

  function schemaId(): Promise<number> {
    id ??= resolveId().catch((error: unknown) => {
      id = undefined; // a failed registration is tried again on the next call
      throw error;
    });
    return id;
  }

  async function resolveId(): Promise<number> {
    const confluentSchema = { type: SchemaType.AVRO as const, schema: schemaText };
    try {
      if (options.register === false) return await options.registry.getRegistryIdBySchema(subject, confluentSchema);
      const registered = await options.registry.register(confluentSchema, {
        subject,
        compatibility: COMPATIBILITY.BACKWARD_TRANSITIVE,
      });
      return registered.id;
    } catch (error) {
      const status = registryStatus(error);
      if (status === 409 || status === 422 || (error instanceof Error && error.name.includes('Compatibility'))) {
        throw new SchemaError('REGISTRATION_REFUSED', `registry refused the schema for ${subject}: ${messageOf(error)}`, {
          cause: error,
        });
      }
      if (status === 404) {
        throw new SchemaError('UNKNOWN_SCHEMA_ID', `schema is not registered under ${subject}: ${messageOf(error)}`, {
          cause: error,
        });
      }
      throw new SchemaError('REGISTRY_UNAVAILABLE', `registry unavailable while registering ${subject}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  // NOTE: one scratch buffer holds the header and receives each body; the record is one copy out
  // of it, instead of a body buffer plus a concatenation per event.
  let scratch = Buffer.allocUnsafe(0);

  function encodeWith(schemaIdValue: number, event: T): Buffer {
    if (scratch.length === 0) scratch = Buffer.concat([writeHeader(schemaIdValue), Buffer.allocUnsafe(1019)]);
    let end: number;
    try {
      end = type.encode(event, scratch, HEADER_LENGTH);
      while (end < 0) {
        // avsc answers with a negative position when the buffer is too small: grow and retry.
        scratch = Buffer.concat([scratch.subarray(0, HEADER_LENGTH), Buffer.allocUnsafe(scratch.length * 2)]);
        end = type.encode(event, scratch, HEADER_LENGTH);
      }
    } catch (error) {
      const paths: string[] = [];
      type.isValid(event, { errorHook: (path) => paths.push(path.join('.')) });
      const where = paths.length > 0 ? ` at ${paths.join(', ')}` : '';
      throw new SchemaError('ENCODE_INVALID', `event does not fit ${schema.name}${where}: ${messageOf(error)}`, { cause: error });
    }
    return Buffer.from(scratch.subarray(0, end));
  }

  async function encode(event: T): Promise<Buffer> {
    return encodeWith(await schemaId(), event);
  }

  async function encoder(): Promise<(event: T) => Buffer> {
    const schemaIdValue = await schemaId();
    return (event) => encodeWith(schemaIdValue, event);
  }

  function reader(writerId: number): Promise<Reader | SchemaError> {
    let found = readers.get(writerId);
    if (!found) {
      found = loadReader(writerId);
      readers.set(writerId, found);
      // Outages and unknown ids are not cached: the next record asks the registry again.
      found.then(
        (result) => result instanceof SchemaError && readers.delete(writerId),
        () => readers.delete(writerId),
      );
    }
    return found;
  }

  async function loadReader(writerId: number): Promise<Reader | SchemaError> {
    let fetched: unknown;
    try {
      fetched = await options.registry.getSchema(writerId);
    } catch (error) {
      if (registryStatus(error) === 404) {
        return trusted(
          new SchemaError('UNKNOWN_SCHEMA_ID', `the registry has no schema with id ${writerId}`, {
            schemaId: writerId,
            cause: error,
          }),
        );
      }
      // TRICKY: an argument error is the client failing to load what the registry answered (an unknown
      // schemaType, a schema text that does not parse): retrying gets the same answer, so it is not an outage.
      if (error instanceof Error && error.name === 'ConfluentSchemaRegistryArgumentError') {
        return trusted(
          new SchemaError('SCHEMA_NOT_AVRO', `schema ${writerId} cannot be loaded as Avro: ${messageOf(error)}`, {
            schemaId: writerId,
            cause: error,
          }),
        );
      }
      holding = true;
      throw new SchemaError('REGISTRY_UNAVAILABLE', `registry unavailable fetching schema ${writerId}: ${messageOf(error)}`, {
        schemaId: writerId,
        cause: error,
      });
    }
    // NOTE: the client loads JSON and Protobuf schemas too; its cache entry is the only place that says which.
    const kind = options.registry.cache.getSchema(writerId)?.type ?? SchemaType.AVRO;
    if (kind !== SchemaType.AVRO) {
      return trusted(
        new SchemaError('SCHEMA_NOT_AVRO', `schema ${writerId} is a ${kind} schema, not Avro`, { schemaId: writerId }),
      );
    }
    // The client hands back a Type of its own copy of avsc; its schema() rebuilds it in ours.
    const writerSchema = (fetched as { schema(): unknown }).schema();
    const writer = avro.Type.forSchema(writerSchema as avro.Schema);
    if (writer.equals(type)) return { resolver: undefined };
    try {
      return { resolver: type.createResolver(writer) };
    } catch (error) {
      return trusted(
        new SchemaError('INCOMPATIBLE_SCHEMA', `schema ${writerId} cannot be read as ${schema.name}: ${messageOf(error)}`, {
          schemaId: writerId,
          cause: error,
        }),
      );
    }
  }

  /**
   * A verdict against a record, if the registry that gave it is the right one; otherwise the registry's
   * problem is thrown (retriable) and the record waits.
   */
  // TRICKY: a wrong SCHEMA_REGISTRY_URL path or an empty (reset) registry answers 404 to every id, and
  // another registry maps ids to unrelated schemas. Believing either dead-letters every record read with a
  // cold cache. The proof that it is the right one is that it holds this codec's subject.
  async function trusted(verdict: SchemaError): Promise<SchemaError> {
    const problem = await checkSubject();
    if (problem) {
      holding = true;
      throw problem;
    }
    return verdict;
  }

  function checkSubject(): Promise<SchemaError | undefined> {
    const now = Date.now();
    if (!subjectCheck || now >= subjectCheck.until) subjectCheck = { until: now + healthCacheMs, problem: probeSubject() };
    return subjectCheck.problem;
  }

  async function probeSubject(): Promise<SchemaError | undefined> {
    try {
      await options.registry.getLatestSchemaId(subject);
      return undefined;
    } catch (error) {
      if (registryStatus(error) === 404) {
        return new SchemaError(
          'REGISTRY_WRONG_OR_EMPTY',
          `the registry does not hold ${subject} (a wrong SCHEMA_REGISTRY_URL, an empty registry, or nothing registered yet), so its answers about schema ids are not trusted: ${messageOf(error)}`,
          { cause: error },
        );
      }
      return new SchemaError('REGISTRY_UNAVAILABLE', `registry unavailable checking ${subject}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  async function registryHealth(): Promise<RegistryHealth> {
    const problem = await checkSubject();
    if (!problem) {
      holding = false;
      return { ok: true };
    }
    if (problem.code === 'REGISTRY_WRONG_OR_EMPTY' && !holding) return { ok: true };
    return { ok: false, error: problem };
  }

  async function decode(message: Buffer | null): Promise<DecodeResult<T>> {
    const parsed = readHeader(message);
    if (!parsed.ok || message === null) {
      return {
        ok: false,
        error: new SchemaError('NOT_WIRE_FORMAT', `not Confluent wire format: ${parsed.ok ? 'no value' : parsed.reason}`),
      };
    }
    const found = await reader(parsed.schemaId);
    if (found instanceof SchemaError) return { ok: false, error: found };
    try {
      const event = type.fromBuffer(message.subarray(HEADER_LENGTH), found.resolver) as T;
      return { ok: true, event, schemaId: parsed.schemaId };
    } catch (error) {
      return {
        ok: false,
        error: new SchemaError('BODY_MISMATCH', `body does not match schema ${parsed.schemaId}: ${messageOf(error)}`, {
          schemaId: parsed.schemaId,
          cause: error,
        }),
      };
    }
  }

  return { subject, schemaId, encode, encoder, decode, registryHealth };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
