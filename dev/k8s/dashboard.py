#!/usr/bin/env python3
"""Builds k8s/observability/grafana-dashboard.json (the RiskMonitor pipeline dashboard).

The JSON is generated so that every panel states its query once, in one place; run
`dev/k8s/sync.py --write` after editing this file (dev/test-k8s.sh fails while the JSON is stale).
Every series is filtered by the `namespace` variable (All matches series without the label too, so
the dashboard also works on a Prometheus outside Kubernetes).
"""
import json

NS = 'namespace=~"$namespace"'
ADMIN = 'route!~"/healthz|/readyz|/metrics"'
DS = {"type": "prometheus", "uid": "${datasource}"}


class Layout:
    def __init__(self):
        self.panels, self.y, self.x, self.row_h, self.next_id = [], 0, 0, 0, 1

    def _id(self):
        self.next_id += 1
        return self.next_id - 1

    def row(self, title):
        if self.x:
            self.y += self.row_h
            self.x, self.row_h = 0, 0
        self.panels.append({"type": "row", "title": title, "id": self._id(), "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def panel(self, title, targets, unit="short", kind="timeseries", w=8, h=8, description="",
              stack=False, mappings=None, thresholds=None, decimals=None):
        if self.x + w > 24:
            self.y += self.row_h
            self.x, self.row_h = 0, 0
        defaults = {"unit": unit}
        if decimals is not None:
            defaults["decimals"] = decimals
        if mappings:
            defaults["mappings"] = mappings
        if thresholds:
            defaults["thresholds"] = {"mode": "absolute", "steps": thresholds}
        if kind == "timeseries":
            defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10 if not stack else 60,
                                  "showPoints": "never",
                                  "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
        options = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]},
                   "tooltip": {"mode": "multi", "sort": "desc"}} if kind == "timeseries" else \
                  {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                   "colorMode": "background", "graphMode": "none", "textMode": "value_and_name"}
        self.panels.append({
            "type": kind, "title": title, "id": self._id(), "description": description, "datasource": DS,
            "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
            "fieldConfig": {"defaults": defaults, "overrides": []}, "options": options,
            "targets": [{"datasource": DS, "refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend,
                         "range": True, "instant": False}
                        for i, (expr, legend) in enumerate(targets)],
        })
        self.x += w
        self.row_h = max(self.row_h, h)


def quantiles(metric, by, extra="", qs=(0.5, 0.95, 0.99)):
    sel = f"{NS}{',' + extra if extra else ''}"
    legend_by = " ".join("{{" + b + "}}" for b in by.split(", ") if b)
    return [(f"histogram_quantile({q}, sum by ({by + ', ' if by else ''}le) (rate({metric}_bucket{{{sel}}}[$__rate_interval])))",
             f"p{int(q * 100)} {legend_by}".strip()) for q in qs]


CIRCUIT = [{"type": "value", "options": {"0": {"text": "closed", "color": "green"},
                                         "1": {"text": "open", "color": "red"},
                                         "2": {"text": "half-open", "color": "orange"}}}]


