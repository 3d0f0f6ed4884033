#!/usr/bin/env python3
"""Writes the MIMIC Grafana dashboards (dashboards/*.json) from the panel lists below: edit here,
run `python3 deploy/monitoring/grafana/generate.py`, commit both. tests/deploy checks that the
JSON matches this file, that every query names metrics the processes export (counters only
inside rate/increase, gauges never), and evaluates every query against a real run.

Each dashboard has a stable uid, a Prometheus data-source variable and namespace/run variables
(labels set by deploy/monitoring/prometheus.yml or pod-monitor.yaml). Every panel plots one kind
of quantity in one unit: ops (per second), s, lengthm (Grafana shows mm), percentunit, bytes,
short (counts and plain numbers)."""

import json
import os

SEL = 'namespace="$namespace", run="$run"'
RATE = "$__rate_interval"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def q(expr, legend=""):
    return {"expr": expr, "legend": legend}


def panel(title, unit, queries, description, min_zero=True):
    return {"title": title, "unit": unit, "queries": queries, "description": description, "min_zero": min_zero}


DASHBOARDS = {
    "training": ("MIMIC: training", [
        panel("Env steps/s, all actors", "ops",
              [q(f"sum(rate(mimic_actor_env_steps_total{{{SEL}}}[{RATE}]))", "all actors")],
              "Environment steps per second over every actor of the run."),
        panel("Env steps/s by actor", "ops",
              [q(f"sum by (instance) (rate(mimic_actor_env_steps_total{{{SEL}}}[{RATE}]))", "{{instance}}")],
              "One line per actor pod: a flat one is stuck or blocked on replay."),
        panel("Episode length", "short",
              [q(f"sum(rate(mimic_actor_episode_length_steps_sum{{{SEL}}}[{RATE}])) / "
                 f"sum(rate(mimic_actor_episode_length_steps_count{{{SEL}}}[{RATE}]))", "training (noise on)"),
               q(f"max by (policy) (mimic_evaluator_episode_length_steps{{{SEL}}})", "evaluator, {{policy}}")],
              "Control steps (20 ms) per episode: training episodes start at sampled frames; the evaluator's "
              "start at each evaluation clip's first frame."),
        panel("Episode return", "short",
              [q(f"sum(rate(mimic_actor_episode_return_sum{{{SEL}}}[{RATE}])) / "
                 f"sum(rate(mimic_actor_episode_return_count{{{SEL}}}[{RATE}]))", "training")],
              "Undiscounted return of finished training episodes."),
        panel("Tracking error by body part", "lengthm",
              [q(f"max by (part) (mimic_evaluator_tracking_error_meters{{{SEL}}})", "{{part}}")],
              "The evaluator's mean distance to the reference (deterministic policy): centre of mass, tracked "
              "bodies, end effectors."),
        panel("Evaluator reward per step", "short",
              [q(f"max(mimic_evaluator_reward_per_step{{{SEL}}})", "deterministic")],
              "Imitation reward per step (maximum 5)."),
        panel("Keypoint error: model vs real rat", "lengthm",
              [q(f"max by (split, statistic) (mimic_evaluator_keypoint_error_meters{{{SEL}}})", "{{split}} {{statistic}}"),
               q(f"max by (split) (mimic_evaluator_keypoint_height_bias_meters{{{SEL}}})", "{{split}} height bias")],
              "The paper's measure of imitation (deterministic policy, whole clips from their first frame): mean and "
              "median distance between the model's keypoints and the real rat's, its horizontal part, and the mean "
              "height bias (model minus real; negative: the simulated rat sits low).", min_zero=False),
        panel("Reward terms per step", "short",
              [q(f"max by (term) (mimic_evaluator_reward_term_per_step{{{SEL}}})", "{{term}}")],
              "Each term of the task's reward per step over the training clips (deterministic policy; costs as "
              "positive amounts): which part of the imitation the policy earns, and which term has stopped moving."),
        panel("Policy lag in versions", "short",
              [q(f"max(mimic_learner_policy_lag_versions{{{SEL}}})", "versions")],
              "Parameter versions between the policy that acted and the one learning from it (last batch)."),
        panel("Policy lag in seconds", "s",
              [q(f"max(mimic_learner_policy_lag_versions{{{SEL}}}) / "
                 f"max(deriv(mimic_learner_parameter_version{{{SEL}}}[5m]))", "seconds")],
              "The same lag over the rate at which versions are published: how old the acting policy was."),
        panel("Clip sampling: share of env steps by clip", "percentunit",
              [q(f"sum by (clip) (rate(mimic_actor_clip_steps_total{{{SEL}}}[{RATE}])) / ignoring (clip) "
                 f"group_left sum(rate(mimic_actor_clip_steps_total{{{SEL}}}[{RATE}]))", "clip {{clip}}")],
              "How acting time is spread over the reference clips (the clip each unroll began on): the realised "
              "sampling distribution."),
        panel("Actor time in inference", "percentunit",
              [q(f"sum(rate(mimic_actor_inference_seconds_total{{{SEL}}}[{RATE}])) / "
                 f"(sum(rate(mimic_actor_inference_seconds_total{{{SEL}}}[{RATE}])) + "
                 f"sum(rate(mimic_actor_env_seconds_total{{{SEL}}}[{RATE}])))", "inference share")],
              "Share of the actors' loop spent in the policy's forward pass (the rest steps the physics)."),
        panel("Actor errors/s", "ops",
              [q(f"sum(rate(mimic_actor_insert_errors_total{{{SEL}}}[{RATE}]))", "unrolls refused by replay"),
               q(f"sum(rate(mimic_actor_parameter_fetch_errors_total{{{SEL}}}[{RATE}]))", "parameter fetches failed")],
              "Should stay at zero; parameter fetch errors while the learner restarts are expected."),
    ]),
    "learner": ("MIMIC: learner", [
        panel("Updates/s", "ops", [q(f"sum(rate(mimic_learner_updates_total{{{SEL}}}[{RATE}]))", "updates")],
              "Gradient updates per second."),
        panel("Unrolls learned/s", "ops", [q(f"sum(rate(mimic_learner_unrolls_total{{{SEL}}}[{RATE}]))", "unrolls")],
              "Unrolls consumed per second (x unroll length = env steps learned from)."),
        panel("Losses", "short",
              [q(f'max by (quantity) (mimic_learner_update_value{{{SEL}, quantity=~"loss|policy_loss|value_loss|critic_loss"}})',
                 "{{quantity}}")],
              "The last update's losses.", min_zero=False),
        panel("KL", "short",
              [q(f'max by (quantity) (mimic_learner_update_value{{{SEL}, quantity=~"kl_mean|kl_std|kl_estep|latent_kl"}})',
                 "{{quantity}}")],
              "KL of the policy to the old (target) policy, mean and std parts, and the latent's KL to its prior."),
        panel("Duals", "short",
              [q(f'max by (quantity) (mimic_learner_update_value{{{SEL}, quantity=~"temperature|alpha_mean|alpha_std"}})',
                 "{{quantity}}")],
              "Lagrange multipliers of the (V-)MPO constraints."),
        panel("Gradient norms", "short",
              [q(f'max by (quantity) (mimic_learner_update_value{{{SEL}, quantity=~".*grad_norm"}})', "{{quantity}}")],
              "Before clipping at 40."),
        panel("Update time", "s",
              [q(f"histogram_quantile(0.5, sum by (le) (rate(mimic_learner_update_seconds_bucket{{{SEL}}}[{RATE}])))", "p50"),
               q(f"histogram_quantile(0.99, sum by (le) (rate(mimic_learner_update_seconds_bucket{{{SEL}}}[{RATE}])))", "p99")],
              "Wall time per update, sample wait included."),
        panel("Time waiting for replay", "percentunit",
              [q(f"max(rate(mimic_learner_sample_wait_seconds_total{{{SEL}}}[{RATE}]))", "share of wall time")],
              "Near 1: starved (too few actors); near 0: the learner is the bottleneck."),
        panel("Batches/s by replay shard", "ops",
              [q(f"sum by (shard) (rate(mimic_learner_replay_batches_total{{{SEL}}}[{RATE}]))", "{{shard}}")],
              "Every shard should contribute; a flat one is unreachable or has no actors."),
        panel("Parameter version", "short",
              [q(f"max(mimic_learner_parameter_version{{{SEL}}})", "learner"),
               q(f"min(mimic_actor_policy_version{{{SEL}}})", "oldest actor")],
              "Newest published version and the oldest one an actor acts with."),
    ]),
    "replay": ("MIMIC: replay", [
        panel("Items by table", "short",
              [q(f"sum by (table) (mimic_replay_items{{{SEL}}})", "{{table}} items"),
               q(f"sum by (table) (mimic_replay_capacity_items{{{SEL}}})", "{{table}} capacity")],
              "All shards together; a queue's capacity follows the connected actors (max_size_per_writer)."),
        panel("Bytes by table", "bytes", [q(f"sum by (table) (mimic_replay_bytes{{{SEL}}})", "{{table}}")],
              "Serialized bytes held."),
        panel("Inserts and samples/s", "ops",
              [q(f"sum by (table) (rate(mimic_replay_inserts_total{{{SEL}}}[{RATE}]))", "{{table}} inserts"),
               q(f"sum by (table) (rate(mimic_replay_samples_total{{{SEL}}}[{RATE}]))", "{{table}} samples")],
              "Items per second, all shards."),
        panel("Rate limiter: time blocked", "percentunit",
              [q(f"sum(rate(mimic_replay_insert_blocked_seconds_total{{{SEL}}}[{RATE}])) / "
                 f"clamp_min(sum(mimic_replay_writers{{{SEL}}}), 1)", "inserts (per connected actor)"),
               q(f"max(rate(mimic_replay_sample_blocked_seconds_total{{{SEL}}}[{RATE}]))", "samples (worst shard)")],
              "Inserts blocked: the queue is full (learner-bound); samples blocked: it is empty (actor-bound)."),
        panel("Actors connected by shard", "short",
              [q(f"sum by (instance) (mimic_replay_writers{{{SEL}}})", "{{instance}}")],
              "Writers with an Insert stream open."),
        panel("Checkpoints in the last hour", "short",
              [q(f"sum by (instance) (increase(mimic_replay_checkpoints_total{{{SEL}}}[1h]))", "{{instance}}")],
              "Replay checkpoints written per shard."),
    ]),
    "services": ("MIMIC: services", [
        panel("gRPC calls/s by method and code", "reqps",
              [q(f'sum by (component, method, code) (rate({{__name__=~"mimic_.+_grpc_calls_total", {SEL}}}[{RATE}]))',
                 "{{component}} {{method}} {{code}}")],
              "Finished calls of every service (replay, learner, preprocess, analysis)."),
        panel("gRPC p99 latency by method", "s",
              [q(f'histogram_quantile(0.99, sum by (component, method, le) '
                 f'(rate({{__name__=~"mimic_.+_grpc_call_seconds_bucket", {SEL}}}[{RATE}])))', "{{component}} {{method}}")],
              "Streams (Insert, SampleFlow) last as long as the stream."),
        panel("gRPC errors/s by method and code", "reqps",
              [q(f'sum by (component, method, code) (rate({{__name__=~"mimic_.+_grpc_calls_total", code!="OK", {SEL}}}[{RATE}]))',
                 "{{component}} {{method}} {{code}}")],
              "UNAUTHENTICATED: a client without the token; UNAVAILABLE/CANCELLED: restarts and shutdowns."),
        panel("Targets up", "short",
              [q(f'sum by (component) (up{{job="mimic", {SEL}}})', "{{component}}")],
              "Scraped pods per component."),
    ]),
    "jobs": ("MIMIC: jobs", [
        panel("Jobs by state", "short",
              [q(f'sum by (component, state) ({{__name__=~"mimic_(preprocess|analysis)_jobs", {SEL}}})',
                 "{{component}} {{state}}")],
              "Queued, running and finished jobs each service knows of."),
        panel("Mean job duration, last hour", "s",
              [q(f'sum by (component) (increase({{__name__=~"mimic_(preprocess|analysis)_job_duration_seconds_sum", {SEL}}}[1h])) / '
                 f'sum by (component) (increase({{__name__=~"mimic_(preprocess|analysis)_job_duration_seconds_count", {SEL}}}[1h]))',
                 "{{component}}")],
              "Run time of the jobs that finished in the last hour."),
        panel("Jobs finished, last hour", "short",
              [q(f'sum by (component) (increase({{__name__=~"mimic_(preprocess|analysis)_job_duration_seconds_count", {SEL}}}[1h]))',
                 "{{component}}")],
              "Succeeded, failed or cancelled."),
    ]),
}


