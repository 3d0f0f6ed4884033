#!/usr/bin/env python3
"""Renders every overlay of deploy/k8s with the kubectl on PATH and checks each object against a
schema of the fields these manifests use (written here, from the Kubernetes API reference: no
OpenAPI download), then the cross-references a cluster would only reveal at run time: volumes,
ConfigMap keys, Secrets, Service selectors and ports, probe ports, NetworkPolicy and PDB
selectors, the replay shard list, labels, pinned images, resources and security settings.

With MIMIC_KUBECTL_2=/path/to/another/kubectl, both kustomize versions must render each overlay
to the same objects (checked by hand against Debian 12's kubectl 1.20; see deploy/README.md)."""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import k8s_manifests as km  # noqa: E402

# --- the schema: str, int, bool, "quantity" (int or string quantity), "intorstr", "map" (string
# to string), {field: schema} objects, [schema] lists, ("enum", values...) ---------------------

LABEL_SELECTOR = {"matchLabels": "map",
                  "matchExpressions": [{"key": str, "operator": ("enum", "In", "NotIn", "Exists", "DoesNotExist"),
                                        "values": [str]}]}
META = {"name": str, "namespace": str, "labels": "map", "annotations": "map"}
PROBE = {"grpc": {"port": int, "service": str}, "httpGet": {"path": str, "port": "intorstr"},
         "tcpSocket": {"port": "intorstr"}, "exec": {"command": [str]}, "initialDelaySeconds": int,
         "periodSeconds": int, "timeoutSeconds": int, "failureThreshold": int, "successThreshold": int}
CONTAINER = {
    "name": str, "image": str, "imagePullPolicy": ("enum", "Always", "IfNotPresent", "Never"),
    "command": [str], "args": [str], "workingDir": str,
    "env": [{"name": str, "value": str,
             "valueFrom": {"fieldRef": {"fieldPath": str}, "configMapKeyRef": {"name": str, "key": str},
                           "secretKeyRef": {"name": str, "key": str}}}],
    "ports": [{"name": str, "containerPort": int, "protocol": ("enum", "TCP", "UDP")}],
    "resources": {"requests": {"*": "quantity"}, "limits": {"*": "quantity"}},
    "volumeMounts": [{"name": str, "mountPath": str, "readOnly": bool, "subPath": str}],
    "startupProbe": PROBE, "readinessProbe": PROBE, "livenessProbe": PROBE,
    "securityContext": {"allowPrivilegeEscalation": bool, "readOnlyRootFilesystem": bool,
                        "runAsNonRoot": bool, "runAsUser": int, "capabilities": {"drop": [str], "add": [str]}},
}
POD_SPEC = {
    "containers": [CONTAINER], "initContainers": [CONTAINER],
    "restartPolicy": ("enum", "Always", "OnFailure", "Never"),
    "serviceAccountName": str, "automountServiceAccountToken": bool, "terminationGracePeriodSeconds": int,
    "nodeSelector": "map",
    "tolerations": [{"key": str, "operator": ("enum", "Exists", "Equal"), "value": str,
                     "effect": ("enum", "NoSchedule", "PreferNoSchedule", "NoExecute")}],
    "securityContext": {"runAsNonRoot": bool, "runAsUser": int, "runAsGroup": int, "fsGroup": int,
                        "seccompProfile": {"type": ("enum", "RuntimeDefault", "Localhost", "Unconfined")}},
    "volumes": [{"name": str, "configMap": {"name": str}, "secret": {"secretName": str},
                 "persistentVolumeClaim": {"claimName": str, "readOnly": bool},
                 "emptyDir": {"medium": str, "sizeLimit": "quantity"}}],
}
POD_TEMPLATE = {"metadata": META, "spec": POD_SPEC}
PVC_SPEC = {"accessModes": [("enum", "ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod")],
            "resources": {"requests": {"storage": "quantity"}}, "storageClassName": str}

