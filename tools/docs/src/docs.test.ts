// Keeps README.md and docs/*.md true to the repository, with no service running:
// - every relative link (and image) resolves to a file, and a `#anchor` into a markdown file names
//   one of its headings (GitHub's slug rules);
// - every environment variable an app's config schema reads (the keys of `z.object({...})` in
//   apps/*/src/config.ts, and `kafkaSecurityFields` in packages/config) is in docs/configuration.md;
// - every root script that README's scripts table or docs/scripts.md names exists in package.json.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

const docs = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
const pages = ['README.md', ...docs];

/** The lines of a markdown file outside fenced code blocks. */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker[0];
      else if (marker[0] === fence) fence = undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]/g, ''); // code and emphasis markers
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a markdown file offers, with GitHub's -1, -2 suffixes for repeated headings. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

/** Link targets in the prose of a markdown file (inline code and code blocks skipped). */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (match[1] !== undefined) targets.push(match[1]);
    }
  }
  return targets;
}

const relativeLinks = pages.flatMap((page) =>
  linkTargets(read(page))
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target)) // http:, https:, mailto:
    .map((target) => ({ page, target })),
);

describe('links in README.md and docs/', () => {
  it('finds the pages and their links', () => {
    expect(docs.length).toBeGreaterThan(0);
    expect(relativeLinks.length).toBeGreaterThan(0);
  });

  it.each(relativeLinks)('$page links to $target, which exists', ({ page, target }) => {
    const [pathPart = '', anchor] = target.split('#', 2);
    const file = pathPart === '' ? join(root, page) : join(root, dirname(page), decodeURIComponent(pathPart));
    expect(existsSync(file), `${page}: ${target} points at a missing ${relative(root, file)}`).toBe(true);
    if (anchor === undefined || anchor === '' || !file.endsWith('.md') || statSync(file).isDirectory()) return;
    const offered = anchors(readFileSync(file, 'utf8'));
    expect([...offered], `${page}: ${relative(root, file)} has no heading for #${anchor}`).toContain(
      decodeURIComponent(anchor).toLowerCase(),
    );
  });
});

/** Index just past the string, template or comment starting at `i`, or `i` when there is none. */
function skipLiteral(source: string, i: number): number {
  const char = source[i];
  if (char === '/' && source[i + 1] === '/') {
    const end = source.indexOf('\n', i);
    return end === -1 ? source.length : end;
  }
  if (char === '/' && source[i + 1] === '*') {
    const end = source.indexOf('*/', i + 2);
    return end === -1 ? source.length : end + 2;
  }
  if (char === "'" || char === '"' || char === '`') {
    let j = i + 1;
    for (; j < source.length && source[j] !== char; j++) if (source[j] === '\\') j++;
    return j + 1;
  }
  return i;
}

/** The text between the bracket at `open` and its match, strings and comments skipped. */
function bracketed(source: string, open: number): string {
  let depth = 0;
  for (let i = open; i < source.length; ) {
    const next = skipLiteral(source, i);
    if (next !== i) {
      i = next;
      continue;
    }
    const char = source[i];
    if (char === '{' || char === '(' || char === '[') depth++;
    if (char === '}' || char === ')' || char === ']') {
      depth--;
      if (depth === 0) return source.slice(open + 1, i);
    }
    i++;
  }
  throw new Error(`unbalanced brackets after offset ${open}`);
}

/** The top-level entries of an object literal's body (or an argument list), comments removed. */
function entries(body: string): string[] {
  const found: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < body.length; ) {
    const next = skipLiteral(body, i);
    if (next !== i) {
      if (body[i] !== '/') current += body.slice(i, next); // keep strings, drop comments
      i = next;
      continue;
    }
    const char = body[i] ?? '';
    if ('{(['.includes(char)) depth++;
    if ('})]'.includes(char)) depth--;
    if (char === ',' && depth === 0) {
      found.push(current.trim());
      current = '';
    } else {
      current += char;
    }
    i++;
  }
  if (current.trim() !== '') found.push(current.trim());
  return found;
}

// Where a spread in a config schema (`...commonFields`, `...listenFields('CONSUMER', 3001)`) is defined.
const configPackage = readdirSync(join(root, 'packages/config/src'))
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .map((name) => `packages/config/src/${name}`);

