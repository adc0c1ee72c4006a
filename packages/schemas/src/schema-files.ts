// The report event's Avro schemas, one `.avsc` file a version under `avro/report-event/`. They are the one source
// of truth: the TypeScript types are generated from them, the codec writes the newest, and the compatibility gate
// holds the newest to every earlier one.
import { readdirSync, readFileSync } from 'node:fs';

export interface SchemaVersion {
  version: number;
  file: string;
  schema: AvroRecordSchema;
}

export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: AvroField[];
}

export interface AvroField {
  name: string;
  type: unknown;
  doc?: string;
  default?: unknown;
}

// NOTE: one level up from both src/ and dist/, so the same URL works built or not.
export const REPORT_EVENT_DIR = new URL('../avro/report-event/', import.meta.url);

let cached: readonly SchemaVersion[] | undefined;

/** Every kept version, oldest first. Read once, on first use. */
export function reportEventVersions(dir: URL = REPORT_EVENT_DIR): readonly SchemaVersion[] {
  if (dir === REPORT_EVENT_DIR && cached) return cached;
  const versions = readdirSync(dir)
    .flatMap((file) => {
      const match = /^v(\d+)\.avsc$/.exec(file);
      return match ? [{ version: Number(match[1]), file }] : [];
    })
    .sort((a, b) => a.version - b.version)
    .map(({ version, file }) => ({
      version,
      file,
      schema: JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as AvroRecordSchema,
    }));
  if (versions.length === 0) throw new Error(`no v<N>.avsc schema in ${dir.pathname}`);
  if (dir === REPORT_EVENT_DIR) cached = versions;
  return versions;
}

/** The newest version: what producers write and consumers read into. */
export function currentReportEventSchema(dir: URL = REPORT_EVENT_DIR): SchemaVersion {
  const versions = reportEventVersions(dir);
  const current = versions[versions.length - 1];
  if (!current) throw new Error('no report event schema');
  return current;
}
