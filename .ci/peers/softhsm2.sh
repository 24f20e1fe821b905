# SoftHSM2 (a real PKCS#11 token, Debian's softhsm2) and OpenSC's pkcs11-tool (an
# independent PKCS#11 client) for the token tests in test/keys-pkcs11.test.ts. The tests
# make and initialise their own token in a temporary folder (SOFTHSM2_CONF); nothing here
# touches /var/lib/softhsm. pkcs11js (optional dependency) builds from source with node-gyp.
command -v softhsm2-util >/dev/null 2>&1 && command -v pkcs11-tool >/dev/null 2>&1 || apt_install softhsm2 opensc
export MODELSEAL_SOFTHSM2_MODULE="${MODELSEAL_SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"
