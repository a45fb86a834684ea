#!/usr/bin/env bash
# Checks k8s/: renders both overlays with kustomize, validates every object (Kubernetes 1.33
# schemas; KEDA and Prometheus Operator custom resources against their published CRDs), checks
# each Deployment's settings, ports and probes against the real binaries, and tests the alert
# rules with promtool. Downloads (kustomize, CRDs from the Go module proxy) are cached.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUSTOMIZE_VERSION=v5.7.1
KEDA_VERSION=v2.17.2
PROM_OPERATOR_VERSION=v0.85.0
BIN="$CACHE/bin"
PY="${RISKMONITOR_TEST_PYTHON:-$CACHE/venv/bin/python}"
mkdir -p "$BIN" "$LOGS"

if [ ! -x "$BIN/kustomize" ]; then
  run_step "installing kustomize $KUSTOMIZE_VERSION (Go module proxy)" "$LOGS/install-kustomize.log" \
    env GOBIN="$BIN" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi
crd_dir() { # module version subdir
  local dir
  dir=$(go mod download -json "$1@$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  echo "$dir/$3"
}
KEDA_CRDS=$(cd /tmp && crd_dir github.com/kedacore/keda/v2 "$KEDA_VERSION" config/crd/bases)
PROM_CRDS=$(cd /tmp && crd_dir github.com/prometheus-operator/prometheus-operator "$PROM_OPERATOR_VERSION" example/prometheus-operator-crd)

out=$(mktemp -d)
for overlay in dev prod; do
  # debezium/ is shared with the dev stack (a symlink in k8s/base), hence the load restrictor.
  "$BIN/kustomize" build --load-restrictor LoadRestrictionsNone "$ROOT/k8s/overlays/$overlay" >"$out/$overlay.yaml"
  note "kustomize build k8s/overlays/$overlay: $(grep -c '^kind:' "$out/$overlay.yaml") objects"
done

set +e
"$PY" "$ROOT/dev/k8s/check.py" "$ROOT" "$ROOT/target/debug" "$KEDA_CRDS" "$PROM_CRDS" -- "$out/dev.yaml" "$out/prod.yaml"
rc=$?
promtool check rules "$ROOT/k8s/observability/alert-rules.yml" || rc=1
(cd "$ROOT/k8s/observability" && promtool test rules alert-rules.test.yml) || rc=1
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$ROOT/k8s/observability/grafana-dashboard.json" || rc=1
set -e
rm -rf "$out"
[ "$rc" -eq 0 ] && note "k8s checks passed" || note "k8s checks FAILED"
exit "$rc"
