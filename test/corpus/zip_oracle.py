"""What Python's zipfile sees in each input zip: the entry names and the bytes of each entry,
or null when zipfile refuses the archive. Usage: python zip_oracle.py CASES.json."""
import io, json, sys, zipfile

out = []
for hexcase in json.load(open(sys.argv[1])):
    try:
        z = zipfile.ZipFile(io.BytesIO(bytes.fromhex(hexcase)))
        entries = {}
        for info in z.infolist():
            try:
                entries[info.filename] = z.read(info).hex()
            except Exception:
                entries[info.filename] = None
        out.append(entries)
    except Exception:
        out.append(None)
print(json.dumps(out))
