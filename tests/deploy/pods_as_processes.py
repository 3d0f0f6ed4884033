#!/usr/bin/env python3
"""Pods as processes: renders deploy/k8s/overlays/dev and runs every workload's containers as
local processes (tests/deploy/pod_runner.py): the STAC job fills the clips volume, replay, the
learner, two actors, the evaluator and the two job services start from their manifests' commands,
arguments, environment and volumes. Checks, in order:

  1. the job completes; every declared probe passes (gRPC health via `mimic health`, HTTP GETs);
  2. learning starts: the learner counts updates, replay counts both actors as writers, the
     evaluator writes its results to its own volume;
  3. the job services serve over TLS with the operator's Secrets: analysis answers with the token
     and refuses without it; a STAC job submitted to preprocess runs (and fails on a corrupt file);
  4. a real Prometheus (Debian's) scrapes the run with deploy/monitoring/prometheus.yml's relabeling
     and rules; every rule is healthy, every alert expression evaluates, and every dashboard
     panel's queries return data;
  5. SIGTERM stops everything cleanly (exit 0; the learner and replay write final checkpoints);
  6. broken manifests fail: a missing file, an undeclared port, a wrong flag, an unmounted volume.

Run by `./mimic test` through Bazel (tests/deploy:pods_as_processes_test); by hand:
  /usr/bin/python3 tests/deploy/pods_as_processes.py --binary bazel-bin/cli/mimic [--keep DIR]"""

import argparse
import copy
import json
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import k8s_manifests as km  # noqa: E402
import pod_runner as pr  # noqa: E402
import promql_lint  # noqa: E402

RESULTS = []