def variable(name, label, query):
    return {"name": name, "label": label, "type": "query", "datasource": DATASOURCE,
            "query": {"query": query, "refId": name}, "definition": query, "refresh": 2, "sort": 1,
            "includeAll": False, "multi": False, "hide": 0, "current": {}, "options": []}


def dashboard(key, title, panels):
    out = []
    for i, p in enumerate(panels):
        defaults = {"unit": p["unit"], "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 0}}
        if p["min_zero"]:
            defaults["min"] = 0
        out.append({
            "id": i + 1, "type": "timeseries", "title": p["title"], "description": p["description"],
            "datasource": DATASOURCE, "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "none"}},
            "targets": [{"refId": chr(ord("A") + j), "datasource": DATASOURCE, "expr": t["expr"],
                         "legendFormat": t["legend"], "range": True} for j, t in enumerate(p["queries"])],
        })
    return {
        "uid": f"mimic-{key}", "title": title, "tags": ["mimic"], "editable": True, "schemaVersion": 38,
        "version": 1, "refresh": "30s", "time": {"from": "now-6h", "to": "now"}, "timezone": "",
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
             "refresh": 1, "hide": 0, "current": {}, "options": []},
            variable("namespace", "Namespace", 'label_values(up{job="mimic"}, namespace)'),
            variable("run", "Run", 'label_values(up{job="mimic", namespace="$namespace"}, run)'),
        ]},
        "annotations": {"list": []},
        "panels": out,
    }


def render_all():
    return {f"{key}.json": json.dumps(dashboard(key, title, panels), indent=2) + "\n"
            for key, (title, panels) in DASHBOARDS.items()}


if __name__ == "__main__":
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards")
    os.makedirs(here, exist_ok=True)
    for name, text in render_all().items():
        with open(os.path.join(here, name), "w") as f:
            f.write(text)
        print(f"wrote {os.path.join(here, name)}")
