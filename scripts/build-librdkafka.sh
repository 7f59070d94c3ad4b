#!/usr/bin/env bash
# Builds the librdkafka hookbridge links: 2.8.0 from Debian 13 (trixie)'s
# source package, on this Debian 12 machine, into its own prefix
# (/opt/hookbridge/librdkafka-2.8.0; HOOKBRIDGE_RDKAFKA_PREFIX overrides it).
# Debian 12's own librdkafka (2.0.2) can raise a fatal "sequence
# desynchronization" error with enable.idempotence=true (upstream issue 4438,
# fixed in 2.3.0), and hookbridge produces idempotently.
#
# Called by scripts/install-deps.sh (so by scripts/run.sh, scripts/test.sh and
# CI) and by deploy/Dockerfile's build stage. A second run is a no-op: the
# prefix holds a stamp naming the source and the configure flags, and is
# rebuilt only when those change. CMakeLists.txt reads librdkafka_version
# below to find the prefix, and links with a run path to it (no
# LD_LIBRARY_PATH).
#
# What verifies the source, each step failing closed (set -e):
#  1. apt: trixie's InRelease must be signed by a key of
#     debian-archive-keyring (Signed-By below; Debian 12's keyring carries the
#     trixie keys), and apt-get source checks every downloaded file against
#     the SHA-256 of that signed Sources index.
#  2. dpkg-source --require-valid-signature: the .dsc must carry a good
#     OpenPGP signature by a Debian uploader (debian-keyring; 2.8.0-1 is signed
#     by Faidon Liambotis's key A9592C521CB904077D6598009D0B5E5B1EEC8F0E), and
#     --require-strong-checksums: the tarballs must match the .dsc's SHA-256.
#  3. The .dsc's SHA-256 is pinned here too, so the same bytes are built on
#     every machine, whatever the archive serves later.
# No trixie binary package can be installed: the entry is deb-src only, and
# /etc/apt/preferences.d/hookbridge-trixie pins trixie to -1 anyway.
set -euo pipefail

librdkafka_version=2.8.0
debian_version=2.8.0-1
dsc_sha256=0e9f099090072fe33da42303e1878f7f4713f91b94aa6523a9d630fe67eb2b51
prefix=${HOOKBRIDGE_RDKAFKA_PREFIX:-/opt/hookbridge/librdkafka-${librdkafka_version}}
# Only the C library. SSL (security.protocol=SSL, SASL_SSL), SASL PLAIN and
# SCRAM and OAUTHBEARER (built in, no Cyrus SASL), gzip and zstd; lz4 from
# librdkafka's own copy (1.9.4, Debian 12's version), so no liblz4-dev.
# Left out: GSSAPI/Kerberos (Cyrus SASL; not used by hookbridge's supported
# settings) and libcurl (OAUTHBEARER's OIDC method; Debian 12's 2.0.2 had
# neither curl). Explicit --enable flags make configure fail rather than
# silently build without a feature when a -dev package is missing.
configure_flags=(--enable-ssl --enable-zlib --enable-zstd --disable-lz4-ext
                 --disable-gssapi --disable-curl --enable-c11threads)
# The packages this build needs beyond install-deps.sh's toolchain:
# dpkg-dev unpacks and verifies (dpkg-source), debian-keyring holds the
# uploaders' keys, make runs librdkafka's build.
build_packages=(dpkg-dev debian-keyring make libssl-dev zlib1g-dev libzstd-dev)

stamp_text="librdkafka ${debian_version} dsc ${dsc_sha256} ${configure_flags[*]}"
stamp=${prefix}/.hookbridge-build
if [[ -f $stamp && $(cat "$stamp") == "$stamp_text" ]]; then
  exit 0
fi

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
apt_get=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)

# --- the packages and the source entry ---------------------------------------
missing=()
for package in "${build_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$package")
done
sources=/etc/apt/sources.list.d/hookbridge-trixie-src.sources
pin=/etc/apt/preferences.d/hookbridge-trixie
if [[ ! -f $sources ]]; then
  echo "build-librdkafka: adding $sources (deb-src only)" >&2
  printf '%s\n' "# hookbridge: librdkafka's source (scripts/build-librdkafka.sh)." \
    "Types: deb-src" "URIs: http://deb.debian.org/debian" "Suites: trixie" \
    "Components: main" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" |
    $sudo tee "$sources" >/dev/null
fi
if [[ ! -f $pin ]]; then
  printf '%s\n' "# hookbridge: never install a trixie binary package (scripts/build-librdkafka.sh)." \
    "Package: *" "Pin: release n=trixie" "Pin-Priority: -1" | $sudo tee "$pin" >/dev/null
fi
if [[ ${#missing[@]} -gt 0 ]] ||
   ! apt-cache showsrc librdkafka 2>/dev/null | grep -qx "Version: ${debian_version}"; then
  "${apt_get[@]}" update -qq
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "build-librdkafka: installing ${missing[*]}" >&2
  "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- fetch, verify, build, install --------------------------------------------
# One build of this version at a time (CI and a developer's run.sh may overlap).
exec 9>>"${TMPDIR:-/tmp}/hookbridge-librdkafka-${librdkafka_version}.lock"
flock 9
if [[ -f $stamp && $(cat "$stamp") == "$stamp_text" ]]; then
  exit 0  # another run finished it while we waited
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hookbridge-librdkafka.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
started=$SECONDS
echo "build-librdkafka: building librdkafka ${debian_version} into ${prefix}" >&2
# apt's own download sandbox user cannot write a mktemp directory: say so
# rather than warn (the download is checked the same way).
apt-get source -qq --download-only -o APT::Sandbox::User=root "librdkafka=${debian_version}" >/dev/null
dsc=librdkafka_${debian_version}.dsc
echo "${dsc_sha256}  ${dsc}" | sha256sum --check --quiet -
dpkg-source --require-valid-signature --require-strong-checksums -x "$dsc" source >/dev/null
cd source
# (Logs outside the tree: mklove would load a ./configure.* file as a module.)
./configure --prefix="$prefix" "${configure_flags[@]}" >../configure.out 2>&1 ||
  { tail -40 ../configure.out >&2; exit 1; }
make -C src -j"$(nproc)" lib >../make.out 2>&1 || { tail -40 ../make.out >&2; exit 1; }
# Installed into a staging copy, moved into place, and stamped last: an
# interrupted run never leaves a prefix that looks complete.
make -C src install DESTDIR="$work/stage" >>../make.out 2>&1 || { tail -40 ../make.out >&2; exit 1; }
$sudo rm -rf "$prefix"
$sudo mkdir -p "$(dirname "$prefix")"
$sudo mv "$work/stage${prefix}" "$prefix"
echo "$stamp_text" | $sudo tee "$stamp" >/dev/null
echo "build-librdkafka: librdkafka ${debian_version} built and installed in $((SECONDS - started)) s" >&2
