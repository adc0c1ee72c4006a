import { httpUrl, parseEnv, topicName } from '@tally/config';
import { z } from 'zod';

/** What the schema scripts read from the environment (the apps' own variables and defaults). */
export function scriptEnv(env: Record<string, string | undefined> = process.env) {
  return parseEnv(
    z.object({
      SCHEMA_REGISTRY_URL: httpUrl.default('http://127.0.0.1:8081/apis/ccompat/v7'),
      REPORT_TOPIC: topicName.default('report-events'),
    }),
    env,
  );
}
