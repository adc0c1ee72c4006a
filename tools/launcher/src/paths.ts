// Where the launcher keeps everything it fetches and runs: one ignored folder, `.local/`.
import { join, resolve } from 'node:path';

export interface InfraPaths {
  root: string;
  local: string;
  artifacts: string;
  data: string;
  logs: string;
  run: string;
  checksums: string;
  maven: string;
  kafkaConfig: string;
}

export function infraPaths(root = resolve(import.meta.dirname, '..', '..', '..'), stateDir?: string): InfraPaths {
  const local = stateDir ?? join(root, '.local');
  return {
    root,
    local,
    // Fetched builds are shared by every state folder: a private broker fetches nothing.
    artifacts: join(root, '.local', 'artifacts'),
    data: join(local, 'data'),
    logs: join(local, 'logs'),
    run: join(local, 'run'),
    checksums: join(root, 'infra', 'checksums'),
    maven: join(root, 'infra', 'maven'),
    kafkaConfig: join(root, 'infra', 'kafka'),
  };
}
