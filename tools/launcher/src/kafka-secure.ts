// `infra:up --secure`: the files a TLS + SASL/SCRAM broker needs, made once per state folder under `.local/secure/`
// (mode 0700, never committed): a local CA and a broker certificate made with the JDK's keytool, one SCRAM-SHA-512
// password per principal, and an env file per app with the four KAFKA_SSL_* / KAFKA_SASL_* variables that app needs.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The principals:
 *   admin             the launcher's own principal (topics, ACLs, inter-broker traffic); super user
 *   tally-producer    may write the report topic
 *   tally-consumer    may read the report topic, use its group, write the dead-letter topic
 *   tally-reports     may describe the report topic and the group (offsets, for freshness)
 */
export const PRINCIPALS = ['admin', 'tally-producer', 'tally-consumer', 'tally-reports'] as const;
export type Principal = (typeof PRINCIPALS)[number];

/** The broker certificate's subject: the controller listener takes only this certificate (mTLS). */
export const BROKER_DN = 'CN=tally-kafka-broker';
export const SCRAM_MECHANISM = 'SCRAM-SHA-512';

export interface SecureFiles {
  dir: string;
  caPem: string;
  keystore: string;
  truststore: string;
  storePassword: string;
  passwords: Record<Principal, string>;
}

const newSecret = () => randomBytes(24).toString('base64url');

export function secureDir(local: string): string {
  return join(local, 'secure');
}

/** Makes what is missing (idempotent): CA, broker keystore, truststore, passwords. */
export function prepareSecureFiles(local: string): SecureFiles {
  const dir = secureDir(local);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const secretsFile = join(dir, 'secrets.json');
  if (!existsSync(secretsFile)) {
    const passwords = Object.fromEntries(PRINCIPALS.map((p) => [p, newSecret()]));
    writeFileSync(secretsFile, JSON.stringify({ storePassword: newSecret(), passwords }, null, 2), { mode: 0o600 });
  }
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Pick<SecureFiles, 'storePassword' | 'passwords'>;
  const files: SecureFiles = {
    dir,
    caPem: join(dir, 'ca.pem'),
    keystore: join(dir, 'broker.p12'),
    truststore: join(dir, 'truststore.p12'),
    ...secrets,
  };
  if (!existsSync(files.truststore)) makeCertificates(files);
  return files;
}

