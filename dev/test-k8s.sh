#!/usr/bin/env bash
# Checks k8s/ (called by dev/test; runs on its own too, without the stack):
#   1. the generated files are current (PrometheusRule, dashboard, k8s/base/debezium copies);
#   2. kustomize renders k8s/overlays/dev and k8s/overlays/prod (and `kubectl kustomize`, when
#      kubectl is installed, renders the same objects);
#   3. dev/k8s/check.py: Kubernetes 1.33 schemas (kubernetes-validate), KEDA and Prometheus
#      Operator CRD schemas, settings keys through each binary's --print-config, probes and ports,
#      the binaries' real /healthz, /readyz, /metrics and SIGTERM, scaling, the connector Job;
#   4. promtool check rules + promtool test rules on k8s/observability.
# Downloads once into $RISKMONITOR_CACHE (~/.cache/riskmonitor): kustomize (go install through
# the Go module proxy), the KEDA and Prometheus Operator modules (their CRDs, same proxy), and
# kubernetes-validate into the test venv. Offline afterwards. Exit status 1 on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUSTOMIZE_VERSION=v5.7.1
KEDA_MODULE=github.com/kedacore/keda/v2@v2.17.2                            # config/crd/bases
PROM_OPERATOR_MODULE=github.com/prometheus-operator/prometheus-operator@v0.85.0  # example/prometheus-operator-crd
BIN="$CACHE/bin"
VENV="$CACHE/venv"
BIN_DIR="${RISKMONITOR_K8S_BIN_DIR:-$ROOT/target/debug}"
mkdir -p "$BIN" "$LOGS"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -a SUMMARY=()
rc=0
step() { # step NAME CMD...: runs CMD, records pass/fail for the summary
  local name=$1
  shift
  if "$@"; then SUMMARY+=("pass  $name"); else SUMMARY+=("FAIL  $name"); rc=1; fi
}

say "k8s: tools"
# kustomize, pinned.
if ! "$BIN/kustomize" version 2>/dev/null | grep -qx "$KUSTOMIZE_VERSION"; then
  command -v go >/dev/null || die "kustomize $KUSTOMIZE_VERSION is not in $BIN and there is no Go to install it"
  run_step "go install sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" "$LOGS/install-kustomize.log" \
    env GOBIN="$BIN" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi
note "kustomize $("$BIN/kustomize" version)"
# kubernetes-validate and PyYAML/jsonschema in the test venv (dev/test-requirements.txt).
if [ ! -x "$VENV/bin/python" ]; then
  run_step "creating $VENV" "$LOGS/test-venv.log" python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import kubernetes_validate, jsonschema, yaml' 2>/dev/null; then
  run_step "pip install kubernetes-validate" "$LOGS/test-pip-k8s.log" \
    "$VENV/bin/pip" install -q "$(grep -E '^kubernetes-validate==' "$ROOT/dev/test-requirements.txt")"
fi
PY="$VENV/bin/python"
# CRD schemas from the Go modules of KEDA and the Prometheus Operator (module cache; offline once
# downloaded). Without Go or network, custom resources are skipped with the reason.
crd_args=()
crd_dir() { # crd_dir MODULE@VERSION SUBDIR: prints the directory, downloading the module if needed
  local dir
  dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$1" 2>>"$LOGS/k8s-crds.log" |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("Dir", ""))' 2>/dev/null) || return 1
  [ -n "$dir" ] && [ -d "$dir/$2" ] && echo "$dir/$2"
}
if ! command -v go >/dev/null; then
  crd_args=(--crd-skip "Go is not installed, so the KEDA and Prometheus Operator CRDs could not be fetched")
elif keda=$(crd_dir "$KEDA_MODULE" config/crd/bases) && prom=$(crd_dir "$PROM_OPERATOR_MODULE" example/prometheus-operator-crd); then
  crd_args=(--crd-dir "$keda" --crd-dir "$prom")
  note "CRDs: ${keda#"$(go env GOMODCACHE)"/}, ${prom#"$(go env GOMODCACHE)"/}"