SCHEMAS = {
    ("v1", "Namespace"): {"metadata": META},
    ("v1", "ServiceAccount"): {"metadata": META, "automountServiceAccountToken": bool},
    ("v1", "ConfigMap"): {"metadata": META, "data": "map"},
    ("v1", "PersistentVolumeClaim"): {"metadata": META, "spec": PVC_SPEC},
    ("v1", "Service"): {"metadata": META, "spec": {
        "clusterIP": str, "selector": "map",
        "ports": [{"name": str, "port": int, "targetPort": "intorstr", "protocol": ("enum", "TCP", "UDP")}]}},
    ("apps/v1", "Deployment"): {"metadata": META, "spec": {
        "replicas": int, "strategy": {"type": ("enum", "Recreate", "RollingUpdate")},
        "selector": LABEL_SELECTOR, "template": POD_TEMPLATE}},
    ("apps/v1", "StatefulSet"): {"metadata": META, "spec": {
        "serviceName": str, "replicas": int, "podManagementPolicy": ("enum", "OrderedReady", "Parallel"),
        "selector": LABEL_SELECTOR, "template": POD_TEMPLATE,
        "volumeClaimTemplates": [{"metadata": META, "spec": PVC_SPEC}]}},
    ("batch/v1", "Job"): {"metadata": META, "spec": {
        "backoffLimit": int, "activeDeadlineSeconds": int, "template": POD_TEMPLATE}},
    ("networking.k8s.io/v1", "NetworkPolicy"): {"metadata": META, "spec": {
        "podSelector": LABEL_SELECTOR, "policyTypes": [("enum", "Ingress", "Egress")],
        "ingress": [{"from": [{"podSelector": LABEL_SELECTOR, "namespaceSelector": LABEL_SELECTOR}],
                     "ports": [{"protocol": ("enum", "TCP", "UDP"), "port": "intorstr"}]}]}},
    ("policy/v1", "PodDisruptionBudget"): {"metadata": META, "spec": {
        "minAvailable": "intorstr", "maxUnavailable": "intorstr", "selector": LABEL_SELECTOR}},
}

QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
# Secrets the operator creates (deploy/k8s/base/services.yaml says how), with the keys pods read
OPERATOR_SECRETS = {"mimic-tls": {"tls.crt", "tls.key"}, "mimic-api-token": {"token"},
                    "mimic-training-token": {"token"}}
REQUIRED_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/component", "app.kubernetes.io/part-of",
                   "app.kubernetes.io/instance")


def check_schema(value, schema, path, errors):
    if schema is str:
        ok = isinstance(value, str)
    elif schema is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif schema is bool:
        ok = isinstance(value, bool)
    elif schema == "quantity":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or \
             (isinstance(value, str) and bool(QUANTITY.match(value)))
    elif schema == "intorstr":
        ok = isinstance(value, (int, str)) and not isinstance(value, bool)
    elif schema == "map":
        ok = isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    elif isinstance(schema, tuple) and schema[0] == "enum":
        ok = value in schema[1:]
    elif isinstance(schema, list):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check_schema(item, schema[0], f"{path}[{i}]", errors)
        return
    elif isinstance(schema, dict):
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        for k, v in value.items():
            sub = schema.get(k, schema.get("*"))
            if sub is None:
                errors.append(f"{path}.{k}: unknown field (not in the schema of the fields these manifests use)")
            else:
                check_schema(v, sub, f"{path}.{k}", errors)
        return
    else:
        raise AssertionError(f"bad schema at {path}")
    if not ok:
        errors.append(f"{path}: {json.dumps(value)} is not a valid {schema if isinstance(schema, str) else getattr(schema, '__name__', schema)}")


def name_of(obj):
    return f"{obj['kind']}/{obj['metadata']['name']}"


