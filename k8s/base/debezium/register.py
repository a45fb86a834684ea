#!/usr/bin/env python3
"""Registers (or updates) the positions connector with Kafka Connect and waits until it runs.

Same flags as render.py, plus --connect (Kafka Connect REST URL) and --timeout. Idempotent:
PUT /connectors/<name>/config creates or updates. Standard library only, so it runs in the
native dev stack and in a plain python container (docker-compose's connector-init).
"""
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import pathlib

HERE = pathlib.Path(__file__).resolve().parent


def main() -> int:
    args = sys.argv[1:]
    connect, timeout, rest = "http://127.0.0.1:18083", 180.0, []
    i = 0
    while i < len(args):
        if args[i] == "--connect":
            connect = args[i + 1]; i += 2
        elif args[i] == "--timeout":
            timeout = float(args[i + 1]); i += 2
        else:
            rest.append(args[i]); i += 1
    config = json.loads(subprocess.check_output([sys.executable, str(HERE / "render.py"), *rest]))
    name = rest[rest.index("--name") + 1] if "--name" in rest else "riskmonitor-positions"
    deadline = time.time() + timeout
    while True:
        try:
            req = urllib.request.Request(f"{connect}/connectors/{name}/config", data=json.dumps(config).encode(),
                                         method="PUT", headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
            break
        except (urllib.error.URLError, ConnectionError) as e:
            if time.time() > deadline:
                print(f"register: Kafka Connect at {connect} refused the connector: {e}", file=sys.stderr)
                if isinstance(e, urllib.error.HTTPError):
                    print(e.read().decode(errors="replace"), file=sys.stderr)
                return 1
            time.sleep(2)
    while True:
        try:
            with urllib.request.urlopen(f"{connect}/connectors/{name}/status", timeout=10) as resp:
                status = json.load(resp)
            tasks = status.get("tasks", [])
            if status["connector"]["state"] == "RUNNING" and tasks and all(t["state"] == "RUNNING" for t in tasks):
                print(f"connector {name} RUNNING -> {config['transforms.route.replacement']}")
                return 0
            if any(t["state"] == "FAILED" for t in tasks):
                print(json.dumps(status, indent=2), file=sys.stderr)
                return 1
        except (urllib.error.URLError, ConnectionError, KeyError):
            pass
        if time.time() > deadline:
            print(f"register: connector {name} is not RUNNING after {timeout:.0f}s", file=sys.stderr)
            return 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