else
  crd_args=(--crd-skip "the CRD modules ($KEDA_MODULE, $PROM_OPERATOR_MODULE) could not be downloaded (see .stack/logs/k8s-crds.log)")
  note "CRDs unavailable: custom resources will be skipped"
fi
# The service binaries the settings are checked with: rebuilt when a source is newer.
need_build=0
for b in cdc-risk-engine llm-analyzer webhook-notifier mcp-gateway; do
  if [ ! -x "$BIN_DIR/$b" ] || [ -n "$(find "$ROOT/services" "$ROOT/shared" -name '*.rs' -newer "$BIN_DIR/$b" -print -quit 2>/dev/null)" ]; then
    need_build=1
  fi
done
if [ "$need_build" = 1 ] && [ -z "${RISKMONITOR_K8S_BIN_DIR:-}" ]; then
  run_step "cargo build (the four services, for --print-config)" "$LOGS/k8s-cargo-build.log" \
    cargo build --manifest-path "$ROOT/Cargo.toml" -p cdc-risk-engine -p llm-analyzer -p webhook-notifier -p mcp-gateway
fi

say "k8s: generated files"
step "generated files current (dev/k8s/sync.py)" "$PY" "$ROOT/dev/k8s/sync.py" --check

say "k8s: render"
render() { # render OVERLAY
  local overlay=$1 out="$work/$1.yaml"
  if ! "$BIN/kustomize" build "$ROOT/k8s/overlays/$overlay" >"$out" 2>"$work/$overlay.err"; then
    cat "$work/$overlay.err" >&2
    return 1
  fi
  note "kustomize build k8s/overlays/$overlay: $(grep -c '^kind:' "$out") objects"
  if command -v kubectl >/dev/null; then
    if ! kubectl kustomize "$ROOT/k8s/overlays/$overlay" >"$work/$overlay.kubectl.yaml" 2>"$work/$overlay.err"; then
      cat "$work/$overlay.err" >&2
      return 1
    fi
    "$PY" - "$out" "$work/$overlay.kubectl.yaml" <<'EOF' || return 1
import sys, yaml
a, b = (sorted((yaml.safe_dump(d, sort_keys=True) for d in yaml.safe_load_all(open(p)) if d)) for p in sys.argv[1:])
if a != b:
    sys.exit("kubectl kustomize renders different objects than kustomize")
EOF
    note "kubectl kustomize k8s/overlays/$overlay ($(kubectl version --client 2>/dev/null | awk '/Kustomize/ {print $3}')): same objects"
  fi
}
step "render k8s/overlays/dev" render dev
step "render k8s/overlays/prod" render prod

say "k8s: schemas, settings, probes, scaling (dev/k8s/check.py)"
if [ -s "$work/dev.yaml" ] && [ -s "$work/prod.yaml" ]; then
  step "dev/k8s/check.py" "$PY" "$ROOT/dev/k8s/check.py" --root "$ROOT" --bin-dir "$BIN_DIR" "${crd_args[@]}" \
    "dev=$work/dev.yaml" "prod=$work/prod.yaml"
else
  SUMMARY+=("FAIL  dev/k8s/check.py (nothing rendered)"); rc=1
fi

say "k8s: alert rules (promtool)"
step "promtool check rules alert-rules.yml" promtool check rules "$ROOT/k8s/observability/alert-rules.yml"
step "promtool test rules alert-rules.test.yml" bash -c "cd '$ROOT/k8s/observability' && promtool test rules alert-rules.test.yml"

say "k8s: summary"
for line in "${SUMMARY[@]}"; do note "$line"; done
if [ "$rc" -eq 0 ]; then note "k8s checks passed"; else note "k8s checks FAILED"; fi
exit "$rc"
