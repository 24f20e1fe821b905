# jq and openssl: the test adapters of the exec: external-signer protocol
# (test/fixtures/exec-signer/*.sh), shaped like the KMS adapters in docs/keys.md.
command -v jq >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 || apt_install jq openssl
