# SoftHSM2 (a real PKCS#11 token, Debian's softhsm2) and OpenSC's pkcs11-tool (an
# independent PKCS#11 client) for the token tests in test/keys-pkcs11.test.ts. The tests
# make and initialise their own token in a temporary folder (SOFTHSM2_CONF); nothing here
# touches /var/lib/softhsm.
command -v softhsm2-util >/dev/null 2>&1 && command -v pkcs11-tool >/dev/null 2>&1 || apt_install softhsm2 opensc
# pkcs11js (an optional dependency) builds from source during `npm install` with node-gyp:
# it needs python3, make, g++ and Node's own headers (no header download on a closed network).
command -v g++ >/dev/null 2>&1 && command -v make >/dev/null 2>&1 || apt_install g++ make
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
export MODELSEAL_SOFTHSM2_MODULE="${MODELSEAL_SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"
