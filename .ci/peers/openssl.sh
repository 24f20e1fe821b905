# openssl: the test PKI (test/helpers/pki.ts) and the openssl-made keys of test/keys.test.ts.
if ! command -v openssl >/dev/null 2>&1; then
  apt_install openssl
fi
