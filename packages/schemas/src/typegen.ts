// The generator behind `*.generated.ts`: TypeScript types rendered from the Avro schemas (scripts/generate-types.ts).
import type { AvroField, AvroRecordSchema } from './schema-files.ts';

/**
 * Renders the TypeScript interface for an Avro record schema, so the types are derived from the
 * `.avsc` files and never written by hand. Covers the Avro types the report event uses and
 * refuses the rest, so a new kind of field gets a deliberate mapping.
 */
export function renderInterface(name: string, schema: AvroRecordSchema): string {
  const lines = [`/** ${schema.doc ?? schema.name} */`, `export interface ${name} {`];
  for (const field of schema.fields) {
    if (field.doc) lines.push(`  /** ${field.doc} */`);
    lines.push(`  ${field.name}: ${tsType(field.type, field)};`);
  }
  lines.push('}');
  return lines.join('\n');
}

function tsType(type: unknown, field: AvroField): string {
  if (Array.isArray(type)) return type.map((branch) => tsType(branch, field)).join(' | ');
  if (typeof type === 'string') {
    switch (type) {
      case 'null':
        return 'null';
      case 'string':
        return 'string';
      case 'boolean':
        return 'boolean';
      case 'int':
      case 'long':
      case 'float':
      case 'double':
        return 'number';
    }
  }
  if (typeof type === 'object' && type !== null) {
    const complex = type as { type: unknown; values?: unknown; logicalType?: string };
    if (complex.type === 'map') return `Record<string, ${tsType(complex.values, field)}>`;
    // Logical types keep their underlying representation: uuid is a string, timestamp-millis a
    // number of milliseconds (no Date objects on the hot path).
    if (typeof complex.type === 'string') return tsType(complex.type, field);
  }
  throw new Error(`field ${field.name}: no TypeScript mapping for Avro type ${JSON.stringify(type)}`);
}

export const GENERATED_HEADER =
  '// Generated from avro/report-event/*.avsc by `pnpm --filter @tally/schemas generate`. Do not edit.\n';

/** The whole generated module: one interface a version, and `ReportEvent` for the newest. */
export function renderModule(versions: readonly { version: number; schema: AvroRecordSchema }[]): string {
  const parts = versions.map(({ version, schema }) => renderInterface(`ReportEventV${version}`, schema));
  const newest = versions[versions.length - 1];
  if (!newest) throw new Error('no versions to render');
  parts.push(
    `/** The newest version: what the producer writes and the consumer reads. */\nexport type ReportEvent = ReportEventV${newest.version};`,
  );
  return `${GENERATED_HEADER}\n${parts.join('\n\n')}\n`;
}