/** The variable names an object literal's body declares, following spreads into packages/config. */
function objectKeys(body: string, from: string, args: Record<string, string> = {}): string[] {
  return entries(body).flatMap((entry) => {
    const spread = /^\.\.\.\s*([A-Za-z_$][\w$]*)\s*(\(([\s\S]*)\))?$/.exec(entry);
    if (spread?.[1] !== undefined) return spreadKeys(spread[1], spread[3], from);
    const key = /^(?:([A-Z][A-Z0-9_]*)|'([A-Z][A-Z0-9_]*)'|"([A-Z][A-Z0-9_]*)"|\[`([^`]*)`\])\s*:/.exec(entry);
    if (!key) return [];
    const template = key[4];
    if (template === undefined) return [key[1] ?? key[2] ?? key[3] ?? ''];
    return [template.replace(/\$\{\s*(\w+)\s*\}/g, (_, name: string) => args[name] ?? `\${${name}}`)];
  });
}

/** The keys a spread `...name` or `...name(args)` brings in, read from its definition. */
function spreadKeys(name: string, callArgs: string | undefined, from: string): string[] {
  for (const path of [from, ...configPackage]) {
    const source = read(path);
    if (callArgs === undefined) {
      const definition = new RegExp(`\\bconst\\s+${name}\\s*(?::[^=]+)?=\\s*\\{`).exec(source);
      if (definition) return objectKeys(bracketed(source, definition.index + definition[0].length - 1), path);
    } else {
      const definition = new RegExp(`\\bfunction\\s+${name}\\s*(?:<[^(]*>)?\\(`).exec(source);
      if (!definition) continue;
      const params = entries(bracketed(source, definition.index + definition[0].length - 1)).map(
        (param) => /^[\w$]+/.exec(param)?.[0] ?? '',
      );
      const values = entries(callArgs).map((arg) => /^['"`]([^'"`]*)['"`]$/.exec(arg)?.[1] ?? '');
      const bound = Object.fromEntries(params.map((param, i) => [param, values[i] ?? '']));
      const body = source.slice(definition.index);
      const returned = /\breturn\s*\{/.exec(body);
      if (!returned) throw new Error(`${path}: ${name}() returns no object literal`);
      return objectKeys(bracketed(body, returned.index + returned[0].length - 1), path, bound);
    }
  }
  throw new Error(`${from}: cannot find the definition of ...${name} in it or in packages/config/src`);
}

/** The variables of the object literal that follows `marker` in `path`. */
function variableKeys(path: string, marker: RegExp): string[] {
  const source = read(path);
  const match = marker.exec(source);
  if (!match) throw new Error(`${path}: no ${marker} found`);
  return objectKeys(bracketed(source, match.index + match[0].length - 1), path);
}

const configFiles = readdirSync(join(root, 'apps'))
  .map((app) => `apps/${app}/src/config.ts`)
  .filter((path) => existsSync(join(root, path)));
const securityFile = 'packages/config/src/kafka-security.ts';
const variables = [
  ...configFiles.flatMap((path) => variableKeys(path, /z\.object\(\s*\{/).map((name) => ({ name, from: path }))),
  ...variableKeys(securityFile, /kafkaSecurityFields\s*=\s*\{/).map((name) => ({ name, from: securityFile })),
];

describe('docs/configuration.md', () => {
  const configuration = read('docs/configuration.md');

  it('finds the variables of every app with a config schema', () => {
    expect(configFiles.length).toBeGreaterThan(0);
    for (const path of configFiles)
      expect(
        variables.some((v) => v.from === path),
        `${path}: no variables parsed`,
      ).toBe(true);
    expect(variables.map((v) => v.name).filter((name) => !/^[A-Z][A-Z0-9_]*$/.test(name))).toEqual([]);
  });

  it.each(variables)('documents $name, which $from reads', ({ name }) => {
    expect(configuration).toContain(`\`${name}\``);
  });
});

/** `pnpm <script>` named in the first column of the markdown tables of a file. */
function scriptsInTables(markdown: string): string[] {
  const names = new Set<string>();
  for (const line of proseLines(markdown)) {
    if (!line.trimStart().startsWith('|')) continue;
    const firstCell =
      line
        .trim()
        .slice(1)
        .split(/(?<!\\)\|/)[0] ?? '';
    for (const match of firstCell.matchAll(/`pnpm ([a-z][\w:-]*)/g)) if (match[1]) names.add(match[1]);
  }
  return [...names];
}

describe('scripts the docs name', () => {
  const packageScripts = Object.keys((JSON.parse(read('package.json')) as { scripts?: object }).scripts ?? {});
  const named = ['README.md', 'docs/scripts.md'].flatMap((page) =>
    scriptsInTables(read(page)).map((script) => ({ page, script })),
  );

  it('finds the scripts tables', () => {
    expect(named.some((n) => n.page === 'README.md')).toBe(true);
    expect(named.some((n) => n.page === 'docs/scripts.md')).toBe(true);
  });

  it.each(named)('$page names pnpm $script, a root script of package.json', ({ script }) => {
    expect(packageScripts).toContain(script);
  });
});

/** Repository paths written as code (`apps/…`, `tools/…`, …) outside code blocks; build output (`dist`) aside. */
function pathsNamed(markdown: string): string[] {
  const found = new Set<string>();
  for (const line of proseLines(markdown))
    for (const match of line.matchAll(/`((?:apps|packages|tools|infra|docs)\/[\w./-]*[\w/])`/g))
      if (match[1] && !/[*<>]|\bdist\b/.test(match[1])) found.add(match[1].replace(/\/$/, ''));
  return [...found];
}

describe('paths the docs name', () => {
  const named = pages.flatMap((page) => pathsNamed(read(page)).map((path) => ({ page, path })));

  it('finds some', () => {
    expect(named.length).toBeGreaterThan(10);
  });

  it.each(named)('$page names $path, which exists', ({ path }) => {
    expect(existsSync(join(root, path)), `${path} is not in the repository`).toBe(true);
  });
});
