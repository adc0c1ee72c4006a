// The producer's one error type: a typed `code` and a `retriable` flag, as values, so the server
// and the ingest steps answer by code (an HTTP status, a metric reason) instead of instanceof chains.
export type ProducerErrorCode =
  /** A JSON body, or a line of an NDJSON body, does not parse: 400, the client must fix it. */
  | 'BODY_NOT_JSON'
  /** Accepting a request's records would overfill the producer's buffer: 503, retry soon. */
  | 'BUFFER_FULL'
  /** Kafka did not acknowledge a request's records within PRODUCER_ACK_TIMEOUT_MS: 503, retry. */
  | 'ACK_TIMEOUT';

const RETRIABLE: Record<ProducerErrorCode, boolean> = {
  BODY_NOT_JSON: false,
  BUFFER_FULL: true,
  ACK_TIMEOUT: true,
};

export class ProducerError extends Error {
  readonly code: ProducerErrorCode;
  readonly retriable: boolean;

  constructor(code: ProducerErrorCode, message: string) {
    super(message);
    this.name = 'ProducerError';
    this.code = code;
    this.retriable = RETRIABLE[code];
  }
}

/** The string `code` of any thrown value (ours, Fastify's, a plugin's); undefined when it has none. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
