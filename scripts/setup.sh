#!/usr/bin/env bash
# Makes a Debian bookworm machine ready for this project: a Vulkan driver Dawn accepts, the
# Fashion-MNIST dataset and the language-model corpus (Jane Austen's six novels, from Debian's
# r-cran-janeaustenr). Idempotent: does nothing (quickly) when everything is already in place.
# With --bench it also installs what the benchmarks compare against: Debian's PyTorch (python3-torch, for
# /usr/bin/python3) on OpenBLAS, with libblas.so.3 pointed at OpenBLAS rather than the reference BLAS.
# With --interop it installs Debian's PyTorch alone, for the PyTorch continuation check (.ci/run).
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }
fail() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

bench=0 interop=0
for arg in "$@"; do
  case "$arg" in
    --bench) bench=1 ;;
    --interop) interop=1 ;;
    *) fail "unknown argument $arg (usage: bash scripts/setup.sh [--bench] [--interop])" ;;
  esac
done

DATASET_DIR=/usr/share/datasets/fashion-mnist
# The text corpus: r-cran-janeaustenr's data files (R's lazy-load database, read by models/data/rdata.ts).
TEXT_DIR=/usr/share/datasets/janeaustenr
TEXT_PACKAGE=r-cran-janeaustenr
TEXT_R_DIR=/usr/lib/R/site-library/janeaustenr/data   # where the package itself puts them, with R installed
MIN_MESA_MAJOR=23
BENCH_PACKAGES="python3-torch libopenblas0-pthread"
BENCH_ARCH="$(uname -m)-linux-gnu"   # Debian's multiarch folder: x86_64-linux-gnu, aarch64-linux-gnu

explain_manual_steps() {
  cat >&2 <<'TXT'
[setup] This script automates Debian bookworm (as root). Elsewhere, install by hand:
  1. A Vulkan driver that Dawn accepts: your GPU's own driver, or Mesa's lavapipe >= 23
     (Debian: mesa-vulkan-drivers from bookworm-backports; Ubuntu >= 24.04: mesa-vulkan-drivers), plus libvulkan1.
  2. Fashion-MNIST in IDX gzip form at /usr/share/datasets/fashion-mnist/ (Debian: dataset-fashion-mnist),
     or pass --data-dir <folder> to the CLI / set MANGO_DATA_DIR.
  3. For language models: the Jane Austen corpus, data/Rdata.rdb and data/Rdata.rdx of Debian's (or CRAN's)
     janeaustenr package, copied to /usr/share/datasets/janeaustenr/; or give your own .txt file or folder.
  Then run: npm ci && npm test
TXT
}

[ -r /etc/os-release ] || { explain_manual_steps; fail "cannot read /etc/os-release: not a Debian machine?"; }
. /etc/os-release
if [ "${ID:-}" != debian ] || [ "${VERSION_CODENAME:-}" != bookworm ]; then
  explain_manual_steps; fail "this is ${PRETTY_NAME:-an unknown OS}, not Debian bookworm"
fi
if [ "$(id -u)" != 0 ]; then
  explain_manual_steps; fail "run as root (apt-get is needed); e.g. sudo bash scripts/setup.sh"
fi

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_update() { [ $apt_updated = 1 ] || { say "apt-get update"; apt-get update -qq; apt_updated=1; }; }

mesa_major() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/' || true; }
has_gpu_vulkan_driver() {
  # A real GPU's ICD (NVIDIA, AMD, Intel) means Dawn will use it; lavapipe is then not needed.
  ls /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ /usr/local/nvidia/share/vulkan/icd.d/ 2>/dev/null \
    | grep -qiE 'nvidia|radeon|intel' 
}

if has_gpu_vulkan_driver && dpkg -s libvulkan1 >/dev/null 2>&1; then
  say "a GPU Vulkan driver and libvulkan1 are present: keeping them"
else
  major=$(mesa_major)
  if [ -n "$major" ] && [ "$major" -ge $MIN_MESA_MAJOR ] && dpkg -s libvulkan1 >/dev/null 2>&1; then
    say "mesa-vulkan-drivers $major.x (lavapipe) and libvulkan1 already installed"
  else
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      say "adding Debian's bookworm-backports suite (/etc/apt/sources.list.d/bookworm-backports.list)"
      echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list
      apt_updated=0
    fi
    apt_update
    say "installing mesa-vulkan-drivers and libvulkan1 from bookworm-backports (lavapipe, a software Vulkan GPU)"
    apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
    major=$(mesa_major)
    [ -n "$major" ] && [ "$major" -ge $MIN_MESA_MAJOR ] || fail "mesa-vulkan-drivers is ${major:-missing} after install; Dawn needs >= $MIN_MESA_MAJOR"
    say "mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) installed"
  fi
