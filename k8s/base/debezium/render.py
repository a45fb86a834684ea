#!/usr/bin/env python3
"""Renders the Debezium connector configuration for one environment.

positions-connector.json (what to capture and where to route it)
  + converter-<format>.json (Avro through the registry, or JSON)
  + latency-tuned.json (unless --profile defaults: Debezium's own defaults, for the benchmark)
with ${...} placeholders filled in. Prints the JSON object that Kafka Connect's
PUT /connectors/<name>/config takes.
"""
import argparse
import json
import pathlib
import re
import string
import sys

HERE = pathlib.Path(__file__).resolve().parent


def load(name: str) -> dict:
    return json.loads((HERE / name).read_text())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", choices=["avro", "json"], default="avro")
    p.add_argument("--profile", choices=["tuned", "defaults"], default="tuned")
    p.add_argument("--name", default="riskmonitor-positions", help="connector name (topic prefix: the same with _ for other characters)")
    p.add_argument("--topic", default="positions_cdc")
    p.add_argument("--server-id", default="5401", help="unique replication client id per connector")
    p.add_argument("--db-host", default="127.0.0.1")
    p.add_argument("--db-port", default="13306")
    p.add_argument("--db-user", default="debezium")
    p.add_argument("--db-password", default="debezium-dev")
    p.add_argument("--brokers", default="127.0.0.1:19092")
    p.add_argument("--registry", default="http://127.0.0.1:18081", help="Apicurio Registry base URL")
    p.add_argument("--snapshot-mode", default=None, help="override snapshot.mode (e.g. no_data)")
    a = p.parse_args()

    config = load("positions-connector.json")
    config.update(load(f"converter-{a.format}.json"))
    if a.profile == "tuned":
        config.update(load("latency-tuned.json"))
    if a.snapshot_mode:
        config["snapshot.mode"] = a.snapshot_mode
    values = {
        "DB_HOST": a.db_host, "DB_PORT": a.db_port, "DB_USER": a.db_user, "DB_PASSWORD": a.db_password,
        # Debezium builds Avro namespaces from the prefix: only [A-Za-z0-9_] keeps them valid.
        "SERVER_ID": a.server_id, "NAME": a.name, "PREFIX": re.sub(r"[^A-Za-z0-9_]", "_", a.name), "TOPIC": a.topic, "BROKERS": a.brokers,
        "REGISTRY": a.registry.rstrip("/"),
    }
    rendered = {k: string.Template(v).substitute(values) for k, v in config.items()}
    json.dump(rendered, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
