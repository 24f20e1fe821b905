"""Loads every corpus file with the library its manifest names, as a victim would.

Usage: python prove_corpus.py OUT_DIR MARKER_DIR [MANIFEST]
Malicious files must create their marker (the payload ran); benign torch files must load
under torch.load(weights_only=True), other benign files under their own loader. Prints one
JSON object: {"executed": [...], "not_executed": [...], "benign_ok": [...], "benign_failed": [...]}.
"""
import io, json, os, pickle, sys, warnings, zipfile
os.environ.setdefault('KERAS_BACKEND', 'torch')
warnings.filterwarnings('ignore')
OUT, MARK = sys.argv[1], sys.argv[2]
import numpy as np, joblib, torch

manifest = json.load(open(sys.argv[3] if len(sys.argv) > 3 else os.path.join(OUT, 'manifest.json')))
res = {'executed': [], 'not_executed': [], 'benign_ok': [], 'benign_failed': []}
devnull = open(os.devnull, 'w')


def load(m, path, weights_only):
    loader = m['loader']
    if loader == 'pickle':
        with open(path, 'rb') as f:
            # As a loop loader would: read pickles until the data ends.
            while True:
                pickle.load(f)
                if f.peek(1) == b'' if hasattr(f, 'peek') else f.tell() == os.path.getsize(path):
                    break
    elif loader == 'torch':
        torch.load(path, weights_only=weights_only)
    elif loader == 'numpy':
        r = np.load(path, allow_pickle=not weights_only)
        if hasattr(r, 'files'):
            for k in r.files:
                r[k]
    elif loader == 'joblib':
        joblib.load(path)
    elif loader == 'keras':
        import keras
        keras.models.load_model(path, safe_mode=weights_only)
    elif loader == 'zipfile-pickle':
        z = zipfile.ZipFile(path)
        for n in z.namelist():
            if n.endswith('.pkl'):
                pickle.loads(z.read(n))
    else:
        raise ValueError(loader)


for m in manifest:
    path = os.path.join(OUT, m['file'])
    mk = os.path.join(MARK, m['id'])
    if m['kind'] == 'malicious':
        saved = os.dup(1)
        os.dup2(devnull.fileno(), 1)
        try:
            load(m, path, False)
        except BaseException:
            pass
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        import time
        deadline = time.time() + 3  # os.popen / Popen run the command asynchronously
        while not os.path.exists(mk) and time.time() < deadline:
            time.sleep(0.05)
        ran = os.path.exists(mk)
        if ran:
            os.remove(mk)
        res['executed' if ran else 'not_executed'].append(m['file'])
    else:
        try:
            load(m, path, True)
            res['benign_ok'].append(m['file'])
        except BaseException as e:
            res['benign_failed'].append(f"{m['file']}: {type(e).__name__}: {str(e)[:200]}")
print(json.dumps(res))