fi

if ls "$DATASET_DIR"/train-images-idx3-ubyte.gz >/dev/null 2>&1; then
  say "Fashion-MNIST present in $DATASET_DIR"
else
  apt_update
  say "installing dataset-fashion-mnist (Fashion-MNIST, IDX gzip) into $DATASET_DIR"
  apt-get install -y -qq dataset-fashion-mnist >/dev/null
  ls "$DATASET_DIR"/train-images-idx3-ubyte.gz >/dev/null || fail "dataset-fashion-mnist installed but $DATASET_DIR has no train-images-idx3-ubyte.gz"
fi

if [ -s "$TEXT_DIR/Rdata.rdb" ] && [ -s "$TEXT_DIR/Rdata.rdx" ]; then
  say "Jane Austen corpus present in $TEXT_DIR"
elif [ -s "$TEXT_R_DIR/Rdata.rdb" ] && [ -s "$TEXT_R_DIR/Rdata.rdx" ]; then
  say "Jane Austen corpus present in $TEXT_R_DIR ($TEXT_PACKAGE installed with R)"
else
  # The package's data files only: installing the package itself would pull in R (r-base-core and its
  # libraries, 100+ MB on a bare machine) that nothing here runs. apt-get download checks the .deb against
  # the signed archive index, as an install does.
  apt_update
  say "unpacking $TEXT_PACKAGE's data (Jane Austen's six novels, public domain) into $TEXT_DIR"
  work=$(mktemp -d)
  (cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "$TEXT_PACKAGE")
  dpkg-deb -x "$work"/"$TEXT_PACKAGE"_*.deb "$work/root"
  mkdir -p "$TEXT_DIR"
  cp "$work/root$TEXT_R_DIR/Rdata.rdb" "$work/root$TEXT_R_DIR/Rdata.rdx" "$TEXT_DIR/"
  cp "$work/root/usr/share/doc/$TEXT_PACKAGE/copyright" "$TEXT_DIR/copyright"
  cp "$work/root/usr/lib/R/site-library/janeaustenr/DESCRIPTION" "$TEXT_DIR/DESCRIPTION"
  dpkg-deb -f "$work"/"$TEXT_PACKAGE"_*.deb Package Version > "$TEXT_DIR/SOURCE"
  rm -rf "$work"
  [ -s "$TEXT_DIR/Rdata.rdb" ] || fail "$TEXT_PACKAGE unpacked but $TEXT_DIR has no Rdata.rdb"
fi

if [ $interop = 1 ] && [ $bench = 0 ]; then
  if dpkg -s python3-torch >/dev/null 2>&1; then
    say "interop: python3-torch already installed"
  else
    apt_update
    say "interop: installing python3-torch (PyTorch for /usr/bin/python3: the DDP continuation check)"
    apt-get install -y -qq python3-torch >/dev/null
  fi
fi

if [ $bench = 1 ]; then
  missing=""
  for pkg in $BENCH_PACKAGES; do dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"; done
  if [ -z "$missing" ]; then
    say "bench: $BENCH_PACKAGES already installed"
  else
    apt_update
    say "bench: installing$missing (PyTorch for /usr/bin/python3, and OpenBLAS so it does not run on the reference BLAS)"
    apt-get install -y -qq $missing >/dev/null
  fi
  # python3-torch links libblas.so.3 / liblapack.so.3, which Debian resolves through alternatives: make sure
  # they name OpenBLAS (a machine set to the reference BLAS runs PyTorch's GEMMs 50-100x slower).
  for lib in libblas.so.3 liblapack.so.3; do
    name="$lib-$BENCH_ARCH" openblas="/usr/lib/$BENCH_ARCH/openblas-pthread/$lib"
    current=$(update-alternatives --query "$name" 2>/dev/null | sed -n 's/^Value: //p' || true)
    [ -e "$openblas" ] || fail "bench: $openblas is missing after installing libopenblas0-pthread"
    if [ "$current" = "$openblas" ]; then
      say "bench: $lib resolves to OpenBLAS ($openblas)"
    else
      say "bench: pointing $lib at OpenBLAS: update-alternatives --set $name $openblas (was ${current:-unset})"
      update-alternatives --quiet --set "$name" "$openblas"
    fi
  done
fi
say "done"
