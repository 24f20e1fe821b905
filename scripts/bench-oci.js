// Times sign / verify / pull of a one-layer model of $MB MiB (default 256) against a local docker-registry.
// Needs Debian docker-registry and a build (npm run build). Usage: MB=256 node scripts/bench-oci.js
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs'); const crypto = require('node:crypto');
const W = require('node:path').resolve(__dirname, '..');
const { RegistryClient } = require(W + '/dist/oci/registry-client');
(async () => {
  const dir = fs.mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'modelseal-oci-bench-')); const port = 20000 + Math.floor(Math.random() * 20000);
  fs.writeFileSync(dir + '/c.yml', `version: 0.1\nlog: { level: error }\nstorage: { filesystem: { rootdirectory: ${dir}/data } }\nhttp: { addr: 127.0.0.1:${port} }\n`);
  const reg = spawn('docker-registry', ['serve', dir + '/c.yml'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1500));
  const host = `127.0.0.1:${port}`;
  const c = new RegistryClient({ registry: host, repository: 'm/big' }, { plainHttp: true });
  const big = crypto.randomBytes(Number(process.env.MB || 256) * 1024 * 1024);
  const d = await c.putBlob(big); const cfg = await c.putBlob(Buffer.from('{}'));
  const man = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.cncf.model.config.v1+json', digest: cfg, size: 2 }, layers: [{ mediaType: 'application/vnd.cncf.model.weight.v1.raw', digest: d, size: big.length, annotations: { 'org.opencontainers.image.title': 'model.safetensors' } }] }));
  await c.putManifest(man, 'v1', 'application/vnd.oci.image.manifest.v1+json');
  execFileSync('node', [W + '/bin/run.js', 'keygen', '-o', dir + '/k', '-t', 'ecdsa-p256'], { stdio: 'ignore' });
  const t = (args) => { const t0 = Date.now(); execFileSync('node', [W + '/bin/run.js', ...args, '--plain-http', '--json'], { stdio: 'ignore' }); return Date.now() - t0; };
  console.log('sign ms', t(['sign', `oci://${host}/m/big:v1`, '--key', dir + '/k.key']));
  console.log('verify ms', t(['verify', `oci://${host}/m/big:v1`, '--key', dir + '/k.pub']));
  console.log('pull ms', t(['pull', `oci://${host}/m/big:v1`, dir + '/out', '--key', dir + '/k.pub']), 'bytes', big.length);
  reg.kill(); fs.rmSync(dir, { recursive: true, force: true });
})();
