# b3sum: the BLAKE3 team's reference command-line tool (Debian package), an independent BLAKE3 peer.
if ! command -v b3sum >/dev/null 2>&1; then
  apt_install b3sum
fi
