#!/usr/bin/env bash
# setup.sh — install what smtplab needs on Debian 12, then configure and build.
#
# Every dependency is a Debian package (nothing is vendored; see docs/architecture.md).
# Safe to run again: apt-get skips what is present, CMake rebuilds only what changed.
#
# Usage: scripts/setup.sh [--tests] [--no-build] [--preset NAME]
set -euo pipefail

# What building and running smtplab needs.
PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libimgui-dev libglfw3-dev libgl-dev libstb-dev    # visualizer (Dear ImGui 1.86, GLFW, OpenGL, stb)
  libasio-dev libmbedtls-dev                        # real TCP, TLS
  libmimalloc-dev                                   # the programs' malloc (simulator speed, flat memory)
  nettle-dev libgmp-dev                             # DKIM verify: SHA-NI SHA-256, GMP RSA (issue 5's speed)
  catch2 libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libyaml-cpp-dev publicsuffix                      # SPF conformance suites (YAML), DMARC's PSL
  fonts-dejavu-core                                 # the projector font
)
# What only the test suite needs (--tests): independent implementations the tests compare
# with, and real clients and servers. Postfix is installed unconfigured ("No
# configuration": no /etc/postfix/main.cf, no mail system running); tests and bench/
# start private throw-away instances.
TEST_PACKAGES=(
  python3 python3-spf python3-dkim                  # independent oracles the tests compare with
  curl swaks libnet-ssleay-perl python3-aiosmtpd    # real clients and servers for `smtplab serve/send` tests
  neomutt                                           # a real Maildir reader for the retrieval test
  postfix                                           # a real smtpd for `smtplab send`, smtp-source for bench/
  xvfb xauth libgl1-mesa-dri                        # headless rendering for the visualizer tests
)

preset=default
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --tests) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
    --preset) preset=$2; shift ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  # Postfix asks how to configure the system's mail; "No configuration" leaves /etc/postfix
  # without main.cf and no mail system running: tests and bench/ start private instances.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$build" -eq 1 ]; then
  cd "$(dirname "$0")/.."
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
fi
