#!/usr/bin/python3
"""An independent COSE_Sign1 peer for modelseal's interop tests.

Written for modelseal from RFC 9052 / RFC 9053 / RFC 9597 alone, on Debian's
python3-cbor2 and python3-cryptography (run it with /usr/bin/python3).

  cose_peer.py verify MESSAGE PUBLIC_KEY_PEM
      Verifies a tagged COSE_Sign1 message and prints a JSON report on stdout
      (exit 0), or {"ok": false, "error": ...} (exit 1).
  cose_peer.py sign PRIVATE_KEY_PEM PAYLOAD_FILE OUT --iss ISS --sub SUB
                    [--alg N] [--content-type TYPE]
      Writes a tagged COSE_Sign1 message over the payload file's bytes. --alg and
      --content-type override the header values (to make deliberately wrong messages).
"""
import argparse
import hashlib
import json
import sys

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

ALG_EDDSA, ALG_ES256, ALG_ES384, ALG_ES512 = -8, -7, -35, -36
HASH_FOR_ALG = {ALG_ES256: hashes.SHA256, ALG_ES384: hashes.SHA384, ALG_ES512: hashes.SHA512}
CURVE_ALG = {"secp256r1": ALG_ES256, "secp384r1": ALG_ES384, "secp521r1": ALG_ES512}
CONTENT_TYPE = "application/vnd.in-toto+json"


def key_alg(key):
    if isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return ALG_EDDSA
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        return CURVE_ALG[key.curve.name]
    raise ValueError("unsupported key type")


def key_hint(public_key):
    # modelseal's / model_signing's hint: SHA-256 of the SPKI PEM text.
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(pem).digest()


def field_bytes(key):
    return (key.curve.key_size + 7) // 8


def to_be_signed(protected, payload):
    return cbor2.dumps(["Signature1", protected, b"", payload], canonical=True)


def verify(args):
    data = open(args.message, "rb").read()
    public_key = serialization.load_pem_public_key(open(args.public_key, "rb").read())
    msg = cbor2.loads(data)
    if not isinstance(msg, cbor2.CBORTag) or msg.tag != 18:
        raise ValueError("not a tagged COSE_Sign1 message")
    if not isinstance(msg.value, list) or len(msg.value) != 4:
        raise ValueError("COSE_Sign1 is not an array of four items")
    protected, unprotected, payload, signature = msg.value
    if not isinstance(protected, bytes) or not isinstance(unprotected, dict):
        raise ValueError("bad header types")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise ValueError("bad payload or signature type")
    header = cbor2.loads(protected)
    alg = header.get(1)
    if alg != key_alg(public_key):
        raise ValueError("alg %r does not fit the key" % (alg,))
    for label in header.get(2, []):
        if label not in (1, 3, 4, 15):
            raise ValueError("unknown critical header %r" % (label,))
    tbs = to_be_signed(protected, payload)
    try:
        if alg == ALG_EDDSA:
            public_key.verify(signature, tbs)
        else:
            n = field_bytes(public_key)
            if len(signature) != 2 * n:
                raise ValueError("ECDSA signature is not raw r||s of %d bytes" % (2 * n))
            der = encode_dss_signature(int.from_bytes(signature[:n], "big"), int.from_bytes(signature[n:], "big"))
            public_key.verify(der, tbs, ec.ECDSA(HASH_FOR_ALG[alg]()))
    except InvalidSignature:
        raise ValueError("signature does not verify")
    claims = header.get(15, {})
    canonical = cbor2.dumps(msg, canonical=True) == data and cbor2.dumps(header, canonical=True) == protected
    return {
        "ok": True,
        "alg": alg,
        "content_type": header.get(3),
        "kid": header.get(4, b"").hex(),
        "kid_is_key_hint": header.get(4) == key_hint(public_key),
        "iss": claims.get(1),
        "sub": claims.get(2),
        "header_labels": sorted(header.keys()),
        "unprotected_labels": sorted(unprotected.keys()),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "canonical": canonical,
    }


def sign(args):
    private_key = serialization.load_pem_private_key(open(args.private_key, "rb").read(), password=None)
    payload = open(args.payload, "rb").read()
    alg = args.alg if args.alg is not None else key_alg(private_key)
    header = {
        1: alg,
        3: args.content_type,
        4: key_hint(private_key.public_key()),
        15: {1: args.iss, 2: args.sub},
    }
    protected = cbor2.dumps(header, canonical=True)
    tbs = to_be_signed(protected, payload)
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        signature = private_key.sign(tbs)
    else:
        r, s = decode_dss_signature(private_key.sign(tbs, ec.ECDSA(HASH_FOR_ALG[alg]())))
        n = field_bytes(private_key)
        signature = r.to_bytes(n, "big") + s.to_bytes(n, "big")
    message = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]), canonical=True)
    with open(args.out, "wb") as f:
        f.write(message)
    return {"ok": True, "alg": alg, "bytes": len(message)}


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify")
    v.add_argument("message")
    v.add_argument("public_key")
    s = sub.add_parser("sign")
    s.add_argument("private_key")
    s.add_argument("payload")
    s.add_argument("out")
    s.add_argument("--iss", required=True)
    s.add_argument("--sub", required=True)
    s.add_argument("--alg", type=int)
    s.add_argument("--content-type", default=CONTENT_TYPE)
    args = parser.parse_args()
    try:
        report = verify(args) if args.command == "verify" else sign(args)
    except Exception as err:  # every failure is a clean refusal for the test to read
        print(json.dumps({"ok": False, "error": str(err)}))
        return 1
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
