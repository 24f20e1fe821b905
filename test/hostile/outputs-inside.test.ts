import * as fs from 'node:fs';
import * as path from 'node:path';
import { Gate } from '../../src/gate/gate';
import { createRelease } from '../../src/gate/create-release';
import { serializeReleaseEnvelope } from '../../src/gate/release-envelope';
import { cli } from '../helpers/cli';
import { gateFixture } from '../helpers/gate-fixture';
import { makeKey } from '../helpers/hostile';
import { refusal } from '../helpers/refusal';
import { snapshotTree, tmpDir, writeTree } from '../helpers/tmp';

/** Outputs are checked against the artifact on real paths: a symlink on either side changes nothing (issue 15). */
/** A signed model, a link to it beside, and its files as they are before the command under test. */
function signedModelWithLink() {
  const root = tmpDir();
  const key = makeKey(root, 'k');
  const model = writeTree(path.join(root, 'model'), { 'weights.bin': 'w' });
  expect(cli(['sign', model, '--key', key.privatePath]).status).toBe(0);
  fs.symlinkSync(model, path.join(root, 'link'));
  return { root, key, model, before: snapshotTree(model) };
}

describe('outputs never land inside an artifact named through a symlink', () => {
  it('lock add refuses a lock file inside the artifact (artifact named through a link)', () => {
    const { root, key, model, before } = signedModelWithLink();
    const r = cli(['lock', 'add', 'acme/model', path.join(root, 'link'), '--key', key.publicPath, '--lock', path.join(model, 'modelseal.lock')], { cwd: root });
    expect(r.stderr).toMatch(/the lock file would be written inside the artifact .*\[OUTPUT_UNSAFE\]\n$/);
    expect(r.status).toBe(2);
    expect(snapshotTree(model)).toEqual(before);
    expect(cli(['verify', model, '--key', key.publicPath]).status).toBe(0);
  });

  it('the gate refuses a state folder inside an artifact it admits (state named through a link)', async () => {
    const fx = gateFixture();
    const model = await fx.artifact('model', 'weights');
    const env = (await createRelease([model], { channel: 'dev', version: 1, expires: '7d', key: fx.keys.k1 })).envelope;
    const file = path.join(fx.root, 'release.json');
    fs.writeFileSync(file, serializeReleaseEnvelope(env));
    const link = path.join(fx.root, 'state-link');
    fs.symlinkSync(model, link);
    const before = snapshotTree(model);
    const err = await refusal(new Gate(fx.policyFile, path.join(link, 'state'), { channel: 'dev', init: true }).check(file, [model]));
    expect(err.code).toBe('OUTPUT_UNSAFE');
    expect(snapshotTree(model)).toEqual(before);
    const ok = await new Gate(fx.policyFile, fx.stateDir, { channel: 'dev', init: true }).check(file, [model]);
    expect(ok.channel).toBe('dev');
  });

  it('release create refuses a record inside an artifact it names (named through a link), before signing', () => {
    const { root, key, model, before } = signedModelWithLink();
    const r = cli(['release', 'create', model, '--channel', 'prod', '--version', '1', '--expires', '7d', '--key', key.privatePath, '--out', path.join(root, 'link', 'release.json')], { cwd: root });
    expect(r.stderr).toMatch(/the release record would be written inside the artifact .*\[OUTPUT_UNSAFE\]\n$/);
    expect(r.status).toBe(2);
    expect(snapshotTree(model)).toEqual(before);
    expect(cli(['release', 'create', model, '--channel', 'prod', '--version', '1', '--expires', '7d', '--key', key.privatePath, '--out', path.join(root, 'release.json')], { cwd: root }).status).toBe(0);
  });
});