def build():
    L = Layout()
    L.row("CDC and the engine")
    L.panel("CDC lag (positions_cdc, by partition)",
            [(f'max by (partition) (riskmonitor_consumer_lag_messages{{{NS},group="cdc-risk-engine"}})', "partition {{partition}}")],
            w=8, stack=True, description="Messages between the engine group's committed position and the high watermark. "
                                         "max by partition: a replica keeps reporting a partition it lost in a rebalance.")
    L.panel("Engine events/s by outcome",
            [(f"sum by (outcome) (rate(riskmonitor_engine_events_total{{{NS}}}[$__rate_interval]))", "{{outcome}}")],
            unit="ops", w=8, stack=True)
    L.panel("Seconds since the last committed batch",
            [(f"time() - max(riskmonitor_engine_last_commit_timestamp_seconds{{{NS}}})", "since last commit")],
            unit="s", kind="stat", w=4, thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 120},
                                                    {"color": "red", "value": 300}])
    L.panel("Engine replicas ready",
            [(f'sum(riskmonitor_ready{{{NS},job="cdc-risk-engine"}})', "ready")], kind="stat", w=4,
            thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}])
    L.panel("Batch size", quantiles("riskmonitor_engine_batch_size", ""), w=8)
    L.panel("Batch apply + commit duration", quantiles("riskmonitor_engine_batch_duration_seconds", ""), unit="s", w=8)
    L.panel("Breach episodes and retries",
            [(f"sum by (transition, metric) (increase(riskmonitor_engine_alerts_total{{{NS}}}[$__rate_interval]))", "{{transition}} {{metric}}"),
             (f"sum by (stage) (increase(riskmonitor_engine_retries_total{{{NS}}}[$__rate_interval]))", "retry {{stage}}")],
            w=8)

    L.row("Alerts")
    L.panel("Alerts by status",
            [(f"max by (status) (riskmonitor_alerts{{{NS}}})", "{{status}}")], w=8,
            description="Rows of the alerts table by status (exported by every webhook-notifier replica).")
    L.panel("Oldest alert by status",
            [(f'max by (status) (riskmonitor_alerts_oldest_age_seconds{{{NS},status=~"pending_analysis|pending_delivery|delivery_failed"}})', "{{status}}")],
            unit="s", w=8, description="pending_* older than 5 minutes pages (RiskMonitorAlertsStuck).")
    L.panel("Consumer lag of the alert topics",
            [(f'sum by (group, topic) (max by (group, topic, partition) (riskmonitor_consumer_lag_messages{{{NS},group=~"llm-analyzer|webhook-notifier"}}))', "{{group}}")],
            w=8)
    L.panel("Dead letters by service and topic",
            [(f"sum by (service, topic) (increase(riskmonitor_dead_letters_total{{{NS}}}[$__rate_interval]))", "{{service}} -> {{topic}}")],
            w=12, stack=True)
    L.panel("Alerts delivery_failed now",
            [(f'max(riskmonitor_alerts{{{NS},status="delivery_failed"}})', "delivery_failed")], kind="stat", w=12,
            thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}])

    L.row("Analysis (llm-analyzer) and the LLM")
    L.panel("Analyses/s by source",
            [(f"sum by (source) (rate(riskmonitor_analyzer_analyses_total{{{NS}}}[$__rate_interval]))", "{{source}}"),
             (f"sum by (reason) (rate(riskmonitor_analyzer_skipped_total{{{NS}}}[$__rate_interval]))", "skipped {{reason}}")],
            unit="ops", w=8)
    L.panel("Analysis duration by source", quantiles("riskmonitor_analyzer_analysis_duration_seconds", "source", qs=(0.5, 0.95)),
            unit="s", w=8)
    L.panel("LLM circuit state",
            [(f"max by (job) (riskmonitor_llm_circuit_state{{{NS}}})", "{{job}}")], kind="stat", w=4, mappings=CIRCUIT,
            thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}])
    L.panel("Market circuit state",
            [(f"max by (job) (riskmonitor_market_circuit_state{{{NS}}})", "{{job}}")], kind="stat", w=4, mappings=CIRCUIT,
            thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}])
    L.panel("LLM requests/s by purpose and outcome",
            [(f"sum by (purpose, outcome) (rate(riskmonitor_llm_requests_total{{{NS}}}[$__rate_interval]))", "{{purpose}} {{outcome}}")],
            unit="ops", w=8)
    L.panel("LLM fallbacks/s by purpose and reason",
            [(f"sum by (purpose, reason) (rate(riskmonitor_llm_fallbacks_total{{{NS}}}[$__rate_interval]))", "{{purpose}} {{reason}}")],
            unit="ops", w=8, stack=True, description="Answers written by the deterministic analyst or templates instead of the LLM.")
    L.panel("LLM latency by purpose", quantiles("riskmonitor_llm_request_duration_seconds", "purpose", qs=(0.5, 0.95)), unit="s", w=8)
    L.panel("Market snapshot calls/s by outcome",
            [(f"sum by (outcome) (rate(riskmonitor_market_requests_total{{{NS}}}[$__rate_interval]))", "{{outcome}}")],
            unit="ops", w=24, h=6)

    L.row("Delivery (webhook-notifier)")
    L.panel("Webhook attempts/s by kind and outcome",
            [(f"sum by (kind, outcome) (rate(riskmonitor_webhook_attempts_total{{{NS}}}[$__rate_interval]))", "{{kind}} {{outcome}}")],
            unit="ops", w=8, stack=True)
    L.panel("Webhook attempt latency by kind", quantiles("riskmonitor_webhook_attempt_duration_seconds", "kind"), unit="s", w=8)
    L.panel("Deliveries created, failed, escalations",
            [(f"sum by (kind) (increase(riskmonitor_webhook_deliveries_created_total{{{NS}}}[$__rate_interval]))", "created {{kind}}"),
             (f"sum by (kind) (increase(riskmonitor_webhook_deliveries_failed_total{{{NS}}}[$__rate_interval]))", "failed {{kind}}"),
             (f"sum by (metric) (increase(riskmonitor_webhook_escalations_total{{{NS}}}[$__rate_interval]))", "escalation {{metric}}")],
            w=8)

    L.row("Gateway (mcp-gateway)")
    L.panel("Requests/s by tool",
            [(f"sum by (tool) (rate(riskmonitor_gateway_requests_total{{{NS},{ADMIN}}}[$__rate_interval]))", "{{tool}}")],
            unit="reqps", w=8, stack=True)
    L.panel("Requests/s by outcome (not ok)",
            [(f'sum by (outcome) (rate(riskmonitor_gateway_requests_total{{{NS},{ADMIN},outcome!="ok"}}[$__rate_interval]))', "{{outcome}}")],
            unit="reqps", w=8, stack=True)
    L.panel("In-flight requests",
            [(f"sum(riskmonitor_gateway_in_flight_requests{{{NS}}})", "in flight"),
             (f'count(riskmonitor_ready{{{NS},job="mcp-gateway"}} == 1)', "ready replicas")], w=8)
    L.panel("Latency p95 by tool", quantiles("riskmonitor_gateway_request_duration_seconds", "tool", extra=ADMIN, qs=(0.95,)),
            unit="s", w=12)
    L.panel("Latency p50 / p99 (all tools)", quantiles("riskmonitor_gateway_request_duration_seconds", "", extra=ADMIN, qs=(0.5, 0.99)),
            unit="s", w=12)

    L.row("Health")
    L.panel("Ready replicas by service",
            [(f"sum by (job) (riskmonitor_ready{{{NS}}})", "{{job}}")], w=12)
    L.panel("Readiness changes (to not_ready)",
            [(f'sum by (job) (increase(riskmonitor_readiness_changes_total{{{NS},to="not_ready"}}[$__rate_interval]))', "{{job}}")],
            w=12)
    return L.panels


def dashboard():
    return {
        "uid": "riskmonitor-pipeline",
        "title": "RiskMonitor pipeline",
        "description": "CDC -> engine -> analysis -> webhooks, and the MCP/REST gateway. Generated by dev/k8s/dashboard.py.",
        "tags": ["riskmonitor"],
        "timezone": "utc",
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0, "refresh": 1},
            {"name": "namespace", "label": "Namespace", "type": "query", "datasource": DS,
             "query": {"query": "label_values(riskmonitor_ready, namespace)", "refId": "namespace"},
             "definition": "label_values(riskmonitor_ready, namespace)",
             "includeAll": True, "allValue": ".*", "multi": True, "current": {}, "hide": 0, "refresh": 2, "sort": 1},
        ]},
        "annotations": {"list": []},
        "links": [],
        "panels": build(),
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
