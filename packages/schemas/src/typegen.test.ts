import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reportEventVersions } from './schema-files.ts';
import { renderInterface, renderModule } from './typegen.ts';

describe('the generated types', () => {
  it('match the .avsc files (run `pnpm --filter @tally/schemas generate` after changing a schema)', () => {
    const committed = readFileSync(new URL('./report-event.generated.ts', import.meta.url), 'utf8');
    expect(committed).toBe(renderModule(reportEventVersions()));
  });

  it('map each Avro type the event uses to its TypeScript type', () => {
    const rendered = renderInterface('T', {
      type: 'record',
      name: 'T',
      fields: [
        { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'maybe', type: ['null', 'double'] },
        { name: 'labels', type: { type: 'map', values: 'string' } },
        { name: 'flag', type: 'boolean' },
      ],
    });
    expect(rendered.split('\n').slice(2, -1)).toEqual([
      '  id: string;',
      '  at: number;',
      '  maybe: null | number;',
      '  labels: Record<string, string>;',
      '  flag: boolean;',
    ]);
  });

  it('refuses an Avro type it has no mapping for, naming the field', () => {
    expect(() =>
      renderInterface('T', {
        type: 'record',
        name: 'T',
        fields: [{ name: 'blob', type: { type: 'fixed', size: 4, name: 'F' } }],
      }),
    ).toThrow(/field blob: no TypeScript mapping/);
  });
});
