#!/usr/bin/env python3
"""Checks the rendered Kubernetes manifests against the schemas and against the real services.

usage: check.py --root ROOT --bin-dir DIR [--crd-dir DIR ...] [--crd-skip REASON]
                OVERLAY=RENDERED.yaml [OVERLAY=RENDERED.yaml ...]

Called by dev/test-k8s.sh after `kustomize build`. For each overlay:
  schema     every object against the Kubernetes 1.33 schemas (kubernetes-validate, strict: unknown
             fields fail); ScaledObject, ServiceMonitor, PrometheusRule against the published CRD
             schemas (unknown fields fail too), or skipped with the reason;
  refs       namespaces set; every ConfigMap/Secret a pod uses exists with the key (Secrets the
             overlay does not generate are listed as external);
  pods       non-root, read-only root, no privilege escalation, ALL capabilities dropped, seccomp
             RuntimeDefault, no service-account token, requests and memory limits;
  settings   each container running a RiskMonitor binary: its ConfigMap TOML plus its environment
             (dummy values for external Secrets) through `<binary> --config FILE --print-config`:
             unknown keys and bad values fail (the settings types deny unknown fields), every key of
             the TOML and every RISKMONITOR_* variable must appear in the effective settings, and
             no variable may be ignored;
  probes     liveness/startup at /healthz and readiness at /readyz on the port the service binds
             (admin.bind, or http.bind for the gateway); Service and ServiceMonitor on that port;
             terminationGracePeriodSeconds >= preStop + shutdown grace + 5 s;
  serve      the binary, started with that TOML and environment (dependencies pointed at a closed
             local port), answers /healthz 200, /readyz 200/503 with its report, /metrics, and
             exits 0 on SIGTERM within its grace;
  scaling    ScaledObjects: consumer group and topic = the service's effective settings,
             maxReplicaCount <= the topic's partitions (setup Job's settings), min >= 1;
             the gateway's HPA on CPU with CPU requests; no `replicas` where an autoscaler owns it;
             a PodDisruptionBudget and a NetworkPolicy for every service;
  connector  the setup Job's registration renders (debezium/render.py with the Job's arguments)
             and routes to the topic the engine consumes;
  rules      the PrometheusRule carries exactly the groups of k8s/observability/alert-rules.yml;
             every metric named by the rules and the dashboard exists in the services' code; the
             dashboard's queries parse (promtool).
Exit status 1 when anything failed; a summary ends the output.
"""
import argparse
import base64
import collections
import hashlib
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request

import jsonschema
import kubernetes_validate
import yaml

K8S_VERSION = "1.33.0"
BINARIES = ("cdc-risk-engine", "llm-analyzer", "webhook-notifier", "mcp-gateway")
# Per service: the key of its HTTP server, its shutdown grace, its consumer group and topic.
SERVICES = {
    "cdc-risk-engine": {"bind": "admin.bind", "grace": "engine.shutdown_grace_secs",
                        "group": "engine.group_id", "topic": "positions_cdc"},
    "llm-analyzer": {"bind": "admin.bind", "grace": "analyzer.shutdown_grace_secs",
                     "group": "analyzer.group_id", "topic": "alerts_pending_analysis"},
    "webhook-notifier": {"bind": "admin.bind", "grace": "webhook.shutdown_grace_secs",
                         "group": "webhook.group_id", "topic": "alerts_pending_delivery"},
    "mcp-gateway": {"bind": "http.bind", "grace": "http.shutdown_grace_secs"},
}
# Values for Secrets that the overlay does not generate (production's come from the cluster).
DUMMY_SECRETS = {
    "RISKMONITOR_DATABASE__URL": "mysql://check:check@127.0.0.1:1/riskmonitor",
    "RISKMONITOR_WEBHOOK__SECRETS": '["whsec_ZHVtbXktc2lnbmluZy1zZWNyZXQtZm9yLXRoZS1jaGVjaw=="]',
    "RISKMONITOR_AUTH__TOKENS": '[{name="check", sha256="' + "ab" * 32 + '", roles=["viewer"]}]',
    "RISKMONITOR_LLM__API_KEY": "sk-check",
}
# For the serve check: every dependency at a closed local port, so nothing real is reached.
CLOSED = "127.0.0.1:1"
SERVE_OVERRIDES = {
    "RISKMONITOR_DATABASE__URL": f"mysql://check:check@{CLOSED}/riskmonitor",
    "RISKMONITOR_KAFKA__BROKERS": CLOSED,
    "RISKMONITOR_KAFKA__REGISTRY_URL": f"http://{CLOSED}/apis/ccompat/v7",
    "RISKMONITOR_MARKET__URL": f"http://{CLOSED}",
    "RISKMONITOR_LLM__URL": "",
    "RISKMONITOR_WEBHOOK__URL": f"http://{CLOSED}/webhooks",
    "RISKMONITOR_TELEMETRY__OTLP_ENDPOINT": "",
}
NAMESPACED_SKIP = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}

RESULTS = collections.Counter()
FAILURES = []
WARNINGS = []


def ok(section, msg):
    RESULTS["ok"] += 1
    print(f"ok    [{section}] {msg}")


