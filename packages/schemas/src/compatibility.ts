// The compatibility gate. BACKWARD, transitively: the newest schema must read records written with every earlier
// kept version, so a consumer upgraded first never meets a record it cannot read. Checked offline with avsc's
// resolver, and against what the registry holds.
import avro from 'avsc';
import type { SchemaVersion } from './schema-files.ts';

export function offlineProblems(versions: readonly SchemaVersion[]): string[] {
  const newest = versions[versions.length - 1];
  if (!newest) return ['no schema versions'];
  const reader = avro.Type.forSchema(newest.schema as avro.Schema);
  const problems: string[] = [];
  for (const earlier of versions.slice(0, -1)) {
    try {
      reader.createResolver(avro.Type.forSchema(earlier.schema as avro.Schema));
    } catch (error) {
      problems.push(
        `${newest.file} cannot read records written with ${earlier.file}: ${error instanceof Error ? error.message : error}`,
      );
    }
  }
  return problems;
}

export type RegistryVerdict =
  | { kind: 'compatible'; level: string; versions: number }
  | { kind: 'incompatible'; level: string; versions: number }
  | { kind: 'not-registered' }
  | { kind: 'unreachable'; reason: string };

/** Asks the registry whether `schema` may become the subject's next version under its level. */
export async function registryVerdict(registryUrl: string, subject: string, schema: object): Promise<RegistryVerdict> {
  const base = registryUrl.replace(/\/$/, '');
  const subjectPath = `${base}/subjects/${encodeURIComponent(subject)}`;
  try {
    const versions = await fetch(`${subjectPath}/versions`, { signal: AbortSignal.timeout(10_000) });
    if (versions.status === 404) return { kind: 'not-registered' };
    if (!versions.ok) return { kind: 'unreachable', reason: `GET versions answered ${versions.status}` };
    const count = ((await versions.json()) as unknown[]).length;
    const config = (await (await fetch(`${base}/config/${encodeURIComponent(subject)}`)).json()) as {
      compatibilityLevel?: string;
    };
    const check = await fetch(`${base}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schemaType: 'AVRO', schema: JSON.stringify(schema) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!check.ok) return { kind: 'unreachable', reason: `compatibility check answered ${check.status}` };
    const { is_compatible } = (await check.json()) as { is_compatible: boolean };
    const level = config.compatibilityLevel ?? 'unknown';
    return { kind: is_compatible ? 'compatible' : 'incompatible', level, versions: count };
  } catch (error) {
    return { kind: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
  }
}
