// `pnpm schemas:check`: fails when the newest report event schema is not BACKWARD-compatible
// (transitively) with every earlier version kept here, or with what the registry holds.
import { offlineProblems, registryVerdict } from '../src/compatibility.ts';
import { reportEventVersions } from '../src/schema-files.ts';
import { valueSubject } from '../src/subject.ts';
import { scriptEnv } from './env.ts';

const { SCHEMA_REGISTRY_URL, REPORT_TOPIC } = scriptEnv();
const versions = reportEventVersions();
const newest = versions[versions.length - 1];
let failed = false;

const problems = offlineProblems(versions);
for (const problem of problems) console.error(`✗ offline: ${problem}`);
failed ||= problems.length > 0;
const earlier = versions.slice(0, -1).map((v) => v.file);
if (problems.length === 0)
  console.log(`✓ offline: ${newest?.file} reads records of ${earlier.join(', ') || 'no earlier version'}`);

const subject = valueSubject(REPORT_TOPIC);
const verdict = await registryVerdict(SCHEMA_REGISTRY_URL, subject, newest?.schema ?? {});
switch (verdict.kind) {
  case 'compatible':
    console.log(`✓ registry: ${subject} (${verdict.level}, ${verdict.versions} version(s)) accepts ${newest?.file}`);
    break;
  case 'incompatible':
    console.error(`✗ registry: ${subject} (${verdict.level}, ${verdict.versions} version(s)) refuses ${newest?.file}`);
    failed = true;
    break;
  case 'not-registered':
    console.log(`- registry: ${subject} has no versions yet; nothing to compare with`);
    break;
  case 'unreachable':
    console.log(`- registry: ${SCHEMA_REGISTRY_URL} not reachable (${verdict.reason}); checked offline only`);
    break;
}
process.exit(failed ? 1 : 0);
