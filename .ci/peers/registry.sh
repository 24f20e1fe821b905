# Debian's docker-registry (the CNCF distribution server) and skopeo (an independent OCI
# client) for test/oci-registry.test.ts; the tests start and stop the registry themselves
# on a free loopback port with a temporary storage folder.
if ! command -v docker-registry >/dev/null 2>&1 || ! command -v skopeo >/dev/null 2>&1; then
  apt_install docker-registry skopeo
fi
# The Debian package may start a system registry on :5000; the tests never use it.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
