#!/usr/bin/env bash
# A QEMU with the `raspi4b` machine (QEMU >= 9) for the pi4emu tests.
# Debian 12's own QEMU is 7.2 (no raspi4b); Debian's bookworm-backports archive has QEMU 10.
# The suite is added the way Debian documents it (a deb822 .sources entry, component main);
# only packages asked for with `-t bookworm-backports` come from it, so nothing else on the
# machine changes. Other distributions: their own QEMU is used when it has the machine.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# qemu-user stays Debian 12's 7.2: the backports' qemu-user (>= 9.1) is built statically,
# without TCG plugin support, and tools/bench's kernel benchmark counts instructions with a
# plugin. apt's -t below can pull it in with the system emulator; put it back.
keep_plugin_qemu_user() {
  dpkg-query -W -f='${Version}' qemu-user 2>/dev/null | grep -q '~bpo12' || return 0
  echo "setup: qemu-user back to Debian 12's version (TCG plugins for tools/bench)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    --allow-downgrades qemu-user/bookworm
}

has_raspi4b() {
  command -v qemu-system-aarch64 >/dev/null 2>&1 &&
    qemu-system-aarch64 -M help 2>/dev/null | grep -q '^raspi4b'
}
if has_raspi4b; then
  echo "setup: QEMU with raspi4b present ($(qemu-system-aarch64 --version | head -1))"
  keep_plugin_qemu_user
  exit 0
fi

. /etc/os-release 2>/dev/null || true
if [ "${ID:-}" != debian ] || [ "${VERSION_CODENAME:-}" != bookworm ]; then
  echo "setup: this QEMU has no raspi4b machine; the pi4emu tests will skip." \
       "Install QEMU >= 9 from your distribution to run them."
  exit 0
fi

src=/etc/apt/sources.list.d/debian-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "setup: adding Debian's bookworm-backports suite ($src) for QEMU 10"
  $SUDO tee "$src" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports \
  qemu-system-arm qemu-system-common qemu-system-data qemu-utils
keep_plugin_qemu_user
if has_raspi4b; then
  echo "setup: $(qemu-system-aarch64 --version | head -1) with raspi4b"
else
  echo "setup: could not get a QEMU with raspi4b; the pi4emu tests will skip"
fi
