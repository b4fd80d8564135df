#!/usr/bin/env bash
# Fetch the pinned upstream data files that tests read from ../shared/ (CRDs and samples), for
# machines outside the development workplace, where ../shared/ is not laid out for you.
# Every file comes from a tagged upstream release; versions match the "# Source:" header of each
# file in ../shared/. Usage: scripts/fetch-upstream.sh [TARGET_DIR]   (default: ../shared)
# Needs curl and network access to GitHub. Nothing fetched is committed to this repository.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-$root/../shared}"
mkdir -p "$target/crds" "$target/fixtures"
raw() { echo "https://raw.githubusercontent.com/$1/$2/$3"; }   # raw <org/repo> <tag> <path>

get() { # get <url> <destination>
  echo "fetch-upstream: $2" >&2
  curl -fsSL --retry 3 -o "$2.tmp" "$1" && mv "$2.tmp" "$2"
}

EG=v1.9.0; GWAPI=v1.6.1; GIE=v1.6.0; GIE_X=v1.4.0; GIE_OBJ=v1.5.0; GIE_OLD=v0.5.1; LLMD=v0.10.0; KSERVE=v0.20.0; AIGW=v1.1.0

c="$target/crds"
get "$(raw envoyproxy/gateway $EG charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_envoyextensionpolicies.yaml)" "$c/gateway.envoyproxy.io_EnvoyExtensionPolicy.yaml"
get "$(raw envoyproxy/gateway $EG charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_envoyproxies.yaml)" "$c/gateway.envoyproxy.io_EnvoyProxy.yaml"
get "https://github.com/kubernetes-sigs/gateway-api/releases/download/$GWAPI/standard-install.yaml" "$c/gateway.networking.k8s.io_standard-install.yaml"
get "$(raw kubernetes-sigs/gateway-api-inference-extension $GIE config/crd/bases/inference.networking.k8s.io_inferencepools.yaml)" "$c/inference.networking.k8s.io_InferencePool.yaml"
get "$(raw kubernetes-sigs/gateway-api-inference-extension $GIE_OLD config/crd/bases/inference.networking.x-k8s.io_inferencemodels.yaml)" "$c/inference.networking.x-k8s.io_InferenceModel.yaml"
get "$(raw kubernetes-sigs/gateway-api-inference-extension $GIE_OBJ config/crd/bases/inference.networking.x-k8s.io_inferenceobjectives.yaml)" "$c/inference.networking.x-k8s.io_InferenceObjective.yaml"
get "$(raw kubernetes-sigs/gateway-api-inference-extension $GIE_X config/crd/bases/inference.networking.x-k8s.io_inferencepools.yaml)" "$c/inference.networking.x-k8s.io_InferencePool.yaml"
get "$(raw llm-d/llm-d-router $LLMD config/crd/bases/llm-d.ai_inferenceobjectives.yaml)" "$c/llm-d.ai_InferenceObjective.yaml"
get "$(raw kserve/kserve $KSERVE config/crd/full/serving.kserve.io_inferenceservices.yaml)" "$c/serving.kserve.io_InferenceService.yaml"

f="$target/fixtures"
get "$(raw envoyproxy/gateway $EG test/helm/gateway-helm/default-config.out.yaml)" "$f/envoy-gateway-config.default.all.yaml"
# Keep only the ConfigMap document (the golden file renders the whole chart).
awk 'BEGIN{RS="\n---\n"} /name: envoy-gateway-config/ {print; exit}' "$f/envoy-gateway-config.default.all.yaml" > "$f/envoy-gateway-config.default.yaml"
rm -f "$f/envoy-gateway-config.default.all.yaml"
get "$(raw envoyproxy/ai-gateway $AIGW examples/inference-pool/envoy-gateway-values-addon.yaml)" "$f/envoy-gateway-values-addon.inferencepool.yaml"
get "$(raw envoyproxy/ai-gateway $AIGW manifests/envoy-gateway-values.yaml)" "$f/envoy-gateway-values.envoy-ai-gateway.yaml"
get "$(raw llm-d/llm-d-router $LLMD deploy/config/epp-precise-prefix-cache-config.yaml)" "$f/epp-config.llm-d-router.example.yaml"

# EPP metric samples: the upstream unit tests' expected exposition files, concatenated.
concat() { # concat <org/repo> <tag> <out> <file...>
  local repo="$1" tag="$2" out="$3"; shift 3
  : > "$out.tmp"
  for p in "$@"; do
    echo "# --- file: $p" >> "$out.tmp"
    curl -fsSL --retry 3 "$(raw "$repo" "$tag" "$p")" >> "$out.tmp"
  done
  mv "$out.tmp" "$out"; echo "fetch-upstream: $out" >&2
}
td=pkg/epp/metrics/testdata
concat kubernetes-sigs/gateway-api-inference-extension v1.5.0 "$f/epp-metrics.gie-v1.5.0.sample.txt" \
  $td/request_total_metric $td/request_error_total_metric $td/request_duration_seconds_metric $td/running_requests_metrics \
  $td/input_tokens_metric $td/output_tokens_metric $td/kv_cache_avg_metrics $td/queue_avg_size_metrics \
  $td/running_requests_avg_metrics $td/prefix_indexer_size_metric $td/prefix_indexer_hit_ratio_metric \
  $td/prefix_indexer_hit_bytes_metric $td/scheduler_attempts_multiple_endpoints_metrics $td/scheduler_e2e_duration_seconds_metric
concat llm-d/llm-d-router $LLMD "$f/epp-metrics.llm-d-router-v0.10.0.sample.txt" \
  $td/llm_d_request_total_metric $td/llm_d_request_error_total_metric $td/llm_d_request_duration_seconds_metric \
  $td/llm_d_running_requests_metrics $td/llm_d_kv_cache_avg_metrics $td/llm_d_queue_avg_size_metrics \
  $td/llm_d_running_requests_avg_metrics $td/llm_d_prefix_indexer_size_metric $td/llm_d_prefix_indexer_hit_ratio_metric \
  $td/llm_d_prefix_indexer_hit_bytes_metric $td/llm_d_scheduler_attempts_multiple_endpoints_metrics \
  $td/llm_d_scheduler_e2e_duration_seconds_metric

cat >&2 <<'NOTE'
fetch-upstream: not fetched (no release file upstream):
  fixtures/epp-config.example.yaml  - a code block inside GIE v1.5.0 site-src/guides/troubleshooting.md
                                      ("Example: Classic Routing"); copy it from there by hand.
  fixtures/vllm-metrics.sample.txt  - a captured /metrics scrape of a vLLM >= 0.10 server; any real
                                      `curl <vllm>:8000/metrics` output works.
NOTE
