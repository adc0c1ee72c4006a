// `infra:rotate-password <principal>`: a new SCRAM password for an app principal on the running secure broker
// (Kafka's own ConfigCommand, as admin), then the app's env file rewritten. The old password stops working for new
// connections at once; restart the app with the new file.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { brokerAddresses } from './kafka.ts';
import { newSecret, PRINCIPALS, type Principal, prepareSecureFiles, savePassword, writeClientFiles } from './kafka-secure.ts';
import { kafkaToolArgs } from './kafka-tools.ts';
import { currentLayout, type Stack } from './stack.ts';

export function rotatePassword(stack: Stack, principal: string): void {
  if (!(PRINCIPALS as readonly string[]).includes(principal) || principal === 'admin') {
    throw new Error(
      `rotate-password takes ${PRINCIPALS.filter((p) => p !== 'admin').join(', ')} (admin is the broker's own login: rotate it with infra:reset)`,
    );
  }
  const layout = currentLayout(stack.paths);
  if (!layout?.secure) throw new Error('no secure broker is running: start one with `pnpm infra:up --secure`');
  const files = prepareSecureFiles(stack.paths.local);
  const password = newSecret();
  const brokers = brokerAddresses(layout).join(',');
  execFileSync(
    'java',
    [
      ...kafkaToolArgs(stack.paths, layout.version),
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      brokers,
      '--command-config',
      join(files.dir, 'admin.properties'),
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      principal,
      '--add-config',
      `SCRAM-SHA-512=[iterations=4096,password=${password}]`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  savePassword(files, principal as Principal, password);
  const written = writeClientFiles(files, brokers);
  stack.log(
    `kafka      new password for ${principal}; ${written.find((f) => f.includes(principal.replace('tally-', '')))} rewritten`,
  );
}
