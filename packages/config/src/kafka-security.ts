// TLS and SASL to Kafka, the same four variables for every app (kafkaSecurityFields). Unset, clients speak
// plaintext (the local launcher's default broker).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './parse-env.ts';

/**
 * The four variables:
 *   KAFKA_SSL_CA_FILE      PEM file of the CA that signed the brokers' certificates: TLS on
 *   KAFKA_SASL_MECHANISM   scram-sha-512 | scram-sha-256 | plain: SASL on
 *   KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD   the principal's credentials
 */
export const kafkaSecurityFields = {
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z
    .enum(['scram-sha-512', 'scram-sha-256', 'plain'], { error: 'must be scram-sha-512, scram-sha-256 or plain' })
    .optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
};

type SecurityEnv = { [K in keyof typeof kafkaSecurityFields]?: string | undefined };

export type KafkaSasl =
  | { mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain'; username: string; password: string }
  | undefined;

/** What kafkajs takes as `ssl` and `sasl`; `describe` is safe to log (no secret in it). */
export interface KafkaSecurity {
  ssl: { ca: string[]; rejectUnauthorized: true } | undefined;
  sasl: KafkaSasl;
  describe: { tls: boolean; caFile?: string; saslMechanism?: string; saslUsername?: string };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Checks the four variables together (a half-configured client is refused at start, not at the
 * first connection) and reads the CA file. Errors name the variable and never show the password.
 */
export function kafkaSecurity(env: SecurityEnv): KafkaSecurity {
  const problems: string[] = [];
  let ca: string[] | undefined;
  if (env.KAFKA_SSL_CA_FILE !== undefined) {
    try {
      ca = readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8').match(PEM_CERTIFICATE) ?? undefined;
      if (!ca) problems.push(`KAFKA_SSL_CA_FILE: ${env.KAFKA_SSL_CA_FILE} holds no PEM certificate`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`KAFKA_SSL_CA_FILE: cannot read ${env.KAFKA_SSL_CA_FILE} (${code})`);
    }
  }
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = env;
  if (mechanism !== undefined) {
    if (username === undefined) problems.push(`KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=${mechanism} (unset)`);
    if (password === undefined) problems.push(`KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=${mechanism} (unset)`);
    if (env.KAFKA_SSL_CA_FILE === undefined)
      problems.push(
        'KAFKA_SSL_CA_FILE: required with KAFKA_SASL_MECHANISM, so credentials never cross the wire in clear (unset)',
      );
  } else if (username !== undefined || password !== undefined) {
    problems.push('KAFKA_SASL_MECHANISM: required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set (unset)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const sasl =
    mechanism !== undefined && username !== undefined && password !== undefined
      ? { mechanism: mechanism as NonNullable<KafkaSasl>['mechanism'], username, password }
      : undefined;
  return {
    ssl: ca ? { ca, rejectUnauthorized: true } : undefined,
    sasl,
    describe: {
      tls: ca !== undefined,
      ...(env.KAFKA_SSL_CA_FILE === undefined ? {} : { caFile: env.KAFKA_SSL_CA_FILE }),
      ...(sasl ? { saslMechanism: sasl.mechanism, saslUsername: sasl.username } : {}),
    },
  };
}