def fail(section, msg):
    RESULTS["fail"] += 1
    FAILURES.append(f"[{section}] {msg}")
    print(f"FAIL  [{section}] {msg}")


def warn(section, msg):
    RESULTS["warn"] += 1
    WARNINGS.append(f"[{section}] {msg}")
    print(f"WARN  [{section}] {msg}")


def skip(section, msg):
    RESULTS["skip"] += 1
    print(f"skip  [{section}] {msg}")


def note(msg):
    print(f"        {msg}")


# ---------------------------------------------------------------- loading

class CrdLoader(yaml.SafeLoader):
    """The CRDs contain a bare `=` (an enum value); PyYAML would read it as the obsolete value tag."""


CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def load_docs(path):
    return [d for d in yaml.safe_load_all(pathlib.Path(path).read_text()) if d]


def strict_schema(schema):
    """Unknown fields fail, like the API server's strict field validation: every object schema
    with `properties` and neither `additionalProperties` nor x-kubernetes-preserve-unknown-fields
    gets additionalProperties: false."""
    if isinstance(schema, list):
        return [strict_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict_schema(v) for k, v in schema.items()}
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def crd_schemas(dirs):
    schemas = {}
    for d in dirs:
        for path in sorted(pathlib.Path(d).glob("*.yaml")):
            for doc in yaml.load_all(path.read_text(), Loader=CrdLoader):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                for v in spec["versions"]:
                    key = (f"{spec['group']}/{v['name']}", spec["names"]["kind"])
                    schemas[key] = (strict_schema(v["schema"]["openAPIV3Schema"]), path.name)
    return schemas


# ---------------------------------------------------------------- helpers

def dig(d, dotted):
    cur = d
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def leaves(d, prefix=""):
    """Leaf key paths of a TOML table (arrays count as leaves)."""
    for k, v in d.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            yield from leaves(v, path + ".")
        else:
            yield path, v


def env_path(name):
    """RISKMONITOR_KAFKA__TOPICS__POSITIONS_CDC__NAME -> kafka.topics.positions_cdc.name"""
    return ".".join(p.lower() for p in name[len("RISKMONITOR_"):].split("__"))