def check(name, condition, detail=""):
    RESULTS.append((name, bool(condition)))
    print(f"{'ok  ' if condition else 'FAIL'} {name}{'' if condition or not detail else ': ' + detail}", flush=True)
    return bool(condition)


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def metric_value(text, name, labels=""):
    """The value of the sample `name{labels}` (labels as printed, e.g. '{table="q"}'), or None."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        if series == name + labels:
            return float(value)
    return None


def operator_secrets(root):
    """What the operator puts in the Secrets the manifests read (deploy/k8s/base/services.yaml)."""
    testdata = os.path.join(root, "analysis", "testdata")
    cert = open(os.path.join(testdata, "tls_test_cert.pem")).read()
    key = open(os.path.join(testdata, "tls_test_key.pem")).read()
    return {"mimic-tls": {"tls.crt": cert, "tls.key": key},
            "mimic-api-token": {"token": secrets.token_hex(16)},
            "mimic-training-token": {"token": secrets.token_hex(16)}}


# --- Prometheus --------------------------------------------------------------------------------

def scrape_config_for(cluster, monitoring_dir, tmp):
    """deploy/monitoring/prometheus.yml with each DNS name replaced by the pods it would resolve
    to (their mapped metrics ports); the relabeling and rules stay as committed."""
    import yaml
    config = yaml.safe_load(open(os.path.join(monitoring_dir, "prometheus.yml")))
    config["global"]["scrape_interval"] = "1s"
    config["global"]["evaluation_interval"] = "1s"
    config["rule_files"] = [os.path.join(monitoring_dir, f) for f in config["rule_files"]]
    for job in config["scrape_configs"]:
        static = []
        for sd in job.pop("dns_sd_configs", []):
            for name in sd["names"]:
                service = name.split(".")[0]
                svc = cluster.services.get(service)
                if svc is None:
                    raise pr.PodError(f"prometheus.yml looks up {name}, but there is no Service {service}")
                pods = [p for p in cluster.selected
                        if all(p.labels.get(k) == v for k, v in svc["spec"]["selector"].items())]
                if not pods:
                    raise pr.PodError(f"prometheus.yml looks up {name}; Service {service} selects no running pod")
                targets = []
                for p in pods:
                    if sd["port"] not in p.ports:
                        raise pr.PodError(f"prometheus.yml scrapes {name}:{sd['port']}; pod {p.name} has no such port")
                    targets.append(f"127.0.0.1:{p.ports[sd['port']]}")
                static.append({"targets": targets, "labels": {"__meta_dns_name": name}})
        job["static_configs"] = static
    path = os.path.join(tmp, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(config, f)
    return path


class Prometheus:
    def __init__(self, config, tmp):
        self.port = pr.free_port()
        self.log = os.path.join(tmp, "prometheus.log")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={os.path.join(tmp, 'tsdb')}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=open(self.log, "w"), stderr=subprocess.STDOUT, start_new_session=True)

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return json.loads(e.read())
        except OSError as e:
            return {"status": "error", "error": str(e)}

    def query(self, expr):
        return self.api("query", query=expr)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


def dashboard_queries(dashboard_dir, namespace, run):
    for name in sorted(os.listdir(dashboard_dir)):
        board = json.load(open(os.path.join(dashboard_dir, name)))
        for p in board["panels"]:
            for t in p["targets"]:
                expr = (t["expr"].replace("$__rate_interval", "15s").replace("$namespace", namespace)
                        .replace("$run", run))
                yield f"{name} / {p['title']} / {t['refId']}", expr


def finite_values(result):
    values = []
    for series in result.get("data", {}).get("result", []):
        v = float(series["value"][1])
        if math.isfinite(v):
            values.append(v)
    return values


# --- the run -----------------------------------------------------------------------------------

def run_dev(args, root, tmp):
    docs = km.render("dev")
    cluster = pr.Cluster(docs, args.binary, root, os.path.join(root, "deploy/docker/Dockerfile"), tmp,
                         operator_secrets(root))
    token = cluster.secrets["mimic-api-token"]["token"]
    ca = os.path.join(root, "analysis", "testdata", "tls_test_cert.pem")
    prometheus = None
    try:
        cluster.plan()
        check("every pod of the dev overlay is planned (volumes, ports, Secrets, paths resolve)", True)
        cluster.start()
        jobs = cluster.wait_for_jobs(600)
        check(f"the job completes ({', '.join(jobs)})", True)
        clips = os.path.join(tmp, "claims", "mimic-clips", "clips.h5")
        check("the STAC job wrote the clips onto the shared clips volume", os.path.getsize(clips) > 0)
        passed = cluster.wait_for_probes(300)
        check(f"every declared probe passes ({len(passed)} probes)", True)

        learner = next(p for p in cluster.selected if p.workload["metadata"]["name"] == "mimic-learner")
        shards = [p for p in cluster.selected if p.workload["metadata"]["name"] == "mimic-replay"]
        evaluator = next(p for p in cluster.selected if p.workload["metadata"]["name"] == "mimic-evaluator")
        actors = [p for p in cluster.selected if p.workload["metadata"]["name"] == "mimic-actor"]

        def updates():
            try:
                return metric_value(metrics(learner.host_port("metrics")), "mimic_learner_updates_total") or 0
            except OSError:
                return 0
        cluster.wait("the learner to make 10 updates", lambda: updates() >= 10, 300)
        check(f"learning starts: the learner counted {updates():.0f} updates", updates() >= 10)
        # actor i writes to shard i mod shards; each shard sizes its queue for its own writers
        for i, shard in enumerate(shards):
            page = metrics(shard.host_port("metrics"))
            writers = metric_value(page, "mimic_replay_writers")
            mine = len([a for a in actors if int(a.name.rsplit("-", 1)[1]) % len(shards) == i])
            check(f"{shard.name} counts its actors as writers ({writers:.0f} of {mine})", writers == mine)
            capacity = metric_value(page, "mimic_replay_capacity_items", '{table="on_policy"}')
            check(f"{shard.name} sized its queue for them (capacity {capacity:.0f})", capacity == max(4 * 4, 2 * 4 * mine))
        learner_page = metrics(learner.host_port("metrics"))
        # one counter per shard address the learner was given (here: the shards' mapped ports)
        per_shard = {shard.name: metric_value(learner_page, "mimic_learner_replay_batches_total",
                                              f'{{shard="127.0.0.1:{shard.host_port("grpc")}"}}') for shard in shards}
        check(f"the learner samples from every shard (batches {per_shard})", all(b and b > 0 for b in per_shard.values()))
        # replay requires the training pods' token (they all carry it from the Secret)
        training_token = cluster.secrets["mimic-training-token"]["token"]
        shard_address = f"localhost:{shards[0].host_port('grpc')}"
        info = subprocess.run([args.binary, "replay-info", "--server", shard_address], capture_output=True, text=True,
                              timeout=60, env={"PATH": os.environ["PATH"], "MIMIC_TOKEN": training_token})
        check("replay answers a caller with the training token", info.returncode == 0, info.stderr[-300:])
        anonymous = subprocess.run([args.binary, "replay-info", "--server", shard_address], capture_output=True,
                                   text=True, timeout=60, env={"PATH": os.environ["PATH"]})
        check("replay refuses a caller without it", anonymous.returncode != 0 and "UNAUTHENTICATED" in anonymous.stderr,
              anonymous.stderr[-300:])
        results = os.path.join(tmp, "claims", "mimic-evaluator-results", "eval.csv")
        cluster.wait("the evaluator's first evaluation",
                     lambda: os.path.exists(results) and len(open(results).readlines()) >= 2, 180)
        check("the evaluator writes its results to its own volume", True)
        for a in actors:
            steps = metric_value(metrics(a.host_port("metrics")), "mimic_actor_env_steps_total")
            check(f"{a.name} steps environments ({steps:.0f} steps)", steps and steps > 0)

        # a real Prometheus scrapes the run with the committed relabeling and rules
        monitoring = os.path.join(root, "deploy", "monitoring")
        config = scrape_config_for(cluster, monitoring, tmp)
        lint = subprocess.run(["promtool", "check", "config", config], capture_output=True, text=True)
        check("promtool accepts the scrape config of this run", lint.returncode == 0, lint.stdout + lint.stderr)
        prometheus = Prometheus(config, tmp)
        namespace, run = cluster.namespace, "mimic"

        def all_up():
            r = prometheus.query('up{job="mimic"}')
            return len(finite_values(r)) >= 7 and min(finite_values(r)) == 1
        cluster.wait("Prometheus to scrape every target", all_up, 120)
        types, series = {}, set()
        for p in cluster.selected:
            port = p.annotations.get("prometheus.io/port")
            if port:
                text = metrics(p.ports[int(port)])
                types.update(promql_lint.parse_types(text))
                series |= {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and line[0] != "#"}
                lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
                check(f"{p.name}'s /metrics passes promtool check metrics", lint.returncode == 0 and
                      not lint.stdout.strip() and not lint.stderr.strip(), (lint.stdout + lint.stderr)[:400])
        import yaml
        rule_exprs = [(r.get("alert") or r.get("record"), r["expr"]) for g in
                      yaml.safe_load(open(os.path.join(monitoring, "rules.yml")))["groups"] for r in g["rules"]]
        panel_exprs = list(dashboard_queries(os.path.join(monitoring, "grafana", "dashboards"), "x", "y"))
        problems = [(n, p) for n, e in rule_exprs + panel_exprs for p in promql_lint.lint(e, types, series)]
        for n, p in problems:
            print(f"       {n}: {p}")
        check(f"every rule and panel names exported metrics, counters only in rate/increase, gauges never "
              f"({len(rule_exprs) + len(panel_exprs)} expressions)", not problems)
        # the job services, over TLS with the operator's token
        analysis = next(p for p in cluster.selected if p.workload["metadata"]["name"] == "mimic-analysis")
        preprocess = next(p for p in cluster.selected if p.workload["metadata"]["name"] == "mimic-preprocess")
        jobs_cmd = [args.binary, "jobs"]
        listed = subprocess.run(jobs_cmd + ["list", "--server", f"localhost:{analysis.host_port('grpc')}",
                                            "--ca", ca], capture_output=True, text=True, timeout=60,
                                env={"PATH": os.environ["PATH"], "MIMIC_TOKEN": token})
        check("analysis answers over TLS with the Secret's token", listed.returncode == 0, listed.stderr[-300:])
        refused = subprocess.run(jobs_cmd + ["list", "--server", f"localhost:{analysis.host_port('grpc')}", "--ca", ca],
                                 capture_output=True, text=True, timeout=60, env={"PATH": os.environ["PATH"]})
        check("analysis refuses a call without the token", refused.returncode != 0 and
              "UNAUTHENTICATED" in refused.stderr, refused.stderr[-300:])
        data_root = os.path.join(tmp, "claims", "mimic-data")
        # a user's upload: a keypoints file that is not what its name says
        with open(os.path.join(data_root, "corrupt.mat"), "w") as f:
            f.write("not a MATLAB file\n")
        submitted = subprocess.run(jobs_cmd + ["stac", "--server", f"localhost:{preprocess.host_port('grpc')}", "--ca", ca,
                                               "--keypoints", "corrupt.mat", "--out", "clips.h5", "--wait"],
                                   capture_output=True, text=True, timeout=120,
                                   env={"PATH": os.environ["PATH"], "MIMIC_TOKEN": token})
        check("preprocess runs a submitted STAC job over TLS with its seeded data root (it fails on the corrupt file)",
              "corrupt.mat" in submitted.stdout + submitted.stderr and "FAILED" in (submitted.stdout + submitted.stderr).upper()
              and "does not exist" not in submitted.stdout + submitted.stderr,
              (submitted.stdout + submitted.stderr)[-300:])

        labels = prometheus.query('count by (namespace, run, component) (up{job="mimic"})')
        comps = {s["metric"].get("component") for s in labels["data"]["result"]}
        check(f"targets carry namespace, run and component labels ({', '.join(sorted(comps))})",
              comps == {"replay", "learner", "actor", "evaluator", "analysis", "preprocess"} and
              all(s["metric"].get("namespace") == namespace and s["metric"].get("run") == run
                  for s in labels["data"]["result"]))
        # rate windows of 15 s need a few scrapes; the evaluator needs an evaluation in this window
        queries = list(dashboard_queries(os.path.join(monitoring, "grafana", "dashboards"), namespace, run))
        deadline = time.time() + 120
        while True:
            empty = [(n, e) for n, e in queries if not finite_values(prometheus.query(e))]
            if not empty or time.time() > deadline:
                break
            for p in cluster.selected:
                p.check_alive()
            time.sleep(2)
        for n, e in empty:
            print(f"       no data: {n}: {e}")
        check(f"every dashboard panel's queries return data ({len(queries) - len(empty)} of {len(queries)})", not empty)
        rules = prometheus.api("rules")
        groups = rules["data"]["groups"]
        unhealthy = [(r["name"], r.get("lastError")) for g in groups for r in g["rules"] if r.get("health") != "ok"]
        count = sum(len(g["rules"]) for g in groups)
        check(f"Prometheus evaluates every recording and alert rule without error ({count} rules)",
              count > 0 and not unhealthy, str(unhealthy))
        bad = []
        for g in groups:
            for r in g["rules"]:
                if r["type"] == "alerting":
                    answer = prometheus.query(r["query"])
                    if answer.get("status") != "success":
                        bad.append((r["name"], answer.get("error")))
        check("every alert expression evaluates through the HTTP API", not bad, str(bad))
        firing = [a["labels"]["alertname"] for a in prometheus.api("alerts")["data"]["alerts"]
                  if a["state"] == "firing" and a["labels"]["alertname"] != "MimicJobsFailing"]
        check("no alert but the planted failed job fires on a healthy run", not firing, str(firing))
        jobs_alert = prometheus.query(next(r["query"] for g in groups for r in g["rules"] if r["name"] == "MimicJobsFailing"))
        check("the jobs-failing alert expression sees the failed STAC job", finite_values(jobs_alert) != [],
              json.dumps(jobs_alert)[:300])

        # a clean stop, in the order a rollout would: actors and evaluator, learner, replay
        codes = cluster.stop([["mimic-actor", "mimic-evaluator"], ["mimic-learner"], ["mimic-replay"]])
        nonzero = {k: v for k, v in codes.items() if v != 0}
        check(f"SIGTERM stops every process with exit 0 ({len(codes)} processes)", not nonzero, str(nonzero))
        learner_log = open(os.path.join(cluster.logs, f"{learner.name}.learner.log")).read()
        replay_logs = [open(os.path.join(cluster.logs, f"{r.name}.replay.log")).read() for r in shards]
        check("the learner wrote a final checkpoint onto its volume", "stopped at update" in learner_log and
              any(f.endswith(".pt") for f in os.listdir(os.path.join(tmp, "claims", "mimic-learner-checkpoints", "checkpoints"))))
        check("every replay shard wrote a final checkpoint onto its volume",
              all("final checkpoint" in log for log in replay_logs))
    except (pr.PodError, km.DeployError) as e:
        check("the dev overlay runs as processes", False, str(e))
        for path in sorted(os.listdir(cluster.logs)):
            print(f"--- {path}\n{pr.tail(os.path.join(cluster.logs, path), 12)}")
    finally:
        if prometheus:
            prometheus.stop()
        cluster.kill_all()


# --- broken manifests must fail ------------------------------------------------------------------

def container(docs, workload, name):
    w = next(d for d in docs if d["kind"] in km.WORKLOAD_KINDS and d["metadata"]["name"] == workload)
    return w, next(c for c in w["spec"]["template"]["spec"]["containers"] if c["name"] == name)


def breakages():
    """(what is broken, how to break the rendered dev overlay, which workloads to start)."""
    def missing_file(docs):
        _, c = container(docs, "mimic-replay", "replay")
        c["args"][c["args"].index("/config/train.pbtxt")] = "/config/missing.pbtxt"

    def wrong_port(docs):
        cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "mimic-endpoints")
        cm["data"]["replay_shards"] = cm["data"]["replay_shards"].replace(":9100", ":9102")

    def wrong_flag(docs):
        _, c = container(docs, "mimic-replay", "replay")
        c["args"][c["args"].index("--checkpoint_dir")] = "--checkpoint-dir"

    def unmounted_volume(docs):
        _, c = container(docs, "mimic-replay", "replay")
        c["volumeMounts"] = [m for m in c["volumeMounts"] if m["name"] != "state"]

    def wrong_probe_port(docs):
        _, c = container(docs, "mimic-replay", "replay")
        c["readinessProbe"]["grpc"]["port"] = 9101  # the metrics port: HTTP, not gRPC health

    return [("a manifest pointing at a missing file", missing_file, ["mimic-replay"]),
            ("an address with a port nothing declares", wrong_port, None),
            ("a wrong flag", wrong_flag, ["mimic-replay"]),
            ("an unmounted volume", unmounted_volume, ["mimic-replay"]),
            ("a probe on the wrong port", wrong_probe_port, ["mimic-replay"])]


def run_breakages(args, root, tmp):
    base = km.render("dev")
    for i, (what, breaker, only) in enumerate(breakages()):
        docs = copy.deepcopy(base)
        breaker(docs)
        sub = os.path.join(tmp, f"broken-{i}")
        os.makedirs(sub)
        cluster = pr.Cluster(docs, args.binary, root, os.path.join(root, "deploy/docker/Dockerfile"), sub,
                             operator_secrets(root))
        started = time.time()
        try:
            cluster.plan(only)
            cluster.start()
            cluster.wait_for_probes(30)
            failure = None
        except (pr.PodError, km.DeployError) as e:
            failure = str(e)
        finally:
            cluster.kill_all()
        check(f"{what} fails the run ({time.time() - started:.0f} s)", failure is not None,
              "the broken manifest ran")
        if failure:
            print(f"       {failure.splitlines()[0][:200]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="cli/mimic", help="the built mimic binary (the image's stand-in)")
    parser.add_argument("--keep", help="keep the run's files (volumes, logs) in this directory")
    parser.add_argument("--skip_breakages", action="store_true")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    root = km.repo_root()
    tmp = args.keep or tempfile.mkdtemp(prefix="pods-")
    os.makedirs(tmp, exist_ok=True)
    try:
        os.makedirs(os.path.join(tmp, "dev"), exist_ok=True)
        run_dev(args, root, os.path.join(tmp, "dev"))
        if not args.skip_breakages:
            run_breakages(args, root, os.path.join(tmp, "broken"))
    finally:
        logs = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR")
        if logs and os.path.isdir(os.path.join(tmp, "dev", "logs")):
            shutil.copytree(os.path.join(tmp, "dev", "logs"), os.path.join(logs, "pod-logs"), dirs_exist_ok=True)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    failed = [n for n, ok in RESULTS if not ok]
    print(f"{len(RESULTS) - len(failed)} of {len(RESULTS)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
