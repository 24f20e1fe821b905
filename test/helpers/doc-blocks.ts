import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './cli';

/**
 * Fenced code blocks of a Markdown file. A block is skipped by the docs tests when the line
 * before its fence is an HTML comment `<!-- doc-test: output -->` (it shows output, or a file's
 * content) or `<!-- doc-test: needs WHAT -->` (it needs a service or a secret the tests do not have).
 */
export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** Why the block is not run, from its marker; undefined when it runs. */
  skip?: string;
  /** The Markdown heading the block sits under. */
  heading: string;
}

export function docBlocks(relFile: string): DocBlock[] {
  const file = path.join(REPO, relFile);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: DocBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const h = /^#+\s+(.*)$/.exec(lines[i]);
    if (h) heading = h[1].trim();
    const open = /^(\s*)```+\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```+\s*$/.test(lines[j])) body.push(lines[j++].slice(indent));
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    const marker = k >= 0 ? /<!--\s*doc-test:\s*(.*?)\s*-->/.exec(lines[k]) : null;
    // A block that is an example file's text is run as that file by the example's own test.
    const example = k >= 0 ? /<!--\s*example:\s*(.*?)\s*-->/.exec(lines[k]) : null;
    const skip = marker ? marker[1] : example ? `needs its own test: it is ${example[1]}` : undefined;
    out.push({ file: relFile, line: i + 1, lang: open[2].toLowerCase(), code: body.join('\n') + '\n', skip, heading });
    i = j;
  }
  return out;
}

export const SHELL_LANGS = ['sh', 'bash', 'shell', 'console'];
export const SCRIPT_LANGS = ['js', 'javascript', 'ts', 'typescript', 'mjs', 'cjs'];

/** The Markdown files whose blocks are tests: README.md and docs/*.md. */
export function docFiles(): string[] {
  return ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
}

/**
 * A bash prelude under which `modelseal ...` and `npx modelseal ...` run the built CLI of
 * this checkout, as they would after `npm install modelseal`.
 */
export function shellPrelude(): string {
  const bin = path.join(REPO, 'bin', 'run.js');
  return [
    'set -euo pipefail',
    `modelseal() { ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"; }`,
    'npx() { if [ "${1:-}" = modelseal ]; then shift; modelseal "$@"; else command npx "$@"; fi; }',
    'export -f modelseal npx',
    '',
  ].join('\n');
}