def selects(selector, labels):
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        has = e["key"] in labels
        if e["operator"] == "In" and labels.get(e["key"]) not in e["values"]:
            return False
        if e["operator"] == "NotIn" and labels.get(e["key"]) in e["values"]:
            return False
        if e["operator"] == "Exists" and not has:
            return False
        if e["operator"] == "DoesNotExist" and has:
            return False
    return True


def template_of(w):
    return w["spec"]["template"]


def ports_of(pod_spec):
    out = {}
    for c in pod_spec["containers"]:
        for p in c.get("ports", []):
            out[p["containerPort"]] = p
            if "name" in p:
                out[p["name"]] = p
    return out


def check_semantics(docs, overlay):
    errors = []
    err = errors.append
    namespaces = [d["metadata"]["name"] for d in km.by_kind(docs, "Namespace")]
    if len(namespaces) != 1:
        err(f"expected one Namespace, found {namespaces}")
    configmaps = {d["metadata"]["name"]: d for d in km.by_kind(docs, "ConfigMap")}
    claims = {d["metadata"]["name"] for d in km.by_kind(docs, "PersistentVolumeClaim")}
    works = km.workloads(docs)
    for d in docs:
        if d["kind"] != "Namespace" and namespaces and d["metadata"].get("namespace") != namespaces[0]:
            err(f"{name_of(d)}: not in namespace {namespaces[0]}")
        for label in REQUIRED_LABELS:
            if label not in (d["metadata"].get("labels") or {}):
                err(f"{name_of(d)}: no label {label}")
    for w in works:
        n = name_of(w)
        t = template_of(w)
        labels = t["metadata"].get("labels") or {}
        for label in REQUIRED_LABELS:
            if label not in labels:
                err(f"{n}: pod template has no label {label}")
        if w["kind"] != "Job" and not selects(w["spec"]["selector"], labels):
            err(f"{n}: selector does not match its pod template's labels")
        spec = t["spec"]
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        vct = {c["metadata"]["name"] for c in w["spec"].get("volumeClaimTemplates", [])}
        for v in volumes.values():
            if "configMap" in v and v["configMap"]["name"] not in configmaps:
                err(f"{n}: volume {v['name']} names ConfigMap {v['configMap']['name']}, which is not rendered")
            if "persistentVolumeClaim" in v and v["persistentVolumeClaim"]["claimName"] not in claims:
                err(f"{n}: volume {v['name']} names claim {v['persistentVolumeClaim']['claimName']}, which is not rendered")
            if "secret" in v and v["secret"]["secretName"] not in OPERATOR_SECRETS:
                err(f"{n}: volume {v['name']} names Secret {v['secret']['secretName']}, not one the README asks for")
        psc = spec.get("securityContext") or {}
        if psc.get("runAsNonRoot") is not True or not psc.get("runAsUser"):
            err(f"{n}: pod securityContext must set runAsNonRoot and a non-zero runAsUser")
        if spec.get("automountServiceAccountToken") is not False:
            err(f"{n}: mounts a service account token it does not use")
        for c in spec.get("initContainers", []) + spec["containers"]:
            cn = f"{n} container {c['name']}"
            image = c.get("image", "")
            if not re.match(r"^[a-z0-9./-]+:[A-Za-z0-9._-]+$", image) or image.endswith(":latest"):
                err(f"{cn}: image {image!r} is not pinned to a tag")
            if c.get("imagePullPolicy") not in ("IfNotPresent", "Always"):
                err(f"{cn}: no imagePullPolicy")
            res = c.get("resources") or {}
            for kind in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    if r not in (res.get(kind) or {}):
                        err(f"{cn}: resources.{kind}.{r} is not set")
            sc = c.get("securityContext") or {}
            if sc.get("allowPrivilegeEscalation") is not False or "ALL" not in (sc.get("capabilities") or {}).get("drop", []):
                err(f"{cn}: securityContext must forbid privilege escalation and drop ALL capabilities")
            if sc.get("readOnlyRootFilesystem") is not True:
                err(f"{cn}: root filesystem is writable")
            for m in c.get("volumeMounts", []):
                if m["name"] not in volumes and m["name"] not in vct:
                    err(f"{cn}: mounts volume {m['name']}, which the pod does not define")
            for e in c.get("env", []):
                ref = (e.get("valueFrom") or {})
                if "configMapKeyRef" in ref:
                    cm = configmaps.get(ref["configMapKeyRef"]["name"])
                    if cm is None or ref["configMapKeyRef"]["key"] not in (cm.get("data") or {}):
                        err(f"{cn}: env {e['name']} reads {ref['configMapKeyRef']}, which is not rendered")
                if "secretKeyRef" in ref:
                    s = ref["secretKeyRef"]
                    if s["key"] not in OPERATOR_SECRETS.get(s["name"], set()):
                        err(f"{cn}: env {e['name']} reads Secret {s['name']} key {s['key']}, not one the README asks for")
            # every networked mimic process authenticates: its token comes from a Secret
            command = (c.get("args") or [None])[0]
            if c in spec["containers"] and command in ("replay", "learner", "actor", "serve"):
                token = [e for e in c.get("env", []) if e["name"] == "MIMIC_TOKEN" and
                         "secretKeyRef" in (e.get("valueFrom") or {})]
                if not token:
                    err(f"{cn}: runs `mimic {command}` without MIMIC_TOKEN from a Secret (unauthenticated service)")
            if c in spec["containers"] and w["kind"] != "Job":
                ports = ports_of(spec)
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    p = c.get(probe)
                    if not p:
                        err(f"{cn}: no {probe}")
                        continue
                    port = (p.get("grpc") or p.get("httpGet") or p.get("tcpSocket") or {}).get("port")
                    if port is not None and port not in ports:
                        err(f"{cn}: {probe} probes port {port}, which no container declares")
    for s in km.by_kind(docs, "Service"):
        sel = s["spec"].get("selector") or {}
        pods = [w for w in works if selects({"matchLabels": sel}, template_of(w)["metadata"].get("labels") or {})]
        if not pods:
            err(f"{name_of(s)}: selects no pod")
        for p in s["spec"]["ports"]:
            for w in pods:
                if p.get("targetPort", p["port"]) not in ports_of(template_of(w)["spec"]):
                    err(f"{name_of(s)}: port {p['port']} targets {p.get('targetPort')}, which {name_of(w)} does not declare")
    for np in km.by_kind(docs, "NetworkPolicy"):
        sel = np["spec"]["podSelector"]
        pods = [w for w in works if selects(sel, template_of(w)["metadata"].get("labels") or {})]
        if sel and not pods:
            err(f"{name_of(np)}: selects no pod")
        for rule in np["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                ps = peer.get("podSelector")
                if ps and "namespaceSelector" not in peer and not any(
                        selects(ps, template_of(w)["metadata"].get("labels") or {}) for w in works):
                    err(f"{name_of(np)}: allows traffic from pods {ps}, and there are none")
            for port in rule.get("ports", []):
                if not any(port["port"] in ports_of(template_of(w)["spec"]) for w in pods):
                    err(f"{name_of(np)}: opens port {port['port']}, on which no selected pod listens")
    for pdb in km.by_kind(docs, "PodDisruptionBudget"):
        if not any(selects(pdb["spec"]["selector"], template_of(w)["metadata"].get("labels") or {}) for w in works):
            err(f"{name_of(pdb)}: selects no pod")
    # what the issue asks of particular workloads
    learner = km.find(docs, "Deployment", "mimic-learner")
    evaluator = km.find(docs, "Deployment", "mimic-evaluator")
    for w in (learner, evaluator):
        if w is None:
            err("no learner or evaluator Deployment")
        elif w["spec"].get("replicas") != 1 or w["spec"].get("strategy", {}).get("type") != "Recreate":
            err(f"{name_of(w)}: must be one replica with the Recreate strategy")
    for w in works:
        comp = template_of(w)["metadata"]["labels"].get("app.kubernetes.io/component")
        if comp in ("learner", "actor", "evaluator"):
            for c in template_of(w)["spec"]["containers"]:
                for m in c.get("volumeMounts", []):
                    if m["name"] == "clips" and not m.get("readOnly"):
                        err(f"{name_of(w)}: mounts the clips volume writable")
    actor = km.find(docs, "StatefulSet", "mimic-actor")
    if actor is None:
        err("no mimic-actor StatefulSet")
    else:
        c = template_of(actor)["spec"]["containers"][0]
        args = c.get("args", [])
        env = {e["name"]: e for e in c.get("env", [])}
        if "--id" not in args or args[args.index("--id") + 1] != "$(POD_NAME)" or \
                env.get("POD_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != "metadata.name":
            err("mimic-actor: --id must be $(POD_NAME) from metadata.name (the StatefulSet ordinal)")
    if overlay == "gpu" and learner is not None:
        spec = template_of(learner)["spec"]
        c = next(c for c in spec["containers"] if c["name"] == "learner")
        if c["resources"].get("limits", {}).get("nvidia.com/gpu") != "1" or \
                not c["image"].startswith("mimic-cuda:") or \
                not any(t.get("key") == "nvidia.com/gpu" for t in spec.get("tolerations", [])) or \
                "nvidia.com/gpu.present" not in (spec.get("nodeSelector") or {}):
            err("gpu: the learner must run the CUDA image with one nvidia.com/gpu, on GPU nodes, tolerating their taint")
    replay = km.find(docs, "StatefulSet", "mimic-replay")
    endpoints = configmaps.get("mimic-endpoints")
    if replay is None or endpoints is None:
        err("no mimic-replay StatefulSet or mimic-endpoints ConfigMap")
    else:
        shards = endpoints["data"]["replay_shards"].split(",")
        svc = km.find(docs, "Service", replay["spec"]["serviceName"])
        grpc_port = [p["port"] for p in svc["spec"]["ports"] if p["name"] == "grpc"]
        want = [f"mimic-replay-{i}.{replay['spec']['serviceName']}:{grpc_port[0]}" for i in range(replay["spec"]["replicas"])]
        if shards != want:
            err(f"mimic-endpoints replay_shards {shards} do not name the {replay['spec']['replicas']} replay pods {want}")
    return errors


def check_overlay(overlay, docs):
    errors = []
    for d in docs:
        schema = SCHEMAS.get((d.get("apiVersion"), d.get("kind")))
        if schema is None:
            errors.append(f"{d.get('apiVersion')} {d.get('kind')}: not a kind these manifests use")
            continue
        body = {k: v for k, v in d.items() if k not in ("apiVersion", "kind")}
        check_schema(body, schema, name_of(d), errors)
    if not errors:
        errors += check_semantics(docs, overlay)
    return errors


def normalized(docs):
    return sorted(json.dumps(d, sort_keys=True) for d in docs)


def main():
    failed = 0
    binary = km.kubectl()
    print(f"kubectl {km.kubectl_version(binary)} at {binary}")
    other = os.environ.get("MIMIC_KUBECTL_2")
    rendered = {}
    for overlay in km.OVERLAYS:
        docs = km.render(overlay)
        rendered[overlay] = docs
        errors = check_overlay(overlay, docs)
        print(f"{'ok  ' if not errors else 'FAIL'} overlay {overlay}: {len(docs)} objects")
        for e in errors:
            print(f"       {e}")
        failed += bool(errors)
        if other:
            same = normalized(docs) == normalized(km.render(overlay, other))
            print(f"{'ok  ' if same else 'FAIL'} overlay {overlay} renders the same with kubectl {km.kubectl_version(other)}")
            failed += not same
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
