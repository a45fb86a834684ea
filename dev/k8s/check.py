#!/usr/bin/env python3
"""Checks the rendered Kubernetes manifests (called by dev/test-k8s.sh).

usage: check.py ROOT BIN_DIR CRD_DIR... -- RENDERED.yaml...

1. every object validates against the Kubernetes 1.33 schemas (kubernetes-validate, strict);
   custom resources (KEDA ScaledObject, ServiceMonitor, PrometheusRule) against their published
   CRD schemas (openAPIV3Schema);
2. every Deployment runs a service whose settings (the ConfigMap's TOML, with dummy secrets in
   the environment) load: the binary's --print-config rejects unknown keys and bad values;
3. every probe points at the port the service binds in that TOML, liveness at /healthz and
   readiness at /readyz, and the binary, started with that TOML, serves both paths there;
4. the PrometheusRule carries exactly the groups of k8s/observability/alert-rules.yml.
"""
import http.client
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import tomllib

import jsonschema
import kubernetes_validate
import yaml

FAILURES = []


class CrdLoader(yaml.SafeLoader):
    """PyYAML reads a bare `=` as the obsolete value tag; in the CRDs it is just a string."""


CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def fail(msg):
    FAILURES.append(msg)
    print(f"FAIL {msg}")


def ok(msg):
    print(f"ok   {msg}")


def crd_schemas(dirs):
    schemas = {}
    for d in dirs:
        for path in pathlib.Path(d).glob("*.yaml"):
            for doc in yaml.load_all(path.read_text(), Loader=CrdLoader):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                for v in spec["versions"]:
                    schemas[(f"{spec['group']}/{v['name']}", spec["names"]["kind"])] = v["schema"]["openAPIV3Schema"]
    return schemas


def validate(objs, schemas, source):
    for o in objs:
        kind, api, name = o["kind"], o["apiVersion"], o["metadata"]["name"]
        if (api, kind) in schemas:
            errors = list(jsonschema.Draft7Validator(schemas[(api, kind)]).iter_errors(o))
            if errors:
                fail(f"{source}: {kind}/{name}: {errors[0].message} at {list(errors[0].absolute_path)}")
            else:
                ok(f"{source}: {kind}/{name} valid against its CRD schema")
            continue
        try:
            kubernetes_validate.validate(o, "1.33.0", strict=True)
            ok(f"{source}: {kind}/{name} valid (Kubernetes 1.33)")
        except kubernetes_validate.SchemaNotFoundError:
            fail(f"{source}: {kind}/{name}: no schema for {api} {kind}")
        except kubernetes_validate.ValidationError as e:
            fail(f"{source}: {kind}/{name}: {e}")


DUMMY_SECRETS = {
    "RISKMONITOR_DATABASE__URL": "mysql://u:p@127.0.0.1:1/riskmonitor",
    "RISKMONITOR_LLM__API_KEY": "sk-dummy",
    "RISKMONITOR_WEBHOOK__SECRETS": '["whsec_c2VjcmV0"]',
    "RISKMONITOR_AUTH__TOKENS": '[{name="t",sha256="' + "0" * 64 + '",roles=["viewer"]}]',
}


def bound_port(settings):
    for section in ("admin", "http"):
        bind = settings.get(section, {}).get("bind")
        if bind:
            return int(bind.rsplit(":", 1)[1])
    return None


def get(port, path, timeout=1.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def serves(binary, config_text, port, paths, env):
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(config_text)
        path = f.name
    proc = subprocess.Popen([binary, "--config", path], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        while True:
            try:
                # /readyz waits for its dependency checks (a few seconds at most): a longer timeout.
                return {p: get(port, p, timeout=1.0 if p == "/healthz" else 8.0) for p in paths}
            except OSError:
                if proc.poll() is not None:
                    return {"exited": proc.stderr.read().decode(errors="replace")[-400:]}
                if time.time() > deadline:
                    return {"timeout": "no answer on the port"}
                time.sleep(0.2)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.unlink(path)


def check_deployments(objs, bin_dir, source, start_binaries):
    config = next((o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("riskmonitor-config")), None)
    if config is None:
        return fail(f"{source}: no riskmonitor-config ConfigMap")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("RISKMONITOR_")}
    env = {**base_env, **DUMMY_SECRETS}
    for d in (o for o in objs if o["kind"] == "Deployment"):
        c = d["spec"]["template"]["spec"]["containers"][0]
        service = c["args"][0]
        toml_name = pathlib.Path(c["args"][c["args"].index("--config") + 1]).name
        text = config["data"].get(toml_name)
        if text is None:
            fail(f"{source}: {service}: ConfigMap lacks {toml_name}")
            continue
        binary = os.path.join(bin_dir, service)
        r = subprocess.run([binary, "--config", "/dev/stdin", "--print-config"], input=text, text=True,
                           capture_output=True, env=env)
        if r.returncode != 0:
            fail(f"{source}: {service}: its settings do not load: {r.stderr.strip()}")
        else:
            ok(f"{source}: {service}: every key of {toml_name} is a setting of the service")
        port = bound_port(tomllib.loads(text))
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
            g = c.get(probe, {}).get("httpGet")
            if not g:
                fail(f"{source}: {service}: no {probe}")
                continue
            p = ports.get(g["port"], g["port"])
            if p != port:
                fail(f"{source}: {service}: {probe} port {g['port']} ({p}) is not the bound port {port}")
            elif g["path"] != path:
                fail(f"{source}: {service}: {probe} path {g['path']}, expected {path}")
            else:
                ok(f"{source}: {service}: {probe} -> :{p}{g['path']}")
        if start_binaries:
            answers = serves(binary, text, port, ["/healthz", "/readyz"], env)
            good = answers.get("/healthz") == 200 and answers.get("/readyz") in (200, 503)
            (ok if good else fail)(f"{source}: {service} started with its ConfigMap answers on :{port}: {answers}")


def check_rules(objs, root, source):
    rule = next((o for o in objs if o["kind"] == "PrometheusRule"), None)
    expected = yaml.safe_load((root / "k8s/observability/alert-rules.yml").read_text())["groups"]
    if rule is None:
        return fail(f"{source}: no PrometheusRule")
    if rule["spec"]["groups"] != expected:
        return fail(f"{source}: the PrometheusRule differs from k8s/observability/alert-rules.yml")
    ok(f"{source}: PrometheusRule = alert-rules.yml ({sum(len(g['rules']) for g in expected)} rules)")


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    root, bin_dir, crd_dirs, rendered = pathlib.Path(args[0]), args[1], args[2:sep], args[sep + 1:]
    schemas = crd_schemas(crd_dirs)
    for kind in ("ScaledObject", "ServiceMonitor", "PrometheusRule"):
        if not any(k == kind for (_, k) in schemas):
            fail(f"no CRD schema found for {kind} in {crd_dirs}")
    for i, path in enumerate(rendered):
        objs = [o for o in yaml.safe_load_all(open(path)) if o]
        source = pathlib.Path(path).stem
        validate(objs, schemas, source)
        check_deployments(objs, bin_dir, source, start_binaries=(i == 0))
        check_rules(objs, root, source)
    print(f"\n{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
