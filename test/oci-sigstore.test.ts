import * as fs from 'node:fs';
import * as path from 'node:path';
import { pullOci } from '../src/oci/pull-oci';
import { signOci } from '../src/oci/sign-oci';
import { verifyOci } from '../src/oci/verify-oci';
import { verifyArtifact } from '../src/verify/verify-artifact';
import { RegistryClient } from '../src/oci/registry-client';
import { describeWithPeers } from './helpers/peers';
import { FILES, pushModel, REGISTRY_PEERS, RegistryProxy, startRegistry, type Registry } from './helpers/registry';
import { fakeIdentityToken, offlineOnly, startMockSigstore, type MockSigstore } from './helpers/sigstore-mock';
import { tmpDir } from './helpers/tmp';

jest.setTimeout(120_000);
const IDENTITY = 'https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

describeWithPeers(REGISTRY_PEERS, 'OCI registry: keyless (Sigstore) signing from the manifest', () => {
  offlineOnly();
  let registry: Registry;
  let proxy: RegistryProxy;
  let mock: MockSigstore;
  let ref: string;
  const trust = () => [{ kind: 'sigstore' as const, identity: IDENTITY, issuer: ISSUER, trustedRoot: mock.trustedRootFile }];

  beforeAll(async () => {
    mock = await startMockSigstore(tmpDir('modelseal-oci-sigstore-'));
    registry = await startRegistry();
    proxy = new RegistryProxy(registry.direct);
    const host = await proxy.start();
    await pushModel(new RegistryClient({ registry: host, repository: 'models/tiny' }, { plainHttp: true }), 'v1', FILES);
    ref = `oci://${host}/models/tiny:v1`;
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  it('signs keyless, verifies the identity from the registry and on the pulled folder', async () => {
    const signed = await signOci(ref, {
      plainHttp: true,
      sigstore: { identityToken: fakeIdentityToken({ sub: IDENTITY, iss: ISSUER }), fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL, tsaURL: mock.tsaURL },
    });
    expect(signed.method).toBe('sigstore');
    expect(signed.identity).toBe(IDENTITY);
    expect(proxy.blobGets()).toHaveLength(0);
    const v = await verifyOci(ref, { plainHttp: true, signers: trust() });
    expect(v.signer.identity).toBe(IDENTITY);
    await expect(verifyOci(ref, { plainHttp: true, signers: [{ ...trust()[0], identity: 'someone@example.com' }] })).rejects.toMatchObject({ code: 'IDENTITY_MISMATCH' });
    const dir = path.join(tmpDir('modelseal-oci-pull-'), 'tiny');
    await pullOci(ref, dir, { plainHttp: true, signers: trust() });
    expect(fs.existsSync(path.join(dir, 'model.sig'))).toBe(true);
    const onDisk = await verifyArtifact(dir, { signers: trust() });
    expect(onDisk.rootDigest).toBe(signed.rootDigest);
  });
});
