#!/usr/bin/python3
"""An independent OMS key-method verifier (Python + cryptography), written for modelseal's
interop tests. It follows what model_signing's `verify key` checks: the bundle layout, the
DSSE PAE signature with the curve's hash, the statement, the root digest over the listed
resource digests, and the files on disk. Usage: oms_verify_key.py MODEL_DIR SIG PUBKEY.pem
Prints OK and exits 0, or prints the reason and exits 1."""
import base64, hashlib, json, os, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

def fail(msg):
    print(msg)
    sys.exit(1)

def main(model, sig_path, pub_path):
    bundle = json.load(open(sig_path))
    if bundle.get("mediaType") != "application/vnd.dev.sigstore.bundle.v0.3+json":
        fail("media type")
    pem = open(pub_path, "rb").read()
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        fail("not an EC key")
    hint = bundle["verificationMaterial"]["publicKey"]["hint"]
    canonical = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    if hint != hashlib.sha256(canonical).hexdigest():
        fail("hint")
    env = bundle["dsseEnvelope"]
    payload = base64.b64decode(env["payload"])
    ptype = env["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
    alg = {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}[key.curve.key_size]
    if len(env["signatures"]) != 1:
        fail("signatures")
    try:
        key.verify(base64.b64decode(env["signatures"][0]["sig"]), pae, ec.ECDSA(alg))
    except Exception:
        fail("signature")
    st = json.loads(payload)
    if st["_type"] != "https://in-toto.io/Statement/v1" or st["predicateType"] != "https://model_signing/signature/v1.0":
        fail("statement type")
    res = st["predicate"]["resources"]
    root = hashlib.sha256(b"".join(bytes.fromhex(r["digest"]) for r in res)).hexdigest()
    if root != st["subject"][0]["digest"]["sha256"]:
        fail("root digest")
    ser = st["predicate"]["serialization"]
    if ser["method"] != "files" or ser["hash_type"] != "sha256":
        fail("serialization")
    ignores = set(ser.get("ignore_paths", []))
    actual = {}
    for dirpath, dirnames, filenames in os.walk(model):
        for f in filenames:
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, model).replace(os.sep, "/")
            if any(rel == i or rel.startswith(i + "/") for i in ignores):
                continue
            actual[rel] = hashlib.sha256(open(full, "rb").read()).hexdigest()
    expected = {r["name"]: r["digest"] for r in res}
    if actual != expected:
        fail("files differ: %s" % sorted(set(actual.items()) ^ set(expected.items())))
    print("OK")

if __name__ == "__main__":
    main(*sys.argv[1:4])
