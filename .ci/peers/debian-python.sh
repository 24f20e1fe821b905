# Debian's Python with cryptography and cbor2: independent DSSE/ECDSA and COSE peers.
if ! /usr/bin/python3 -c 'import cryptography, cbor2' 2>/dev/null; then
  apt_install python3-cryptography python3-cbor2
fi