def expand(value, env):
    """Kubernetes $(VAR) expansion ($$ escapes; an undefined variable stays as written)."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)", sub, value)


def labels_match(selector, labels):
    if not selector:
        return True
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        val, op, vals = labels.get(e["key"]), e["operator"], e.get("values") or []
        if op == "In" and val not in vals or op == "NotIn" and val in vals \
                or op == "Exists" and val is None or op == "DoesNotExist" and val is not None:
            return False
    return True


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=3.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except OSError:
        return None, ""


def pod_spec(obj):
    kind = obj["kind"]
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
        return obj["spec"]["template"]["spec"], obj["spec"]["template"]["metadata"].get("labels", {})
    if kind == "CronJob":
        t = obj["spec"]["jobTemplate"]["spec"]["template"]
        return t["spec"], t["metadata"].get("labels", {})
    if kind == "Pod":
        return obj["spec"], obj["metadata"].get("labels", {})
    return None, None


def binary_of(container):
    cmd = (container.get("command") or []) + (container.get("args") or [])
    if cmd and os.path.basename(cmd[0]) in BINARIES:
        return os.path.basename(cmd[0]), cmd[1:]
    return None, cmd


def port_number(container, port):
    if isinstance(port, int):
        return port
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return p["containerPort"]
    return None


def prestop_seconds(container):
    pre = (container.get("lifecycle") or {}).get("preStop")
    if not pre:
        return None
    if "sleep" in pre:
        return int(pre["sleep"]["seconds"])
    cmd = (pre.get("exec") or {}).get("command") or []
    if len(cmd) == 2 and os.path.basename(cmd[0]) == "sleep":
        return int(cmd[1])
    return 0


# ---------------------------------------------------------------- the checks

class Overlay:
    def __init__(self, name, docs, args):
        self.name, self.docs, self.args = name, docs, args
        self.by_kind = collections.defaultdict(dict)
        for d in docs:
            self.by_kind[d["kind"]][d["metadata"]["name"]] = d
        self.external_secrets = set()
        self.effective = {}  # (workload, container) -> effective settings
        self.setup_settings = None
        self.serve_jobs = []

    # -- resolution of ConfigMaps, Secrets and environment
    def configmap_value(self, name, key):
        cm = self.by_kind["ConfigMap"].get(name)
        if cm is None:
            return None, f"ConfigMap {name} is not rendered"
        if key in (cm.get("data") or {}):
            return cm["data"][key], None
        if key in (cm.get("binaryData") or {}):
            return base64.b64decode(cm["binaryData"][key]).decode(), None
        return None, f"ConfigMap {name} has no key {key}"

    def secret_value(self, name, key, env_name):
        s = self.by_kind["Secret"].get(name)
        if s is None:
            self.external_secrets.add((name, key))
            return DUMMY_SECRETS.get(env_name, "dummy"), None
        if key in (s.get("stringData") or {}):
            return s["stringData"][key], None
        if key in (s.get("data") or {}):
            return base64.b64decode(s["data"][key]).decode(), None
        return None, f"Secret {name} has no key {key}"

    def container_env(self, container, where):
        env, errors = {}, []
        for src in container.get("envFrom") or []:
            prefix = src.get("prefix", "")
            if "configMapRef" in src:
                cm = self.by_kind["ConfigMap"].get(src["configMapRef"]["name"])
                if cm is None:
                    errors.append(f"envFrom ConfigMap {src['configMapRef']['name']} is not rendered")
                    continue
                env.update({prefix + k: v for k, v in (cm.get("data") or {}).items()})
            if "secretRef" in src:
                s = self.by_kind["Secret"].get(src["secretRef"]["name"])
                if s is None:
                    self.external_secrets.add((src["secretRef"]["name"], "*"))
                    continue
                env.update({prefix + k: base64.b64decode(v).decode() for k, v in (s.get("data") or {}).items()})
        for e in container.get("env") or []:
            name = e["name"]
            if "value" in e:
                env[name] = expand(str(e["value"]), env)
                continue
            vf = e.get("valueFrom") or {}
            if "configMapKeyRef" in vf:
                ref = vf["configMapKeyRef"]
                value, err = self.configmap_value(ref["name"], ref["key"])
            elif "secretKeyRef" in vf:
                ref = vf["secretKeyRef"]
                value, err = self.secret_value(ref["name"], ref["key"], name)
            else:
                value, err = "", None  # fieldRef / resourceFieldRef: not settings
            if err and not (vf.get("configMapKeyRef") or vf.get("secretKeyRef") or {}).get("optional"):
                errors.append(f"env {name}: {err}")
            if value is not None:
                env[name] = value
        for err in errors:
            fail("refs", f"{where}: {err}")
        return env

    def mounted_file(self, pod, container, path):
        """Content of `path` inside the container when a ConfigMap volume provides it."""
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        for m in container.get("volumeMounts") or []:
            mount = m["mountPath"].rstrip("/")
            if not path.startswith(mount + "/") and path != mount:
                continue
            vol = volumes.get(m["name"], {})
            if "configMap" not in vol:
                continue
            rel = path[len(mount) + 1:] if "subPath" not in m else m["subPath"]
            key = rel
            for item in vol["configMap"].get("items") or []:
                if item["path"] == rel:
                    key = item["key"]
            return self.configmap_value(vol["configMap"]["name"], key)
        return None, f"no ConfigMap volume is mounted at {path}"

    # -- sections
    def check_schemas(self, crds, crd_skip):
        for d in self.docs:
            api, kind, name = d["apiVersion"], d["kind"], d["metadata"]["name"]
            what = f"{self.name}: {kind}/{name}"
            if (api, kind) in crds:
                schema, source = crds[(api, kind)]
                errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(d), key=lambda e: list(e.absolute_path))
                if errors:
                    for e in errors[:3]:
                        fail("schema", f"{what}: {e.message} at {'/'.join(map(str, e.absolute_path))} ({source})")
                else:
                    ok("schema", f"{what} ({api}, CRD schema {source})")
                continue
            try:
                kubernetes_validate.validate(d, K8S_VERSION, strict=True)
                ok("schema", f"{what} (Kubernetes {K8S_VERSION[:-2]})")
            except kubernetes_validate.utils.SchemaNotFoundError:
                if crd_skip:
                    skip("schema", f"{what}: custom resource {api} not validated: {crd_skip}")
                else:
                    fail("schema", f"{what}: no Kubernetes {K8S_VERSION[:-2]} schema and no CRD schema for {api} {kind}")
            except kubernetes_validate.utils.ValidationError as e:
                path = "/".join(map(str, getattr(e, "absolute_path", None) or getattr(e, "path", None) or []))
                fail("schema", f"{what}: {str(e).splitlines()[0]} at {path or '(root)'}")

    def check_namespaces(self, namespace):
        wrong = [f"{d['kind']}/{d['metadata']['name']}={d['metadata'].get('namespace')}" for d in self.docs
                 if d["kind"] not in NAMESPACED_SKIP and d["metadata"].get("namespace") != namespace]
        if wrong:
            fail("refs", f"{self.name}: objects outside namespace {namespace}: {', '.join(wrong)}")
        else:
            ok("refs", f"{self.name}: every namespaced object is in {namespace}")

    def workloads(self):
        for kind in ("Deployment", "Job", "StatefulSet", "DaemonSet", "CronJob"):
            for name, obj in sorted(self.by_kind[kind].items()):
                pod, labels = pod_spec(obj)
                yield obj, pod, labels

    def check_pod_security(self):
        for obj, pod, _ in self.workloads():
            what = f"{self.name}: {obj['kind']}/{obj['metadata']['name']}"
            problems = []
            psc = pod.get("securityContext") or {}
            if not psc.get("runAsNonRoot"):
                problems.append("pod runAsNonRoot is not true")
            if pod.get("automountServiceAccountToken") is not False:
                problems.append("automountServiceAccountToken is not false")
            pod_seccomp = (psc.get("seccompProfile") or {}).get("type")
            for c in (pod.get("initContainers") or []) + pod["containers"]:
                sc = c.get("securityContext") or {}
                cn = c["name"]
                if sc.get("allowPrivilegeEscalation") is not False:
                    problems.append(f"{cn}: allowPrivilegeEscalation is not false")
                if sc.get("readOnlyRootFilesystem") is not True:
                    problems.append(f"{cn}: readOnlyRootFilesystem is not true")
                if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
                    problems.append(f"{cn}: capabilities do not drop ALL")
                if ((sc.get("seccompProfile") or {}).get("type") or pod_seccomp) != "RuntimeDefault":
                    problems.append(f"{cn}: seccomp profile is not RuntimeDefault")
                if sc.get("runAsUser") == 0 or (sc.get("runAsUser") is None and psc.get("runAsUser") in (None, 0)):
                    problems.append(f"{cn}: no non-zero runAsUser")
                res = c.get("resources") or {}
                for need in ("requests.cpu", "requests.memory", "limits.memory"):
                    if dig(res, need) is None:
                        problems.append(f"{cn}: no resources.{need}")
            if problems:
                for p in problems:
                    fail("pods", f"{what}: {p}")
            else:
                ok("pods", f"{what}: non-root, read-only, no escalation, caps dropped, RuntimeDefault, resources set")

    def run_print_config(self, binary, args, toml_text, env, what):
        """`binary <args> --print-config` with the TOML in a temporary file; returns the effective
        settings (dict) or None."""
        with tempfile.TemporaryDirectory() as tmp:
            cfg = pathlib.Path(tmp, "settings.toml")
            cfg.write_text(toml_text)
            argv, i = [], 0
            while i < len(args):
                if args[i] in ("--config", "-c"):
                    argv += ["--config", str(cfg)]
                    i += 2
                    continue
                if args[i].startswith("--config="):
                    argv.append(f"--config={cfg}")
                else:
                    argv.append(args[i])
                i += 1
            run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
            if "RISKMONITOR_CONFIG" in run_env:
                run_env["RISKMONITOR_CONFIG"] = str(cfg)
            exe = str(pathlib.Path(self.args.bin_dir, binary))
            p = subprocess.run([exe, *argv, "--print-config"], env=run_env, cwd=tmp,
                               capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            fail("settings", f"{what}: {binary} --print-config exit {p.returncode}: {p.stderr.strip()[:400]}")
            return None
        ignored = [line for line in p.stderr.splitlines() if "ignoring" in line]
        if ignored:
            fail("settings", f"{what}: variables that are no setting of {binary}: {'; '.join(ignored)}")
        return tomllib.loads(p.stdout)

    def check_settings(self, obj, pod, container, binary, args):
        what = f"{self.name}: {obj['kind']}/{obj['metadata']['name']}/{container['name']}"
        env = self.container_env(container, what)
        config = None
        for i, a in enumerate(args):
            if a in ("--config", "-c") and i + 1 < len(args):
                config = args[i + 1]
            elif a.startswith("--config="):
                config = a.split("=", 1)[1]
        config = config or env.get("RISKMONITOR_CONFIG")
        if not config:
            fail("settings", f"{what}: no --config (settings must come from a mounted ConfigMap)")
            return None, env
        toml_text, err = self.mounted_file(pod, container, config)
        if err:
            fail("settings", f"{what}: {config}: {err}")
            return None, env
        try:
            file_settings = tomllib.loads(toml_text)
        except tomllib.TOMLDecodeError as e:
            fail("settings", f"{what}: {config} is not TOML: {e}")
            return None, env
        eff = self.run_print_config(binary, args, toml_text, env, what)
        if eff is None:
            return None, env
        env_keys = {env_path(k) for k in env if k.startswith("RISKMONITOR_") and k != "RISKMONITOR_CONFIG"}
        problems = []
        for path, value in leaves(file_settings):
            got = dig(eff, path)
            if got is None:
                problems.append(f"`{path}` (from the ConfigMap) is not in the effective settings")
            elif not any(path == k or path.startswith(k + ".") for k in env_keys) and got != value \
                    and got != "[REDACTED]":
                problems.append(f"`{path}` = {value!r} in the ConfigMap but {got!r} in effect")
        for k in sorted(env_keys):
            if dig(eff, k) is None:
                problems.append(f"`{k}` (from the environment) is not in the effective settings")
        for p in problems:
            fail("settings", f"{what}: {p}")
        if not problems:
            ok("settings", f"{what}: {len(list(leaves(file_settings)))} keys of {config} and "
                           f"{len(env_keys)} RISKMONITOR_* variables accepted by {binary} --print-config")
        return eff, env

    def services_selecting(self, labels):
        return [s for s in self.by_kind["Service"].values() if labels_match({"matchLabels": s["spec"].get("selector") or {}}, labels)]

    def check_service_deployment(self, dep, pod, labels, container, binary, eff, env):
        info = SERVICES[binary]
        what = f"{self.name}: Deployment/{dep['metadata']['name']}"
        bind = dig(eff, info["bind"])
        host, _, port = bind.rpartition(":")
        port = int(port)
        if host not in ("0.0.0.0", "[::]"):
            fail("probes", f"{what}: {info['bind']} = {bind}: kubelet probes and scrapes need 0.0.0.0 or [::]")
        expected = {"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"}
        good = True
        for probe, path in expected.items():
            p = container.get(probe)
            if p is None:
                if probe != "startupProbe":
                    fail("probes", f"{what}: no {probe}")
                    good = False
                continue
            get = p.get("httpGet") or {}
            pnum = port_number(container, get.get("port"))
            if get.get("path") != path or pnum != port:
                fail("probes", f"{what}: {probe} is {get.get('path')} on port {get.get('port')} ({pnum}); "
                               f"{binary} serves {path} on {info['bind']} port {port}")
                good = False
        if good:
            ok("probes", f"{what}: liveness/startup /healthz and readiness /readyz on port {port} = {info['bind']} ({bind})")
        services = self.services_selecting(labels)
        if not services:
            fail("probes", f"{what}: no Service selects its pods")
        for svc in services:
            for sp in svc["spec"]["ports"]:
                target = sp.get("targetPort", sp["port"])
                if port_number(container, target) != port:
                    fail("probes", f"{what}: Service/{svc['metadata']['name']} port {sp.get('name')} targets {target}, not {port}")
                else:
                    ok("probes", f"{what}: Service/{svc['metadata']['name']} port {sp.get('name')} -> {port}")
            monitors = [m for m in self.by_kind["ServiceMonitor"].values()
                        if labels_match(m["spec"]["selector"], svc["metadata"].get("labels") or {})]
            if not monitors:
                fail("probes", f"{what}: no ServiceMonitor selects Service/{svc['metadata']['name']}")
            for m in monitors:
                names = {p.get("name") for p in svc["spec"]["ports"]}
                for ep in m["spec"]["endpoints"]:
                    if ep.get("port") not in names or ep.get("path", "/metrics") != "/metrics":
                        fail("probes", f"{what}: ServiceMonitor/{m['metadata']['name']} scrapes port {ep.get('port')} "
                                       f"path {ep.get('path')}; the Service has ports {sorted(names)} and /metrics")
                    else:
                        ok("probes", f"{what}: ServiceMonitor/{m['metadata']['name']} scrapes {ep['port']} /metrics")
        grace = int(dig(eff, info["grace"]))
        pre = prestop_seconds(container)
        tgps = pod.get("terminationGracePeriodSeconds", 30)
        if pre is None:
            fail("probes", f"{what}: no preStop hook")
        elif tgps < pre + grace + 5:
            fail("probes", f"{what}: terminationGracePeriodSeconds {tgps} < preStop {pre} + {info['grace']} {grace} + 5")
        else:
            ok("probes", f"{what}: terminationGracePeriodSeconds {tgps} >= preStop {pre} s + {info['grace']} {grace} s + 5 s")
        return port, grace, (tgps - (pre or 0))

    def check_serve(self, what, binary, args, toml_text, env, bind_key, grace, budget):
        out = []
        ok = lambda section, msg: out.append((globals()["ok"], section, msg))  # noqa: E731
        fail = lambda section, msg: out.append((globals()["fail"], section, msg))  # noqa: E731
        warn = lambda section, msg: out.append((globals()["warn"], section, msg))  # noqa: E731
        port = free_port()
        known = {"RISKMONITOR_" + "__".join(k.upper() for k in bind_key.split(".")): f"127.0.0.1:{port}"}
        run_env = serve_env(env)
        run_env.update(known)
        with tempfile.TemporaryDirectory() as tmp:
            cfg = pathlib.Path(tmp, "settings.toml")
            cfg.write_text(toml_text)
            argv = ["--config", str(cfg)]
            exe = str(pathlib.Path(self.args.bin_dir, binary))
            log = open(pathlib.Path(tmp, "out.log"), "w+")
            proc = subprocess.Popen([exe, *argv], env=run_env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
            base = f"http://127.0.0.1:{port}"
            try:
                deadline, status = time.time() + 30, None
                while time.time() < deadline and proc.poll() is None:
                    status, _ = http_get(base + "/healthz", 1.0)
                    if status == 200:
                        break
                    time.sleep(0.2)
                if status != 200:
                    log.seek(0)
                    fail("serve", f"{what}: /healthz did not answer 200 on {bind_key} (exit {proc.poll()}): "
                                  f"{log.read()[-400:]}")
                    return out
                r_status, r_body = http_get(base + "/readyz", 5.0)
                m_status, m_body = http_get(base + "/metrics", 5.0)
                problems = []
                try:
                    report = json.loads(r_body)
                except ValueError:
                    report = {}
                if r_status not in (200, 503) or "ready" not in report:
                    problems.append(f"/readyz answered {r_status} {r_body[:120]!r}")
                if m_status != 200 or "riskmonitor_ready" not in m_body:
                    problems.append(f"/metrics answered {m_status} without riskmonitor_ready")
                start = time.time()
                proc.send_signal(signal.SIGTERM)
                try:
                    code = proc.wait(timeout=budget)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    code = "none (killed)"
                took = time.time() - start
                if code != 0:
                    problems.append(f"exit status {code} within {budget} s of SIGTERM (terminationGracePeriodSeconds "
                                    f"minus preStop; expected exit 0 before the SIGKILL)")
                for p in problems:
                    fail("serve", f"{what}: {p}")
                if not problems:
                    checks = ", ".join(f"{c['name']}={'ok' if c['ok'] else 'down'}" for c in report.get("checks", []))
                    ok("serve", f"{what}: /healthz 200, /readyz {r_status} ({checks or 'no checks'}), /metrics 200; "
                                f"SIGTERM -> exit 0 in {took:.1f} s (shutdown grace {grace} s, SIGKILL after {budget} s)")
                    if took > grace + 1:
                        warn("serve", f"{what}: took {took:.1f} s to exit with its dependencies down, more than its "
                                      f"shutdown grace of {grace} s (still before the SIGKILL at {budget} s)")
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                log.close()
        return out

    def check_services(self, serve_cache):
        setup_topics = None
        service_facts = {}
        for obj, pod, labels in self.workloads():
            for container in (pod.get("initContainers") or []) + pod["containers"]:
                binary, args = binary_of(container)
                if binary is None:
                    continue
                eff, env = self.check_settings(obj, pod, container, binary, args)
                if eff is None:
                    continue
                if "create-topics" in args:
                    setup_topics = eff["kafka"]["topics"]
                    self.setup_settings = eff
                subcommands = {"migrate", "create-topics", "hash-token"}
                if obj["kind"] != "Deployment" or container not in pod["containers"] or subcommands & set(args):
                    continue
                port, grace, budget = self.check_service_deployment(obj, pod, labels, container, binary, eff, env)
                service_facts[obj["metadata"]["name"]] = {"binary": binary, "eff": eff, "container": container,
                                                          "labels": labels, "port": port}
                toml_text, _ = self.mounted_file(pod, container, next(
                    args[i + 1] for i, a in enumerate(args) if a in ("--config", "-c")))
                what = f"{self.name}: Deployment/{obj['metadata']['name']}"
                key = hashlib.sha256(json.dumps([binary, args, toml_text, sorted(serve_env(env).items())]).encode()).hexdigest()
                if key in serve_cache:
                    ok("serve", f"{what}: same binary, settings and environment as {serve_cache[key]} (served there)")
                else:
                    serve_cache[key] = what
                    self.serve_jobs.append((what, binary, args, toml_text, env, SERVICES[binary]["bind"], grace, budget))
        missing = [b for b in BINARIES if b not in {f["binary"] for f in service_facts.values()}]
        if missing:
            fail("settings", f"{self.name}: no Deployment runs {', '.join(missing)}")
        return service_facts, setup_topics

    def check_scaling(self, facts, setup_topics):
        hpa_targets = {}
        for so in self.by_kind["ScaledObject"].values():
            target = so["spec"]["scaleTargetRef"]["name"]
            hpa_targets[target] = f"ScaledObject/{so['metadata']['name']}"
            what = f"{self.name}: ScaledObject/{so['metadata']['name']}"
            f = facts.get(target)
            if f is None or "group" not in SERVICES[f["binary"]]:
                fail("scaling", f"{what}: targets {target}, which is no consumer Deployment")
                continue
            info = SERVICES[f["binary"]]
            group = dig(f["eff"], info["group"])
            topic = dig(f["eff"], f"kafka.topics.{info['topic']}.name")
            lo, hi = so["spec"].get("minReplicaCount", 0), so["spec"].get("maxReplicaCount", 100)
            problems = []
            for t in so["spec"]["triggers"]:
                if t["type"] != "kafka":
                    continue
                md = t["metadata"]
                if md.get("consumerGroup") != group:
                    problems.append(f"consumerGroup {md.get('consumerGroup')!r} but {info['group']} = {group!r}")
                if md.get("topic") != topic:
                    problems.append(f"topic {md.get('topic')!r} but the service consumes {topic!r}")
                env_name = md.get("bootstrapServersFromEnv")
                names = {e["name"] for e in f["container"].get("env") or []}
                if env_name and env_name not in names:
                    problems.append(f"bootstrapServersFromEnv {env_name} is not set on the container")
                if not env_name and not md.get("bootstrapServers"):
                    problems.append("no bootstrap servers")
                if md.get("allowIdleConsumers") == "true":
                    problems.append("allowIdleConsumers would scale past the partitions")
            if not any(t["type"] == "kafka" for t in so["spec"]["triggers"]):
                problems.append("no kafka trigger")
            if lo < 1:
                problems.append(f"minReplicaCount {lo}: the service has time-driven work (scheduler, watcher, scans)")
            partitions = None
            if setup_topics is None:
                problems.append("no setup Job with create-topics: partitions unknown")
            else:
                spec = next((s for s in setup_topics.values() if s["name"] == topic), None)
                if spec is None:
                    problems.append(f"the setup Job creates no topic {topic!r}")
                else:
                    partitions = spec["partitions"]
                    if hi > partitions:
                        problems.append(f"maxReplicaCount {hi} > {partitions} partitions of {topic}: "
                                        "the extra replicas would get no partition")
            for p in problems:
                fail("scaling", f"{what}: {p}")
            if not problems:
                ok("scaling", f"{what}: group {group}, topic {topic}, replicas {lo}..{hi} "
                              f"(<= {partitions} partitions)")
        for hpa in self.by_kind["HorizontalPodAutoscaler"].values():
            target = hpa["spec"]["scaleTargetRef"]["name"]
            hpa_targets[target] = f"HorizontalPodAutoscaler/{hpa['metadata']['name']}"
            what = f"{self.name}: HorizontalPodAutoscaler/{hpa['metadata']['name']}"
            f = facts.get(target)
            cpu = [m for m in hpa["spec"].get("metrics") or [] if m.get("resource", {}).get("name") == "cpu"]
            if f is None:
                fail("scaling", f"{what}: targets {target}, which is no service Deployment")
            elif not cpu or dig(f["container"], "resources.requests.cpu") is None:
                fail("scaling", f"{what}: needs a CPU metric and CPU requests on {target}")
            else:
                ok("scaling", f"{what}: {target} on CPU {cpu[0]['resource']['target'].get('averageUtilization')}% "
                              f"of {f['container']['resources']['requests']['cpu']}, "
                              f"{hpa['spec'].get('minReplicas', 1)}..{hpa['spec']['maxReplicas']} replicas")
        for name, f in sorted(facts.items()):
            what = f"{self.name}: Deployment/{name}"
            dep = self.by_kind["Deployment"][name]
            if name not in hpa_targets:
                fail("scaling", f"{what}: no ScaledObject or HPA")
            elif "replicas" in dep["spec"]:
                fail("scaling", f"{what}: spec.replicas is set although {hpa_targets[name]} owns the count "
                                "(every apply would reset it)")
            else:
                ok("scaling", f"{what}: replicas owned by {hpa_targets[name]}")
            pdbs = [p for p in self.by_kind["PodDisruptionBudget"].values() if labels_match(p["spec"]["selector"], f["labels"])]
            if len(pdbs) != 1:
                fail("scaling", f"{what}: {len(pdbs)} PodDisruptionBudgets select it (want 1)")
            else:
                spec = pdbs[0]["spec"]
                ok("scaling", f"{what}: PodDisruptionBudget/{pdbs[0]['metadata']['name']} "
                              + (f"maxUnavailable {spec['maxUnavailable']}" if "maxUnavailable" in spec
                                 else f"minAvailable {spec.get('minAvailable')}"))
            pols = [p for p in self.by_kind["NetworkPolicy"].values()
                    if p["spec"]["podSelector"] and labels_match(p["spec"]["podSelector"], f["labels"])]
            ingress_ports = {pp.get("port") for p in pols for r in p["spec"].get("ingress") or [] for pp in r.get("ports") or []}
            egress = sum(len(p["spec"].get("egress") or []) for p in pols)
            default_deny = any(not p["spec"]["podSelector"] and set(p["spec"].get("policyTypes") or []) >= {"Ingress", "Egress"}
                               and not p["spec"].get("ingress") and not p["spec"].get("egress")
                               for p in self.by_kind["NetworkPolicy"].values())
            if not pols or not default_deny:
                fail("scaling", f"{what}: needs a default-deny policy and one of its own")
            elif f["port"] not in ingress_ports:
                fail("scaling", f"{what}: its NetworkPolicies admit no ingress on port {f['port']} (probes are kubelet's, "
                                "but Prometheus must scrape)")
            else:
                ok("scaling", f"{what}: default deny + {', '.join(p['metadata']['name'] for p in pols)} "
                              f"(ingress on {f['port']}, {egress} egress rules)")

    def check_connector(self, setup_topics):
        for obj, pod, _ in self.workloads():
            for c in pod["containers"]:
                cmd = (c.get("command") or []) + (c.get("args") or [])
                script = next((a for a in cmd if a.endswith("register.py")), None)
                if script is None:
                    continue
                what = f"{self.name}: {obj['kind']}/{obj['metadata']['name']}/{c['name']}"
                env = self.container_env(c, what)
                files = {}
                folder = os.path.dirname(script)
                for name in ("register.py", "render.py", "positions-connector.json", "converter-avro.json",
                             "converter-json.json", "latency-tuned.json"):
                    value, err = self.mounted_file(pod, c, f"{folder}/{name}")
                    if err:
                        fail("connector", f"{what}: {folder}/{name}: {err}")
                        return
                    files[name] = value
                argv = [expand(a, env) for a in cmd[cmd.index(script) + 1:]]
                unresolved = [a for a in argv if "$(" in a]
                if unresolved:
                    fail("connector", f"{what}: unresolved variables in the arguments: {unresolved}")
                render_args, i = [], 0
                while i < len(argv):
                    if argv[i] in ("--connect", "--timeout"):
                        i += 2
                        continue
                    render_args.append(argv[i])
                    i += 1
                with tempfile.TemporaryDirectory() as tmp:
                    for name, value in files.items():
                        pathlib.Path(tmp, name).write_text(value)
                    p = subprocess.run([sys.executable, str(pathlib.Path(tmp, "render.py")), *render_args],
                                       capture_output=True, text=True, timeout=30)
                if p.returncode != 0:
                    fail("connector", f"{what}: render.py {' '.join(render_args)} failed: {p.stderr.strip()[:300]}")
                    return
                config = json.loads(p.stdout)
                routed = config.get("transforms.route.replacement")
                engine_topic = (setup_topics or {}).get("positions_cdc", {}).get("name")
                if routed != engine_topic:
                    fail("connector", f"{what}: the connector writes to {routed!r}, the engine reads {engine_topic!r}")
                else:
                    ok("connector", f"{what}: renders ({len(config)} keys, {config.get('connector.class')}) and "
                                    f"routes to {routed}, the topic the engine consumes")

    def check_prometheus_rule(self, root):
        rules = yaml.safe_load((root / "k8s/observability/alert-rules.yml").read_text())["groups"]
        prs = list(self.by_kind["PrometheusRule"].values())
        if len(prs) != 1:
            fail("rules", f"{self.name}: {len(prs)} PrometheusRules rendered (want 1)")
        elif prs[0]["spec"]["groups"] != rules:
            fail("rules", f"{self.name}: PrometheusRule/{prs[0]['metadata']['name']} differs from "
                          "k8s/observability/alert-rules.yml (run dev/k8s/sync.py --write)")
        else:
            n = sum(len(g["rules"]) for g in rules)
            ok("rules", f"{self.name}: PrometheusRule/{prs[0]['metadata']['name']} = alert-rules.yml ({n} rules)")


def serve_env(env):
    """The container's environment with every dependency at a closed local port."""
    run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    for k, v in SERVE_OVERRIDES.items():
        if k in run_env or k == "RISKMONITOR_DATABASE__URL":
            run_env[k] = v
    return run_env


