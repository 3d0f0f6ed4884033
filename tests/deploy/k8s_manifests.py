"""Shared helpers of the deploy tests: render a kustomize overlay with the kubectl on PATH, index
the rendered objects, and read the runtime stage of deploy/docker/Dockerfile (which image paths
exist, the entrypoint, the working directory).

Only the standard library and Debian's python3-yaml."""

import os
import re
import shlex
import shutil
import subprocess
import tempfile

import yaml

OVERLAYS = ("dev", "cluster", "gpu")


class DeployError(Exception):
    """A manifest (or the Dockerfile) that would not work; the message names the object."""


def repo_root():
    # Bazel runs tests from the runfiles tree's workspace root; by hand, from the repository
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(os.path.dirname(here))


def kubectl():
    path = shutil.which("kubectl")
    if not path:
        raise DeployError("kubectl is not on PATH (./mimic installs Debian's kubernetes-client)")
    return path


def kubectl_version(binary):
    out = subprocess.run([binary, "version", "--client"], capture_output=True, text=True).stdout
    m = re.search(r'GitVersion:"v([0-9.]+)|Client Version: v([0-9.]+)', out)
    return (m.group(1) or m.group(2)) if m else "unknown"


def copy_tree(root, dest):
    """deploy/ with symlinks (Bazel's runfiles) resolved, so kustomize's load restrictions see
    one real directory tree."""
    shutil.copytree(os.path.join(root, "deploy"), os.path.join(dest, "deploy"), symlinks=False)
    return os.path.join(dest, "deploy")


def render(overlay, binary=None, deploy_dir=None):
    """The overlay's objects as dicts, in kustomize's order."""
    binary = binary or kubectl()
    with tempfile.TemporaryDirectory() as tmp:
        deploy = deploy_dir or copy_tree(repo_root(), tmp)
        path = os.path.join(deploy, "k8s", "overlays", overlay)
        done = subprocess.run([binary, "kustomize", path], capture_output=True, text=True)
        if done.returncode != 0:
            raise DeployError(f"kubectl kustomize {overlay} failed: {done.stderr.strip()}")
        return [d for d in yaml.safe_load_all(done.stdout) if d]


def key(obj):
    meta = obj.get("metadata", {})
    return (obj.get("kind", ""), meta.get("namespace", ""), meta.get("name", ""))


def by_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def find(docs, kind, name):
    for d in docs:
        if d.get("kind") == kind and d["metadata"]["name"] == name:
            return d
    return None


WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job")


def workloads(docs):
    return [d for d in docs if d.get("kind") in WORKLOAD_KINDS]


def pod_names(workload):
    """The pods a workload runs: StatefulSet ordinals, one pod otherwise."""
    name = workload["metadata"]["name"]
    if workload["kind"] == "StatefulSet":
        return [f"{name}-{i}" for i in range(workload["spec"].get("replicas", 1))]
    if workload["kind"] == "Job":
        return [f"{name}-job"]
    # a Deployment's pods are named by hash; an index stands in for it
    return [f"{name}-{i}" for i in range(workload["spec"].get("replicas", 1))]


class Dockerfile:
    """The runtime stage of a multi-stage Dockerfile: packages it installs with apt, the files it
    copies from the build stage (image path -> repository path, or the built binary), its user,
    working directory and entrypoint."""

    def __init__(self, path):
        self.path = path
        self.stages = []            # [(name, [instructions])]
        text = open(path).read()
        text = re.sub(r"\\\n", " ", text)  # line continuations
        args = {}
        for line in text.split("\n"):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            op, _, rest = line.partition(" ")
            op = op.upper()
            if op == "ARG" and not self.stages:
                name, _, default = rest.partition("=")
                args[name.strip()] = default.strip().strip('"')
                continue
            if op == "FROM":
                m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
                image = re.sub(r"\$\{(\w+)\}", lambda g: args.get(g.group(1), g.group(0)), m.group(1))
                self.stages.append({"name": m.group(2) or str(len(self.stages)), "from": image, "ops": []})
                continue
            if not self.stages:
                raise DeployError(f"{path}: {op} before the first FROM")
            self.stages[-1]["ops"].append((op, rest.strip()))
        if not self.stages:
            raise DeployError(f"{path}: no FROM")

    def stage(self, name):
        for s in self.stages:
            if s["name"] == name:
                return s
        raise DeployError(f"{self.path}: no stage named {name}")

    @property
    def runtime(self):
        return self.stages[-1]

    def apt_packages(self, stage=None):
        stage = stage or self.runtime
        packages = []
        for op, rest in stage["ops"]:
            if op != "RUN":
                continue
            for cmd in re.split(r"&&|;", rest):
                words = shlex.split(cmd)
                if len(words) > 2 and words[0] == "apt-get" and "install" in words:
                    packages += [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
        return packages

    def copies_from(self, stage=None):
        """[(source in the build stage, destination in the image)] of COPY --from=..."""
        stage = stage or self.runtime
        out = []
        for op, rest in stage["ops"]:
            if op == "COPY" and rest.startswith("--from="):
                words = shlex.split(rest)
                src, dst = words[1], words[2]
                out.append((words[0][len("--from="):], src, dst))
        return out

    def last(self, op_name, stage=None):
        stage = stage or self.runtime
        value = None
        for op, rest in stage["ops"]:
            if op == op_name:
                value = rest
        return value

    def entrypoint(self):
        value = self.last("ENTRYPOINT")
        return yaml.safe_load(value) if value else []

    def workdir(self):
        return self.last("WORKDIR") or "/"

    def user(self):
        return self.last("USER")
