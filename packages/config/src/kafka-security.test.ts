import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kafkaSecurity, kafkaSecurityFields } from './kafka-security.ts';
import { ConfigError, parseEnv } from './parse-env.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
const caFile = join(dir, 'ca.pem');
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----';
writeFileSync(caFile, `subject=CN=tally-local-ca\n${PEM}\n`);
const notPem = join(dir, 'not.pem');
writeFileSync(notPem, 'hello\n');

function problems(env: Record<string, string>): string[] {
  try {
    kafkaSecurity(parseEnv(z.object(kafkaSecurityFields), env));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('kafkaSecurity', () => {
  it('is plaintext when nothing is set', () => {
    expect(kafkaSecurity({})).toEqual({ ssl: undefined, sasl: undefined, describe: { tls: false } });
  });

  it('reads the CA certificates out of the PEM file and carries the SASL credentials', () => {
    const security = kafkaSecurity({
      KAFKA_SSL_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'tally-producer',
      KAFKA_SASL_PASSWORD: 's3cret-pw',
    });
    expect(security.ssl).toEqual({ ca: [PEM], rejectUnauthorized: true });
    expect(security.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'tally-producer', password: 's3cret-pw' });
    expect(JSON.stringify(security.describe)).not.toContain('s3cret-pw');
  });

  it('refuses half a configuration, naming each missing variable', () => {
    expect(problems({ KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toEqual([
      'KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=scram-sha-512 (unset)',
      'KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=scram-sha-512 (unset)',
      'KAFKA_SSL_CA_FILE: required with KAFKA_SASL_MECHANISM, so credentials never cross the wire in clear (unset)',
    ]);
    expect(problems({ KAFKA_SASL_PASSWORD: 'x' })).toEqual([
      'KAFKA_SASL_MECHANISM: required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set (unset)',
    ]);
  });

  it('says what is wrong with the CA file', () => {
    expect(problems({ KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') })).toEqual([
      `KAFKA_SSL_CA_FILE: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    ]);
    expect(problems({ KAFKA_SSL_CA_FILE: notPem })).toEqual([`KAFKA_SSL_CA_FILE: ${notPem} holds no PEM certificate`]);
  });

  it('never shows the password, even when the mechanism is wrong', () => {
    const found = problems({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2-secret' });
    expect(found).toEqual(['KAFKA_SASL_MECHANISM: must be scram-sha-512, scram-sha-256 or plain (got "gssapi")']);
    expect(found.join('\n')).not.toContain('hunter2-secret');
  });
});
