import { createHash } from 'node:crypto';
import { ModelsealError } from '../src/errors';
import { layerModel } from '../src/oci/layer-files';
import { OCI_MANIFEST, TITLE_ANNOTATION, FILEPATH_ANNOTATION } from '../src/oci/media-types';
import { parseImageManifest, type Descriptor, type ImageManifest } from '../src/oci/oci-manifest';
import { parseChallenge } from '../src/oci/transport';
import { parseOciReference, isLoopbackHost } from '../src/oci/reference';
import { computeManifest } from '../src/digest/manifest';
import { SIGNATURE_FILE_NAMES } from '../src/sign/signature-path';
import { tmpDir, writeTree } from './helpers/tmp';

const RAW = 'application/vnd.cncf.model.weight.v1.raw';
const digestOf = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const layer = (title: string | undefined, content = title ?? 'x', mediaType = RAW, extra: Record<string, string> = {}): Descriptor => ({
  mediaType,
  digest: digestOf(content),
  size: Buffer.byteLength(content),
  annotations: { ...(title !== undefined ? { [TITLE_ANNOTATION]: title } : {}), ...extra },
});
const image = (layers: Descriptor[]): ImageManifest => ({ mediaType: OCI_MANIFEST, config: layer('cfg'), layers });
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as ModelsealError).code;
  }
  return 'no error';
};

describe('layers → files-method manifest', () => {
  it('names, orders and digests files exactly as signing the folder on disk does', async () => {
    const files: Record<string, string> = { 'b.bin': 'B', 'a-c': 'AC', 'a/b': 'AB', 'é.txt': 'E', 'Z.json': 'Z' };
    const dir = writeTree(tmpDir('modelseal-layers-'), files);
    const disk = await computeManifest(dir, { ignorePaths: [...SIGNATURE_FILE_NAMES] });
    const fromLayers = layerModel(
      image(Object.entries(files).map(([n, c]) => (n.includes('/') ? layer(n.split('/').pop(), c, RAW, { [FILEPATH_ANNOTATION]: n }) : layer(n, c)))),
      'test',
    ).manifest;
    expect(fromLayers.resources).toEqual(disk.resources);
    expect(fromLayers.rootDigest).toBe(disk.rootDigest);
    expect(fromLayers.serialization).toEqual(disk.serialization);
  });

  it.each([
    ['a gzip archive layer', [layer('w', 'w', 'application/vnd.cncf.model.weight.v1.tar+gzip')]],
    ['a tar layer', [layer('w', 'w', 'application/vnd.cncf.model.weight.v1.tar')]],
    ['an image layer', [layer('w', 'w', 'application/vnd.oci.image.layer.v1.tar+gzip')]],
    ['an untitled layer', [layer(undefined, 'w')]],
    ['two layers with one name', [layer('w', 'a'), layer('w', 'b')]],
    ['a path escaping the folder', [layer('../etc/passwd')]],
    ['an absolute path', [layer('/etc/passwd')]],
    ['a backslash path', [layer('a\\b')]],
    ['a name with a newline', [layer('a\nb')]],
    ['a lone surrogate', [layer('a\ud800')]],
    ['a layer named model.sig', [layer('w'), layer('model.sig')]],
    ['a layer under .git', [layer('w'), layer('.git/config')]],
    ['a file that is also a folder', [layer('a'), layer('a/b')]],
    ['title and file path naming different files', [layer('a.bin', 'x', RAW, { [FILEPATH_ANNOTATION]: 'sub/b.bin' })]],
  ])('refuses %s', (_what, layers) => {
    expect(code(() => layerModel(image(layers), 'test'))).toBe('OCI_LAYER_UNSUPPORTED');
  });

  it.each([
    ['names differing only in case', [layer('Model.bin', 'a'), layer('model.bin', 'b')]],
    ['folders differing only in case', [layer('x', 'a', RAW, { [FILEPATH_ANNOTATION]: 'Sub/x' }), layer('y', 'b', RAW, { [FILEPATH_ANNOTATION]: 'sub/y' })]],
    ['NFC and NFD spellings of one name', [layer('caf\u00e9.txt', 'a'), layer('cafe\u0301.txt', 'b')]],
  ])('refuses %s, as the folder walk does (UNSUPPORTED_NAME)', (_what, layers) => {
    expect(code(() => layerModel(image(layers), 'test'))).toBe('UNSUPPORTED_NAME');
  });

  it('refuses an empty model', () => {
    expect(code(() => layerModel(image([]), 'test'))).toBe('EMPTY_ARTIFACT');
  });
});

