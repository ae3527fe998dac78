#!/usr/bin/env bash
# The wgpu backend on a real GPU, in one go (meant for a machine with an NVIDIA GPU):
# builds the wgpu backend, runs the backend parity tests, times a one-layer and an
# mlp training run, and writes the figures to a JSON file.
#
#   scripts/gpu-check.sh [OUT.json]        (default: gpu-check.json)
#
# Environment: MNIST_DATA_DIR (a folder with the four MNIST files; the default
# cache folder is filled with pip otherwise), EPOCHS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
out_json="${1:-gpu-check.json}"
epochs="${EPOCHS:-3}"
work="$(mktemp -d)"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$work/xdg}"
mkdir -p "$XDG_RUNTIME_DIR"
export CARGO_TERM_COLOR=never

if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
    echo "error: no Vulkan loader (libvulkan.so.1); install libvulkan1 and the GPU's Vulkan driver" >&2
    exit 1
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true

start=$(date +%s)
cargo build --release -p mnist-train --features wgpu --bin backprop
cargo test --release -p mnist-train --features wgpu --test wgpu --no-run
build_s=$(( $(date +%s) - start ))

# The parity tests must run, not skip, here.
MNIST_REQUIRE_WGPU=1 cargo test --release -p mnist-train --features wgpu --test wgpu -- --test-threads 1 \
    2>&1 | tee "$work/parity.log"
parity=$(grep -E '^test result:' "$work/parity.log" | tail -1)

./target/release/backprop fetch-data
for model in one-layer mlp; do
    ./target/release/backprop train --backend wgpu --model "$model" --epochs "$epochs" \
        --out "$work/$model" | tee "$work/$model.log"
done

python3 - "$work" "$out_json" "$build_s" "$parity" <<'PY'
import json, sys
work, out, build_s, parity = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
runs = {}
for model in ("one-layer", "mlp"):
    s = json.load(open(f"{work}/{model}/summary.json"))
    runs[model] = {k: s[k] for k in ("model", "adapter", "epochs", "epoch_seconds",
                                     "samples_per_second", "test_accuracy", "train_seconds")}
result = {"build_and_test_compile_seconds": build_s, "parity_tests": parity, "runs": runs}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps(result, indent=2))
PY
echo "wrote $out_json in $(( $(date +%s) - start )) s"
