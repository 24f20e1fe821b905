import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, REPO } from './helpers/cli';

const manifest = () => JSON.parse(fs.readFileSync(path.join(REPO, 'oclif.manifest.json'), 'utf8')).commands as Record<string, { examples?: string[]; args?: Record<string, unknown>; strict?: boolean }>;
const ids = () => Object.keys(manifest()).map((id) => id.replace(/:/g, ' '));

describe('the CLI behaves like the oclif tools people know', () => {
  it('help, help COMMAND, -h, --help', () => {
    for (const argv of [['help'], ['-h'], ['--help']]) {
      const r = cli(argv);
      expect({ argv, status: r.status }).toEqual({ argv, status: 0 });
      expect(r.stdout).toMatch(/USAGE\n {2}\$ modelseal \[COMMAND\]/);
      expect(r.stdout).toMatch(/\n {2}verify\s/);
    }
    for (const argv of [['help', 'sign'], ['sign', '-h'], ['sign', '--help'], ['help', 'release', 'create']]) {
      const r = cli(argv);
      expect({ argv, status: r.status }).toEqual({ argv, status: 0 });
      expect(r.stdout).toMatch(/USAGE\n {2}\$ modelseal (sign|release create) /);
    }
  });

  it('-v, --version and version print the version', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    for (const argv of [['-v'], ['--version'], ['version']]) {
      const r = cli(argv);
      expect({ argv, status: r.status, out: r.stdout.startsWith(`modelseal/${version} `) }).toEqual({ argv, status: 0, out: true });
    }
  });

  it('commands lists every command; autocomplete is there', () => {
    const r = cli(['commands', '--json']);
    expect(r.status).toBe(0);
    const listed = (r.json as { id: string }[]).map((c) => c.id.replace(/:/g, ' '));
    for (const id of ids()) expect(listed).toContain(id);
    expect(listed).toEqual(expect.arrayContaining(['autocomplete', 'commands', 'help', 'version']));
    expect(cli(['autocomplete', '--help']).status).toBe(0);
  });

  it('a typo is one usage line with the nearest command, arguments not glued into its name', () => {
    const cases: [string[], string][] = [
      [['sgin', 'm'], 'unknown command "sgin"; did you mean "sign"?'],
      [['verfy', './model', '--key', 'k.pub'], 'unknown command "verfy"; did you mean "verify"?'],
      [['lock', 'verfy'], 'unknown command "lock verfy"; did you mean "lock verify"?'],
      [['relase', 'create', 'x'], 'unknown command "relase"; did you mean "release"?'],
      [['zzzzzzzz', 'x'], 'unknown command "zzzzzzzz" (see modelseal help)'],
    ];
    for (const [argv, message] of cases) {
      const r = cli(argv);
      expect({ argv, status: r.status, stdout: r.stdout }).toEqual({ argv, status: 2, stdout: '' });
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toMatch(/\[USAGE_ERROR\]\n$/);
    }
  });

  it('every command has examples, an ARGUMENTS section when it takes arguments, and readable usage lines', () => {
    const m = manifest();
    for (const id of Object.keys(m)) {
      const name = id.replace(/:/g, ' ');
      expect({ name, examples: (m[id].examples ?? []).length > 0 }).toEqual({ name, examples: true });
      const r = cli([...name.split(' '), '--help']);
      expect(r.status).toBe(0);
      const usage = r.stdout.slice(r.stdout.indexOf('USAGE'), r.stdout.indexOf('\n\n', r.stdout.indexOf('USAGE')));
      // oclif's flag-relationship rendering: empty alternatives, nested optional groups, "[...]".
      expect({ name, garbled: /\|\s*\||\[\s*\]|\[\.\.\.\]|<value> \]|\[\[/.test(usage) }).toEqual({ name, garbled: false });
      if (Object.keys(m[id].args ?? {}).length > 0) expect({ name, args: /\nARGUMENTS\n/.test(r.stdout) }).toEqual({ name, args: true });
    }
    for (const name of ['gate', 'release create']) {
      expect(cli([...name.split(' '), '--help']).stdout).toMatch(/\nARGUMENTS\n {2}\[?ARTIFACT\.\.\.\]? /);
    }
    expect(cli(['release', 'create', '--help']).stdout).toMatch(/--version=<integer>\s+\(required\) Release version, an integer/);
  });
});
