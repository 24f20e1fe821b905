"""Which globals CPython's unpickler really imports from each input (nothing is executed).

Usage: python find_class_oracle.py CASES.json  ->  prints a JSON list, one entry per case:
the (module, name) pairs find_class was asked for, with what Python 3's fix_imports maps
each to below protocol 3 (the C unpickler does not expose the protocol), while pickle.Unpickler (the C one) read the input pickle after pickle until it failed or the
data ended. find_class returns an inert stub, so no input can run anything.
"""
import _compat_pickle, io, json, pickle, sys


class Stub:
    def __init__(self, *a, **k): pass
    def __call__(self, *a, **k): return Stub()
    def __setstate__(self, state): pass
    def __getattr__(self, name): return Stub()
    def __setitem__(self, k, v): pass
    def append(self, v): pass
    def extend(self, v): pass
    def add(self, v): pass


class Oracle(pickle.Unpickler):
    def __init__(self, f, seen):
        super().__init__(f)
        self.seen = seen

    def find_class(self, module, name):
        m, n = module, name
        if (m, n) in _compat_pickle.NAME_MAPPING:
            m, n = _compat_pickle.NAME_MAPPING[(m, n)]
        elif m in _compat_pickle.IMPORT_MAPPING:
            m = _compat_pickle.IMPORT_MAPPING[m]
        self.seen.append([module, name, m, n])
        return Stub

    def persistent_load(self, pid):
        return Stub()


out = []
for hexcase in json.load(open(sys.argv[1])):
    data = bytes.fromhex(hexcase)
    seen = []
    f = io.BytesIO(data)
    try:
        while f.tell() < len(data):
            Oracle(f, seen).load()
    except BaseException:
        pass
    out.append(seen)
print(json.dumps(out))