def run_serve_jobs(overlay):
    """The serve checks of an overlay run side by side (each waits for a shutdown); results are
    printed in order."""
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: overlay.check_serve(*job), overlay.serve_jobs))
    for out in results:
        for fn, section, msg in out:
            fn(section, msg)


def code_metric_names(root):
    names = set()
    for base in ("services", "shared"):
        for path in (root / base).rglob("*.rs"):
            if "/tests/" in str(path):
                continue
            names.update(re.findall(r'"(riskmonitor_[a-z0-9_]+)"', path.read_text(errors="replace")))
    return names


def check_metric_names(root, promtool):
    known = code_metric_names(root)
    rules = yaml.safe_load((root / "k8s/observability/alert-rules.yml").read_text())
    dash = json.loads((root / "k8s/observability/grafana-dashboard.json").read_text())
    exprs = {("rule " + r["alert"]): r["expr"] for g in rules["groups"] for r in g["rules"]}
    for p in dash["panels"]:
        for t in p.get("targets", []):
            exprs[f"panel '{p['title']}' {t['refId']}"] = t["expr"]
    bad = []
    for where, expr in exprs.items():
        for name in set(re.findall(r"\briskmonitor_[a-z0-9_]+", expr)):
            stem = re.sub(r"_(bucket|sum|count)$", "", name)
            if name not in known and stem not in known:
                bad.append(f"{where}: {name}")
    if bad:
        for b in bad:
            fail("rules", f"metric not exported by any service: {b}")
    else:
        ok("rules", f"{len(exprs)} rule and dashboard queries name only metrics the services export "
                    f"({len(known)} metric names found in services/ and shared/)")
    # The dashboard's PromQL parses: each query as a recording rule, through promtool.
    dash_rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:q{i}", "expr": expr.replace("$__rate_interval", "5m").replace("$namespace", ".*")}
        for i, (where, expr) in enumerate(sorted(exprs.items())) if where.startswith("panel")]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump(dash_rules, f)
    p = subprocess.run([promtool, "check", "rules", f.name], capture_output=True, text=True)
    os.unlink(f.name)
    if p.returncode != 0:
        fail("rules", f"dashboard queries do not parse: {(p.stdout + p.stderr).strip()[:600]}")
    else:
        ok("rules", f"{len(dash_rules['groups'][0]['rules'])} dashboard queries parse (promtool)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--crd-dir", action="append", default=[])
    ap.add_argument("--crd-skip", default="")
    ap.add_argument("--namespace", default="riskmonitor")
    ap.add_argument("--promtool", default=shutil.which("promtool") or "promtool")
    ap.add_argument("rendered", nargs="+", help="OVERLAY=FILE")
    args = ap.parse_args()
    root = pathlib.Path(args.root)
    crds = crd_schemas(args.crd_dir) if args.crd_dir else {}
    if crds:
        print(f"CRD schemas: {', '.join(sorted(f'{k[1]} ({k[0]})' for k in crds if k[1] in ('ScaledObject', 'ServiceMonitor', 'PrometheusRule')))}")
    serve_cache = {}
    for item in args.rendered:
        name, path = item.split("=", 1)
        print(f"== overlay {name} ({path})")
        o = Overlay(name, load_docs(path), args)
        o.check_schemas(crds, args.crd_skip)
        o.check_namespaces(args.namespace)
        o.check_pod_security()
        facts, topics = o.check_services(serve_cache)
        run_serve_jobs(o)
        o.check_scaling(facts, topics)
        o.check_connector(topics)
        o.check_prometheus_rule(root)
        if o.external_secrets:
            by_name = collections.defaultdict(list)
            for s, k in sorted(o.external_secrets):
                by_name[s].append(k)
            note(f"{name}: Secrets the cluster must provide (dummy values used here): "
                 + "; ".join(f"{s} [{', '.join(ks)}]" for s, ks in by_name.items()))
    print("== metrics and queries")
    check_metric_names(root, args.promtool)
    print(f"== check.py: {RESULTS['ok']} ok, {RESULTS['fail']} failed, {RESULTS['warn']} warnings, "
          f"{RESULTS['skip']} skipped")
    for w in WARNINGS:
        print(f"   WARNING {w}")
    for f in FAILURES:
        print(f"   FAILED {f}")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
