# Shared by dev/up, dev/down and dev/test. Paths, ports and small helpers for the native stack.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="${RISKMONITOR_STACK_DIR:-$ROOT/.stack}"          # data, logs, rendered configs of this checkout
CACHE="${RISKMONITOR_CACHE:-$HOME/.cache/riskmonitor}"  # downloaded jars, shared by checkouts
LOGS="$STACK/logs"
DATA="$STACK/data"
RUN="$STACK/run"
CONF="$STACK/conf"

# Everything listens on 127.0.0.1, on ports chosen to stay out of the way of default installs.
MARIADB_PORT="${RISKMONITOR_MARIADB_PORT:-13306}"
KAFKA_PORT="${RISKMONITOR_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${RISKMONITOR_KAFKA_CONTROLLER_PORT:-19093}"
CONNECT_PORT="${RISKMONITOR_CONNECT_PORT:-18083}"
REGISTRY_PORT="${RISKMONITOR_REGISTRY_PORT:-18081}"
REGISTRY_MGMT_PORT="${RISKMONITOR_REGISTRY_MGMT_PORT:-18082}"
MARKET_PORT="${RISKMONITOR_MARKET_PORT:-18090}"
GATEWAY_PORT="${RISKMONITOR_GATEWAY_PORT:-18000}"
ENGINE_ADMIN_PORT=19101
ANALYZER_ADMIN_PORT=19102
NOTIFIER_ADMIN_PORT=19103
MARKET_SIM_PORT="$MARKET_PORT"

# Pipeline topics (partitions and retention are settings of the services: see README).
CDC_FORMAT="${RISKMONITOR_CDC_FORMAT:-avro}"   # avro (default) | json

KAFKA_VERSION=4.1.1
DEBEZIUM_VERSION=3.5.0.Final
APICURIO_VERSION=3.3.3

SERVICES=(cdc-risk-engine llm-analyzer webhook-notifier mcp-gateway)

DB_NAME=riskmonitor
DB_USER=riskmonitor
DB_PASSWORD="${RISKMONITOR_DEV_DB_PASSWORD:-riskmonitor-dev}"
DBZ_USER=debezium
DBZ_PASSWORD="${RISKMONITOR_DEV_DBZ_PASSWORD:-debezium-dev}"

DATABASE_URL="mysql://$DB_USER:$DB_PASSWORD@127.0.0.1:$MARIADB_PORT/$DB_NAME"
KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
REGISTRY_URL="http://127.0.0.1:$REGISTRY_PORT"
CONNECT_URL="http://127.0.0.1:$CONNECT_PORT"

SUPERVISOR_CONF="$CONF/supervisord.conf"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\033[31mdev: %s\033[0m\n' "$*" >&2; exit 1; }

# run_step LABEL LOGFILE CMD...: runs CMD with its output in LOGFILE and prints a progress line
# (the log's last line) every 10 s, so a slow first run never sits silent.
run_step() {
  local label=$1 log=$2
  shift 2
  note "$label (log: ${log#"$ROOT"/})"
  "$@" >"$log" 2>&1 &
  local pid=$! start=$SECONDS last=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS - last >= 10 )); then
      last=$SECONDS
      local line
      line=$(tail -c 2000 "$log" 2>/dev/null | tr '\r' '\n' | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c1-110 || true)
      note "  ... $((SECONDS - start))s  ${line}"
    fi
  done
  if ! wait "$pid"; then
    printf '\033[31mdev: %s failed; last lines of %s:\033[0m\n' "$label" "$log" >&2
    tail -n 40 "$log" >&2
    return 1
  fi
}

# wait_for LABEL TIMEOUT_S CMD...: retries CMD every second until it succeeds.
wait_for() {
  local label=$1 timeout=$2
  shift 2
  local start=$SECONDS last=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS - start > timeout )); then
      return 1
    fi
    if (( SECONDS - last >= 10 )); then
      last=$SECONDS
      note "  ... waiting for $label ($((SECONDS - start))s)"
    fi
    sleep 1
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

supervisor_running() {
  [ -S "$RUN/supervisor.sock" ] || return 1
  local rc=0
  supervisorctl -c "$SUPERVISOR_CONF" pid >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 0 ]
}

sctl() { supervisorctl -c "$SUPERVISOR_CONF" "$@"; }

# A Java 21+ runtime for Apicurio Registry (Kafka and Connect run on the default Java 17+).
find_java21() {
  local candidate major
  for candidate in "${RISKMONITOR_JAVA21_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
    if [ -n "$major" ] && [ "${major%%.*}" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