/** A CA, a broker key signed by it for 127.0.0.1/localhost, and a truststore holding the CA. */
function makeCertificates(files: SecureFiles): void {
  const { dir, storePassword: pass } = files;
  const caStore = join(dir, 'ca.p12');
  for (const stale of [caStore, files.keystore, files.truststore, files.caPem]) rmSync(stale, { force: true });
  const store = (file: string) => ['-keystore', file, '-storetype', 'PKCS12', '-storepass', pass];
  const keytool = (...args: string[]) => execFileSync('keytool', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const key = ['-keyalg', 'RSA', '-keysize', '2048', '-validity', '825'];
  keytool('-genkeypair', '-alias', 'ca', '-dname', 'CN=Tally local CA', '-ext', 'bc:c', ...key, ...store(caStore));
  keytool('-exportcert', '-rfc', '-alias', 'ca', '-file', files.caPem, ...store(caStore));
  keytool('-genkeypair', '-alias', 'broker', '-dname', BROKER_DN, ...key, ...store(files.keystore));
  const csr = join(dir, 'broker.csr');
  const signed = join(dir, 'broker.pem');
  keytool('-certreq', '-alias', 'broker', '-file', csr, ...store(files.keystore));
  keytool(
    '-gencert',
    '-alias',
    'ca',
    '-infile',
    csr,
    '-outfile',
    signed,
    '-rfc',
    '-validity',
    '825',
    '-ext',
    'SAN=ip:127.0.0.1,dns:localhost',
    '-ext',
    'KU=digitalSignature,keyEncipherment',
    '-ext',
    'EKU=serverAuth,clientAuth',
    ...store(caStore),
  );
  keytool('-importcert', '-noprompt', '-alias', 'ca', '-file', files.caPem, ...store(files.keystore));
  keytool('-importcert', '-noprompt', '-alias', 'broker', '-file', signed, ...store(files.keystore));
  keytool('-importcert', '-noprompt', '-alias', 'ca', '-file', files.caPem, ...store(files.truststore));
  rmSync(csr);
  for (const file of [caStore, files.keystore, files.truststore]) chmodSync(file, 0o600);
}

/** The broker settings that differ from the plaintext ones: listeners, TLS, SASL, authorizer. */
export function secureServerProperties(files: SecureFiles, brokerPort: number, controllerPort: number): Record<string, string> {
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${files.passwords.admin}";`;
  return {
    listeners: `SASL_SSL://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `SASL_SSL://127.0.0.1:${brokerPort}`,
    'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,CONTROLLER:SSL',
    'inter.broker.listener.name': 'SASL_SSL',
    'sasl.enabled.mechanisms': SCRAM_MECHANISM,
    'sasl.mechanism.inter.broker.protocol': SCRAM_MECHANISM,
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': jaas,
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': files.keystore,
    'ssl.keystore.password': files.storePassword,
    'ssl.key.password': files.storePassword,
    'ssl.truststore.type': 'PKCS12',
    'ssl.truststore.location': files.truststore,
    'ssl.truststore.password': files.storePassword,
    'ssl.enabled.protocols': 'TLSv1.3,TLSv1.2',
    // The controller port takes only the broker's own certificate: nothing else can reach the quorum.
    'listener.name.controller.ssl.client.auth': 'required',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': `User:admin;User:${BROKER_DN}`,
    'allow.everyone.if.no.acl.found': 'false',
  };
}

/** `--add-scram` arguments for kafka-storage format: the SCRAM users exist before the first start. */
export function scramFormatArgs(files: SecureFiles): string[] {
  return PRINCIPALS.flatMap((p) => ['--add-scram', `${SCRAM_MECHANISM}=[name=${p},password=${files.passwords[p]}]`]);
}

/** The client side of the admin principal, for kafkajs (the launcher) and for Kafka's own tools. */
export function adminClientSecurity(files: SecureFiles) {
  return {
    ssl: { ca: [readFileSync(files.caPem, 'utf8')], rejectUnauthorized: true as const },
    sasl: { mechanism: 'scram-sha-512' as const, username: 'admin', password: files.passwords.admin },
  };
}

/** Writes `<app>.env` for each app principal and `admin.properties` for Kafka's command-line tools. */
export function writeClientFiles(files: SecureFiles, brokers: string): string[] {
  const written: string[] = [];
  for (const principal of PRINCIPALS) {
    if (principal === 'admin') continue;
    const file = join(files.dir, `${principal.replace('tally-', '')}.env`);
    writeFileSync(
      file,
      [
        `# ${principal}: source this before starting the app against \`infra:up --secure\``,
        `KAFKA_BROKERS=${brokers}`,
        `KAFKA_SSL_CA_FILE=${files.caPem}`,
        'KAFKA_SASL_MECHANISM=scram-sha-512',
        `KAFKA_SASL_USERNAME=${principal}`,
        `KAFKA_SASL_PASSWORD=${files.passwords[principal]}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    written.push(file);
  }
  const admin = join(files.dir, 'admin.properties');
  writeFileSync(
    admin,
    [
      'security.protocol=SASL_SSL',
      `sasl.mechanism=${SCRAM_MECHANISM}`,
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${files.passwords.admin}";`,
      'ssl.truststore.type=PKCS12',
      `ssl.truststore.location=${files.truststore}`,
      `ssl.truststore.password=${files.storePassword}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  written.push(admin);
  return written;
}

/** Records a rotated password, so the env files written next carry it. */
export function savePassword(files: SecureFiles, principal: Principal, password: string): void {
  files.passwords[principal] = password;
  writeFileSync(
    join(files.dir, 'secrets.json'),
    JSON.stringify({ storePassword: files.storePassword, passwords: files.passwords }, null, 2),
    { mode: 0o600 },
  );
}

export { newSecret };
