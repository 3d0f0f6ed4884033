#!/usr/bin/env python3
"""Static checks of deploy/monitoring (the pods-as-processes test evaluates it on a live run):
promtool accepts the scrape config and the rules; the PrometheusRule holds exactly rules.yml's
groups; every alert has a summary and a runbook; the dashboards are what generate.py writes, each
with a stable uid, a Prometheus data-source variable and namespace/run variables, every query
filtered by them and using the variable data source, and one known unit per panel."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import k8s_manifests as km  # noqa: E402

UNITS = {"ops", "reqps", "s", "lengthm", "percentunit", "bytes", "short"}
RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok or not detail else ': ' + detail}")


def main():
    root = km.repo_root()
    mon = os.path.join(root, "deploy", "monitoring")
    with tempfile.TemporaryDirectory() as tmp:
        # promtool resolves rule_files relative to the config; copy both so symlinks do not matter
        for f in ("prometheus.yml", "rules.yml"):
            shutil.copy(os.path.join(mon, f), tmp)
        done = subprocess.run(["promtool", "check", "config", os.path.join(tmp, "prometheus.yml")],
                              capture_output=True, text=True)
        check("promtool check config deploy/monitoring/prometheus.yml", done.returncode == 0, done.stdout + done.stderr)
        done = subprocess.run(["promtool", "check", "rules", os.path.join(tmp, "rules.yml")], capture_output=True, text=True)
        check("promtool check rules deploy/monitoring/rules.yml", done.returncode == 0, done.stdout + done.stderr)
    rules = yaml.safe_load(open(os.path.join(mon, "rules.yml")))["groups"]
    crd = yaml.safe_load(open(os.path.join(mon, "prometheus-rule.yaml")))
    check("prometheus-rule.yaml holds exactly rules.yml's groups", crd["kind"] == "PrometheusRule" and
          crd["spec"]["groups"] == rules)
    alerts = [r for g in rules for r in g["rules"] if "alert" in r]
    wanted = {"MimicTargetDown", "MimicLearnerStalled", "MimicNoEnvSteps", "MimicReplayStarved", "MimicReplayBlocked",
              "MimicPolicyLagHigh", "MimicEvaluatorErrorRising", "MimicJobsFailing"}
    check(f"the alerts cover target down, learner stalled, no env steps, replay starved and blocked, policy lag, "
          f"evaluator error rising, jobs failing ({len(alerts)} alerts)", wanted <= {a["alert"] for a in alerts},
          str(wanted - {a["alert"] for a in alerts}))
    missing = [a["alert"] for a in alerts if not a.get("annotations", {}).get("runbook")
               or not a["annotations"].get("summary")]
    check("every alert has a summary and a runbook line", not missing, str(missing))
    pm = yaml.safe_load(open(os.path.join(mon, "pod-monitor.yaml")))
    relabeled = {r.get("targetLabel") for e in pm["spec"]["podMetricsEndpoints"] for r in e.get("relabelings", [])}
    check("the PodMonitor scrapes the metrics port and sets job, namespace, component and run",
          pm["kind"] == "PodMonitor" and all(e["port"] == "metrics" for e in pm["spec"]["podMetricsEndpoints"]) and
          {"job", "namespace", "component", "run"} <= relabeled)

    gen_path = os.path.join(mon, "grafana", "generate.py")
    spec = importlib.util.spec_from_file_location("generate", gen_path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    wanted_files = gen.render_all()
    board_dir = os.path.join(mon, "grafana", "dashboards")
    present = sorted(os.listdir(board_dir))
    check("the dashboards are training, learner, replay, services and jobs",
          present == sorted(["training.json", "learner.json", "replay.json", "services.json", "jobs.json"]), str(present))
    stale = [n for n, text in wanted_files.items() if open(os.path.join(board_dir, n)).read() != text]
    check("the committed dashboards are what generate.py writes", not stale, f"rerun generate.py: {stale}")
    uids = set()
    for name in present:
        board = json.load(open(os.path.join(board_dir, name)))
        problems = []
        uids.add(board.get("uid"))
        if board.get("uid") != "mimic-" + name[:-5]:
            problems.append(f"uid {board.get('uid')}")
        variables = {v["name"]: v for v in board["templating"]["list"]}
        if variables.get("datasource", {}).get("type") != "datasource" or \
                variables["datasource"].get("query") != "prometheus":
            problems.append("no Prometheus data-source variable")
        for v in ("namespace", "run"):
            if variables.get(v, {}).get("type") != "query":
                problems.append(f"no {v} variable")
        for p in board["panels"]:
            unit = p["fieldConfig"]["defaults"].get("unit")
            if unit not in UNITS:
                problems.append(f"panel {p['title']}: unit {unit}")
            if p["datasource"] != {"type": "prometheus", "uid": "${datasource}"}:
                problems.append(f"panel {p['title']}: fixed data source")
            for t in p["targets"]:
                if 'namespace="$namespace"' not in t["expr"] or 'run="$run"' not in t["expr"]:
                    problems.append(f"panel {p['title']} {t['refId']}: not filtered by $namespace and $run")
                if t.get("datasource", {}).get("uid") != "${datasource}":
                    problems.append(f"panel {p['title']} {t['refId']}: fixed data source")
        check(f"{name}: stable uid, data-source, namespace and run variables, known units ({len(board['panels'])} panels)",
              not problems, "; ".join(problems))
    check("dashboard uids are distinct", len(uids) == len(present))
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