describe('manifest parsing', () => {
  const ok = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: layer('c'), layers: [layer('w')] };
  it.each([
    ['an index', { ...ok, mediaType: 'application/vnd.oci.image.index.v1+json' }],
    ['a Docker v2 manifest', { ...ok, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' }],
    ['schemaVersion 1', { ...ok, schemaVersion: 1 }],
    ['a sha512 layer digest', { ...ok, layers: [{ ...layer('w'), digest: `sha512:${'0'.repeat(128)}` }] }],
    ['a negative size', { ...ok, layers: [{ ...layer('w'), size: -1 }] }],
    ['a non-string annotation', { ...ok, layers: [{ ...layer('w'), annotations: { [TITLE_ANNOTATION]: 1 } }] }],
  ])('refuses %s', (_what, json) => {
    expect(code(() => parseImageManifest(Buffer.from(JSON.stringify(json)), 'test'))).toBe('OCI_MANIFEST_INVALID');
  });
  it('refuses duplicate keys (two parsers could pick different layers)', () => {
    const text = `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":${JSON.stringify(layer('c'))},"layers":[],"layers":${JSON.stringify([layer('w')])}}`;
    expect(code(() => parseImageManifest(Buffer.from(text), 'test'))).toBe('OCI_MANIFEST_INVALID');
  });
});

describe('references and challenges', () => {
  it('parses references', () => {
    expect(parseOciReference('oci://localhost:5000/models/tiny:v1')).toMatchObject({ registry: 'localhost:5000', repository: 'models/tiny', tag: 'v1' });
    expect(parseOciReference(`oci://r.example/m@sha256:${'a'.repeat(64)}`)).toMatchObject({ digest: `sha256:${'a'.repeat(64)}` });
    expect(parseOciReference('oci://r.example/m').tag).toBe('latest');
  });
  it('knows loopback hosts', () => {
    expect(['localhost:5000', '127.0.0.1', '127.1.2.3:80', '[::1]:5000'].every(isLoopbackHost)).toBe(true);
    expect(['registry.example.com', '10.0.0.1', 'localhost.example.com', '127.0.0.1.nip.io'].some(isLoopbackHost)).toBe(false);
  });
  it('parses bearer challenges', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
  });
});

describe('differential: the registry mapping and the folder walk agree', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fc = require('fast-check') as typeof import('fast-check');
  const segment = fc.stringMatching(/^[a-zA-Z0-9é\u0301_. -]{1,6}$/).filter((s) => s !== '.' && s !== '..' && !s.startsWith(' ') && !s.endsWith(' '));
  const name = fc.array(segment, { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));
  const reserved = (n: string) => ['.git', '.gitattributes', '.github', '.gitignore', 'model.sig', 'model.cose', 'provenance.sig', 'eval.sig'].some((r) => n === r || n.startsWith(`${r}/`));

  it('gives the same manifest, or both refuse', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), async (names) => {
        const files = names.filter((n) => !reserved(n));
        // A name that is a folder of another cannot exist on disk; the mapping refuses it (tested above).
        if (files.length === 0 || files.some((a) => files.some((b) => b.startsWith(`${a}/`)))) return;
        const dir = tmpDir('modelseal-diff-');
        writeTree(dir, Object.fromEntries(files.map((n, i) => [n, `content ${i}`])));
        const disk = await computeManifest(dir, { ignorePaths: [...SIGNATURE_FILE_NAMES], threads: 0 }).then(
          (m) => m,
          (e: ModelsealError) => e.code,
        );
        let mapped: unknown;
        try {
          mapped = layerModel(image(files.map((n, i) => layer(n.split('/').pop(), `content ${i}`, RAW, { [FILEPATH_ANNOTATION]: n }))), 'test').manifest;
        } catch (e) {
          mapped = (e as ModelsealError).code;
        }
        if (typeof disk === 'string') expect(mapped).toBe(disk);
        else expect(mapped).toEqual(disk);
      }),
      { numRuns: 60 },
    );
  });
});
