// `pnpm schemas:register`: registers the newest report event schema under `<REPORT_TOPIC>-value`
// at SCHEMA_REGISTRY_URL and prints subject, version and id.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createReportCodec } from '../src/codec.ts';
import { currentReportEventSchema } from '../src/schema-files.ts';
import { scriptEnv } from './env.ts';

const { SCHEMA_REGISTRY_URL, REPORT_TOPIC } = scriptEnv();
const codec = createReportCodec({ registry: new SchemaRegistry({ host: SCHEMA_REGISTRY_URL }), topic: REPORT_TOPIC });
try {
  const id = await codec.schemaId();
  // "Is this schema registered under the subject?" answers with its version.
  const lookup = await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${codec.subject}`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(currentReportEventSchema().schema) }),
  });
  const { version } = (await lookup.json()) as { version: number };
  console.log(`subject ${codec.subject}  version ${version}  id ${id}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
