// What the schema scripts read from the environment (the apps' own variables and defaults).
import { parseEnv, registryField, reportTopicField } from '@tally/config';
import { z } from 'zod';

export function scriptEnv(env: Record<string, string | undefined> = process.env) {
  return parseEnv(z.object({ ...registryField, ...reportTopicField }), env);
}
