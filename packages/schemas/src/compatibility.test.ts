import { describe, expect, it } from 'vitest';
import { offlineProblems } from './compatibility.ts';
import { type AvroField, reportEventVersions, type SchemaVersion } from './schema-files.ts';

const versions = reportEventVersions();
const [v1, v2] = versions as [SchemaVersion, SchemaVersion];
const withFields = (fields: AvroField[]): SchemaVersion => ({ version: 3, file: 'v3.avsc', schema: { ...v2.schema, fields } });

describe('the offline compatibility gate', () => {
  it('passes the versions kept in the package', () => {
    expect(offlineProblems(versions)).toEqual([]);
  });

  it.each([
    ['a field added without a default', withFields([...v2.schema.fields, { name: 'tenant', type: 'string' }]), ['v1', 'v2']],
    ['a type changed', withFields(v2.schema.fields.map((f) => (f.name === 'action' ? { ...f, type: 'int' } : f))), ['v1', 'v2']],
    [
      'the default of a field v1 lacks removed',
      withFields(v2.schema.fields.map(({ default: _, ...f }) => (f.name === 'session_id' ? f : { ...f, default: _ }))),
      ['v1'],
    ],
  ])('refuses %s, naming each earlier version it cannot read', (_, breaking, unreadable) => {
    const problems = offlineProblems([v1, v2, breaking]);
    expect(problems.map((p) => /written with (v\d)\.avsc: /.exec(p)?.[1])).toEqual(unreadable);
    for (const problem of problems) expect(problem).toMatch(/^v3\.avsc cannot read records written with v\d\.avsc: ./);
  });

  it('allows a field to be removed, since a newer reader skips it', () => {
    expect(offlineProblems([v1, v2, withFields(v2.schema.fields.filter((f) => f.name !== 'source'))])).toEqual([]);
  });
});
