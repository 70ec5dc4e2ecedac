#!/bin/bash
# Builds .gpu-kit/ (git-ignored): everything `bench/gpu.bench.ts` needs on an x86-64 Linux machine that has a
# GPU driver but no Node, no npm registry and no Vulkan loader (a lent device machine, see bench/GPU.md):
#   gpu.bench.mjs    the benchmark bundled with esbuild (only `webgpu` stays external)
#   node_modules/    the `webgpu` package with its linux-x64 Dawn binary (xz-compressed)
#   node.xz          this machine's Node binary
#   debs/            libvulkan1 (the Vulkan loader) from this machine's apt sources
#   run.sh           unpacks all that under /tmp and runs the benchmark; arguments go to the benchmark
# Usage: bash scripts/gpu-kit.sh   (then: bash .gpu-kit/run.sh [--quick])
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kit="$root/.gpu-kit"
rm -rf "$kit"
mkdir -p "$kit/node_modules/webgpu/dist/linux-x64" "$kit/debs"
cd "$root"

node_modules/.bin/esbuild bench/gpu.bench.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --outfile="$kit/gpu.bench.mjs" --log-level=warning \
  --banner:js="import { createRequire as kitRequire } from 'node:module'; const require = kitRequire(import.meta.url);"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$kit/node_modules/webgpu/"
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$kit/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$kit/node.xz"
(cd "$kit/debs" && apt-get download libvulkan1 >/dev/null)

cat > "$kit/run.sh" <<'EOF'
#!/bin/bash
# Runs the GPU checks from this kit; results go to $MANGO_BENCH_RESULTS (default: $OUT, else ./gpu-results).
set -euo pipefail
kit=$(cd "$(dirname "$0")" && pwd)
work=/tmp/mango-gpu-kit
mkdir -p "$work"
[ -x "$work/node" ] || xz -dc "$kit/node.xz" > "$work/node" && chmod +x "$work/node"
cp -r "$kit/gpu.bench.mjs" "$kit/node_modules" "$work/"
xz -d -f "$work/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  for f in "$kit"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ] && export VK_DRIVER_FILES="$nvidia_icd"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
export MANGO_BENCH_RESULTS=${MANGO_BENCH_RESULTS:-${OUT:-$PWD/gpu-results}}
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv || true
"$work/node" "$work/gpu.bench.mjs" "$@"
EOF
chmod +x "$kit/run.sh"
du -sh "$kit"
