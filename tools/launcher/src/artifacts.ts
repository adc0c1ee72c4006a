// Fetches the Kafka jars and the Apicurio Registry build from Maven Central with Maven (which checks the
// repository's own checksums, `-C`), then checks every file against the SHA-256 list committed under
// infra/checksums/. A folder is only moved into place once it verified, so an interrupted fetch is fetched again.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InfraPaths } from './paths.ts';
import { MAVEN_DEPENDENCY_PLUGIN, MAVEN_DEPENDENCY_PLUGIN_LENIENT } from './versions.ts';

export type Artifact = { kind: 'kafka'; version: string } | { kind: 'apicurio'; version: string };

const VERIFIED = '.verified';

export function artifactDir(paths: InfraPaths, artifact: Artifact): string {
  return join(paths.artifacts, `${artifact.kind}-${artifact.version}`);
}

function checksumFile(paths: InfraPaths, artifact: Artifact): string {
  return join(paths.checksums, `${artifact.kind}-${artifact.version}.sha256`);
}

/** Returns the verified folder: `libs/` of jars for Kafka, the tarball's content for Apicurio. */
export async function ensureArtifact(paths: InfraPaths, artifact: Artifact, log: (line: string) => void): Promise<string> {
  const target = artifactDir(paths, artifact);
  if (existsSync(join(target, VERIFIED))) return target;
  const pinned = readPinned(paths, artifact);
  log(`fetching ${artifact.kind} ${artifact.version} with Maven`);
  const staging = await download(paths, artifact);
  const problems = compare(pinned, await hashFiles(join(staging, 'download')));
  if (problems.length > 0) {
    throw new Error(`${artifact.kind} ${artifact.version}: checksum verification failed:\n  ${problems.join('\n  ')}`);
  }
  await unpack(staging, artifact);
  writeFileSync(join(staging, VERIFIED), `${new Date().toISOString()}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return target;
}

/** Records the checksums of a freshly fetched version (for bumping a version; review the diff). */
export async function pinArtifact(paths: InfraPaths, artifact: Artifact): Promise<string> {
  const staging = await download(paths, artifact);
  const hashes = await hashFiles(join(staging, 'download'));
  const file = checksumFile(paths, artifact);
  const lines = [...hashes].sort(([a], [b]) => a.localeCompare(b)).map(([name, hash]) => `${hash}  ${name}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  rmSync(staging, { recursive: true, force: true });
  return file;
}

function readPinned(paths: InfraPaths, artifact: Artifact): Map<string, string> {
  const file = checksumFile(paths, artifact);
  if (!existsSync(file)) {
    throw new Error(
      `no pinned checksums for ${artifact.kind} ${artifact.version} (${file}).\n` +
        `  To adopt this version, record them with: pnpm infra:pin ${artifact.kind} ${artifact.version}`,
    );
  }
  const pinned = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line.trim());
    if (match?.[1] && match[2]) pinned.set(match[2], match[1]);
  }
  return pinned;
}

function compare(pinned: Map<string, string>, actual: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, hash] of pinned) {
    const got = actual.get(name);
    if (got === undefined) problems.push(`missing ${name}`);
    else if (got !== hash) problems.push(`${name}: expected sha256 ${hash}, got ${got}`);
  }
  for (const name of actual.keys()) if (!pinned.has(name)) problems.push(`unexpected file ${name}`);
  return problems;
}

async function hashFiles(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(join(dir, name))) hash.update(chunk as Buffer);
    hashes.set(name, hash.digest('hex'));
  }
  return hashes;
}

async function download(paths: InfraPaths, artifact: Artifact): Promise<string> {
  const staging = `${artifactDir(paths, artifact)}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const out = join(staging, 'download');
  mkdirSync(out, { recursive: true });
  const common = ['-B', '-q', '-C', `-DoutputDirectory=${out}`];
  if (artifact.kind === 'kafka') {
    // 3.x logs through reload4j, 4.x through log4j2; kafka_2.13's pom names neither binding.
    const logging = artifact.version.startsWith('3.') ? 'log-reload4j' : 'log-log4j2';
    await run('mvn', [
      ...common,
      '-f',
      join(paths.maven, 'kafka.pom.xml'),
      `-Dkafka.version=${artifact.version}`,
      `-P${logging}`,
      '-DincludeScope=runtime',
      `${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies`,
    ]);
  } else {
    // NOTE: `copy` of the one tarball, run outside any project (cwd has no pom).
    await run(
      'mvn',
      [
        ...common,
        `-Dartifact=io.apicurio:apicurio-registry-app:${artifact.version}:tar.gz:all`,
        `${MAVEN_DEPENDENCY_PLUGIN_LENIENT}:copy`,
      ],
      staging,
    );
  }
  return staging;
}

async function unpack(staging: string, artifact: Artifact): Promise<void> {
  const download = join(staging, 'download');
  if (artifact.kind === 'kafka') {
    renameSync(download, join(staging, 'libs'));
    return;
  }
  const app = join(staging, 'app');
  mkdirSync(app);
  for (const name of readdirSync(download)) await run('tar', ['-xzf', join(download, name), '-C', app]);
}

/** Runs a tool quietly; its output is shown only when it fails. */
function run(command: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', (error) => reject(new Error(`${command}: ${error.message} (is it installed?)`)));
    child.on('exit', (code) => {
      if (code === 0) return resolve();
      const text = Buffer.concat(output).toString('utf8').replaceAll(ANSI, '').trim().split('\n').slice(-30).join('\n');
      reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${text}`));
    });
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: Maven's colour codes are control characters.
const ANSI = /\u001b\[[0-9;]*m/g;
