// Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian integer, then the Avro binary body.
export const MAGIC_BYTE = 0;
export const HEADER_LENGTH = 5;

export function writeHeader(schemaId: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_LENGTH);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return header;
}

export type Header = { ok: true; schemaId: number } | { ok: false; reason: string };

export function readHeader(message: Buffer | null): Header {
  if (message === null) return { ok: false, reason: 'record has no value (a tombstone)' };
  if (message.length < HEADER_LENGTH) return { ok: false, reason: `too short: ${message.length} bytes, the header alone is 5` };
  const magic = message.readUInt8(0);
  if (magic !== MAGIC_BYTE) return { ok: false, reason: `magic byte is ${magic}, not 0` };
  return { ok: true, schemaId: message.readInt32BE(1) };
}
