#!/usr/bin/env bash
# The native engine on a CUDA machine: build it against that machine's PyTorch (torch/include,
# torch/lib: a CUDA libtorch) and run bench/cuda-check.ts (CUDA seen, GPU/CPU parity, training
# images/s against Python PyTorch on the same GPU). Made for a lent GPU machine that has a C++
# compiler and PyTorch but no node_modules; prepare the payload here first:
#
#   bash scripts/cuda-check.sh prepare      # here: bundles the check, copies node-addon-api's headers
#                                           # and this machine's node into .device/ (git-ignored)
#   bash scripts/cuda-check.sh run          # there (carry .device): builds with g++, runs the check
#
# On a user's machine with node_modules, `FRONTIER_LIBTORCH=<site-packages>/torch npm run build:native`
# builds the same addon through node-gyp, and `node --import tsx bench/cuda-check.ts` runs the check.
set -euo pipefail
cd "$(dirname "$0")/.."
D=.device
case "${1:-}" in
  prepare)
    mkdir -p "$D/node-addon-api" "$D/node"
    grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >> .git/info/exclude
    npx esbuild bench/cuda-check.ts --bundle --platform=node --format=esm --target=node20 \
      --banner:js="import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" --outfile="$D/cuda-check.mjs" --log-level=warning
    cp node_modules/node-addon-api/*.h "$D/node-addon-api/"
    cp bench/train_throughput_torch.py "$D/"
    node_root=$(dirname "$(dirname "$(command -v node)")")
    cp "$(command -v node)" "$D/node/node"
    mkdir -p "$D/node/include"
    cp "$node_root"/include/node/{node_api.h,node_api_types.h,js_native_api.h,js_native_api_types.h} "$D/node/include/"
    xz -T0 -f "$D/node/node"
    du -sh "$D"
    ;;
  run)
    command -v g++ >/dev/null || { echo "no C++ compiler (g++) on this machine"; exit 2; }
    [ -f "$D/node/node" ] || xz -dk "$D/node/node.xz"
    TORCH=${FRONTIER_LIBTORCH:-$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')}
    ABI=$(python3 -c 'import torch; print(int(torch.compiled_with_cxx11_abi()))' 2>/dev/null || echo 1)
    libs="-ltorch -ltorch_cpu -lc10"
    defs=""
    if [ -f "$TORCH/lib/libtorch_cuda.so" ]; then libs="$libs -ltorch_cuda -lc10_cuda"; defs="-DFRONTIER_WITH_CUDA=1"; fi
    echo "building against $TORCH (cxx11 abi $ABI) $defs"
    time g++ -shared -fPIC -O3 -std=c++17 -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -D_GLIBCXX_USE_CXX11_ABI="$ABI" $defs \
      -I"$D/node-addon-api" -I"$D/node/include" -I"$TORCH/include" -I"$TORCH/include/torch/csrc/api/include" \
      native/torch/src/*.cpp -o "$D/frontier_torch.node" \
      -L"$TORCH/lib" -Wl,--no-as-needed $libs -Wl,--as-needed -Wl,-rpath,"$TORCH/lib"
    FRONTIER_TORCH_ADDON=$PWD/$D/frontier_torch.node FRONTIER_PYTHON=python3 "$D/node/node" "$D/cuda-check.mjs" "${2:-3}"
    ;;
  *) echo "usage: bash scripts/cuda-check.sh prepare|run"; exit 2 ;;
esac
