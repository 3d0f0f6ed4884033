"""Runs rendered Kubernetes workloads as local processes: each pod's containers start from the
built `mimic` binary (standing in for the image's) with the container's command, arguments and
environment, its volumes mapped to temporary folders, its ports and the Service names it dials
mapped to loopback ports. What a cluster would refuse or break at run time is a PodError here:
a mount of an undefined volume, a path in the arguments outside every volume and the image, an
address whose host or port no Service or container declares, a Secret key the operator does not
provide, a container that exits or a probe that never passes.

Only the standard library and Debian's python3-yaml."""

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import k8s_manifests as km


class PodError(Exception):
    pass


ADDRESS = re.compile(r"(?<![\w.-])((?:\d{1,3}\.){3}\d{1,3}|localhost|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
                     r"(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*):(\d{1,5})(?![\d.])")
ABS_PATH = re.compile(r"(?<![\w.:/-])(/[A-Za-z0-9._-][A-Za-z0-9._/-]*)")
VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
LOCAL_HOSTS = ("0.0.0.0", "127.0.0.1", "localhost")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expand(text, env):
    """Kubernetes' $(VAR) expansion: defined names are replaced, $$ is a literal $, others stay."""
    return VAR_REF.sub(lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


class Image:
    """The image's file system as the Dockerfile's runtime stage builds it, mapped onto the
    repository (the built binary for the one built file)."""

    def __init__(self, dockerfile, root, binary, tmp):
        self.df = km.Dockerfile(dockerfile)
        self.dir = os.path.join(tmp, "image")
        self.paths = {}  # image path -> host path
        for stage, src, dst in self.df.copies_from():
            if src.startswith("/src/"):
                host = os.path.join(root, src[len("/src/"):])
            elif src == dst and os.path.basename(dst) == "mimic":
                host = binary
            else:
                raise PodError(f"{dockerfile}: COPY --from={stage} {src}: not a repository path or the binary")
            if not os.path.exists(host):
                raise PodError(f"{dockerfile}: COPY --from={stage} {src}: {host} does not exist")
            self.paths[dst.rstrip("/")] = host
            mapped = self.dir + dst
            os.makedirs(os.path.dirname(mapped), exist_ok=True)
            # real copies, as in an image (a symlink out of a volume is what path guards refuse);
            # the binary is linked
            if os.path.isdir(host):
                shutil.copytree(host, mapped)
            elif host == binary:
                os.symlink(os.path.abspath(host), mapped)
            else:
                shutil.copy(host, mapped)
        self.workdir = self.dir + self.df.workdir()
        os.makedirs(self.workdir, exist_ok=True)

    def host_path(self, path):
        for prefix in sorted(self.paths, key=len, reverse=True):
            if path == prefix or path.startswith(prefix + "/"):
                return self.dir + path
        return None


class Pod:
    """One pod of a workload, planned: everything is resolved before anything starts."""

    def __init__(self, cluster, workload, name):
        self.cluster = cluster
        self.workload = workload
        self.name = name
        self.kind = workload["kind"]
        self.template = workload["spec"]["template"]
        self.spec = self.template["spec"]
        self.labels = self.template["metadata"].get("labels") or {}
        self.annotations = self.template["metadata"].get("annotations") or {}
        self.dir = os.path.join(cluster.tmp, "pods", name)
        os.makedirs(self.dir)
        self.ports = {}       # containerPort -> host port
        self.port_names = {}  # port name -> containerPort
        for c in self.spec["containers"]:
            for p in c.get("ports", []):
                self.ports[p["containerPort"]] = free_port()
                if "name" in p:
                    self.port_names[p["name"]] = p["containerPort"]
        self.volumes = {}
        self.processes = []   # (container name, Popen, log path)
        self.thread = None
        self.failure = None
        self.init_done = threading.Event()

    # --- planning -------------------------------------------------------------------------------

    def plan_volumes(self):
        claims = {t["metadata"]["name"] for t in self.workload["spec"].get("volumeClaimTemplates", [])}
        for v in self.spec.get("volumes", []):
            self.volumes[v["name"]] = v
        for t in claims:
            self.volumes[t] = {"name": t, "claimTemplate": t}

    def volume_dir(self, name, container):
        v = self.volumes.get(name)
        if v is None:
            raise PodError(f"{self.name}/{container}: mounts volume '{name}', which the pod does not define")
        if "persistentVolumeClaim" in v:
            claim = v["persistentVolumeClaim"]["claimName"]
            if claim not in self.cluster.claims:
                raise PodError(f"{self.name}: volume '{name}' names claim '{claim}', which is not in the manifests")
            path = os.path.join(self.cluster.tmp, "claims", claim)
        elif "claimTemplate" in v:
            path = os.path.join(self.cluster.tmp, "claims", f"{v['claimTemplate']}-{self.name}")
        elif "emptyDir" in v:
            path = os.path.join(self.dir, "emptydir", name)
        elif "configMap" in v:
            path = os.path.join(self.dir, "configmap", container, name)  # filled per container
        elif "secret" in v:
            path = os.path.join(self.dir, "secret", name)
        else:
            raise PodError(f"{self.name}: volume '{name}' has a kind the runner does not know")
        os.makedirs(path, exist_ok=True)
        return path

    def mounts_of(self, c):
        mounts = {}
        for m in c.get("volumeMounts", []):
            mounts[m["mountPath"].rstrip("/") or "/"] = (m["name"], self.volume_dir(m["name"], c["name"]))
        return mounts

    def map_path(self, path, mounts, strict, where):
        for prefix in sorted(mounts, key=len, reverse=True):
            if path == prefix or path.startswith(prefix + "/"):
                return mounts[prefix][1] + path[len(prefix):]
        image = self.cluster.image.host_path(path)
        if image:
            return image
        if strict:
            raise PodError(f"{where}: path {path} is in no mounted volume and not in the image "
                           f"(mounts: {', '.join(sorted(mounts)) or 'none'})")
        return path

    def resolve(self, host, port, where):
        ns = self.cluster.namespace
        if host in LOCAL_HOSTS:
            if port not in self.ports:
                raise PodError(f"{where}: {host}:{port}: port {port} is not among the pod's container ports "
                               f"{sorted(self.ports)}")
            return f"127.0.0.1:{self.ports[port]}"
        for suffix in (f".{ns}.svc.cluster.local", f".{ns}.svc", ".svc.cluster.local", f".{ns}"):
            if host.endswith(suffix):
                host = host[:-len(suffix)]
        if "." in host:  # a StatefulSet pod under its headless Service
            pod_name, service = host.split(".", 1)
            pod = self.cluster.pods.get(pod_name)
            if service not in self.cluster.services or pod is None or \
                    pod.workload["spec"].get("serviceName") != service:
                raise PodError(f"{where}: {host}:{port}: no pod {pod_name} under a Service {service}")
            if port not in pod.ports:
                raise PodError(f"{where}: {host}:{port}: pod {pod_name} declares no port {port}")
            return f"127.0.0.1:{pod.ports[port]}"
        svc = self.cluster.services.get(host)
        if svc is None:
            raise PodError(f"{where}: {host}:{port}: no Service named {host}")
        sport = [p for p in svc["spec"]["ports"] if p["port"] == port]
        if not sport:
            raise PodError(f"{where}: {host}:{port}: Service {host} has no port {port} "
                           f"(it has {[p['port'] for p in svc['spec']['ports']]})")
        target = sport[0].get("targetPort", port)
        pods = [p for p in self.cluster.pods.values()
                if all(p.labels.get(k) == v for k, v in (svc["spec"].get("selector") or {}).items())]
        if not pods:
            raise PodError(f"{where}: Service {host} selects no pod")
        pod = pods[0]
        cport = pod.port_names.get(target, target)
        if cport not in pod.ports:
            raise PodError(f"{where}: Service {host} port {port} targets {target}, which pod {pod.name} does not declare")
        return f"127.0.0.1:{pod.ports[cport]}"

    def rewrite(self, text, mounts, strict, where):
        text = ADDRESS.sub(lambda m: self.resolve(m.group(1), int(m.group(2)), where), text)
        return ABS_PATH.sub(lambda m: self.map_path(m.group(1), mounts, strict, where), text)

    def env_of(self, c):
        env = {}
        for e in c.get("env", []):
            where = f"{self.name}/{c['name']} env {e['name']}"
            if "value" in e:
                env[e["name"]] = expand(e["value"], env)
                continue
            ref = e.get("valueFrom", {})
            if "fieldRef" in ref:
                field = ref["fieldRef"]["fieldPath"]
                values = {"metadata.name": self.name, "metadata.namespace": self.cluster.namespace,
                          "status.podIP": "127.0.0.1", "spec.nodeName": "localhost"}
                if field not in values:
                    raise PodError(f"{where}: fieldRef {field} is not supported by the runner")
                env[e["name"]] = values[field]
            elif "configMapKeyRef" in ref:
                r = ref["configMapKeyRef"]
                data = (self.cluster.configmaps.get(r["name"]) or {}).get("data") or {}
                if r["key"] not in data:
                    raise PodError(f"{where}: ConfigMap {r['name']} has no key {r['key']}")
                env[e["name"]] = data[r["key"]]
            elif "secretKeyRef" in ref:
                r = ref["secretKeyRef"]
                if r["key"] not in self.cluster.secrets.get(r["name"], {}):
                    raise PodError(f"{where}: Secret {r['name']} key {r['key']} is not one the operator provides")
                env[e["name"]] = self.cluster.secrets[r["name"]][r["key"]]
            else:
                raise PodError(f"{where}: a valueFrom the runner does not know")
        return env

    def plan_container(self, c):
        where = f"{self.name}/{c['name']}"
        mounts = self.mounts_of(c)
        # files of ConfigMap and Secret volumes, with the pod's paths and addresses mapped
        for m in c.get("volumeMounts", []):
            v = self.volumes[m["name"]]
            target = mounts[m["mountPath"].rstrip("/")][1]
            if "configMap" in v:
                cm = self.cluster.configmaps.get(v["configMap"]["name"])
                if cm is None:
                    raise PodError(f"{where}: ConfigMap {v['configMap']['name']} is not in the manifests")
                for key, content in (cm.get("data") or {}).items():
                    with open(os.path.join(target, key), "w") as f:
                        f.write(self.rewrite(content, mounts, strict=False, where=f"{where} {key}"))
            if "secret" in v:
                name = v["secret"]["secretName"]
                if name not in self.cluster.secrets:
                    raise PodError(f"{where}: Secret {name} is not one the operator provides")
                for key, content in self.cluster.secrets[name].items():
                    with open(os.path.join(target, key), "w") as f:
                        f.write(content)
        env = self.env_of(c)
        entry = self.cluster.image.df.entrypoint()
        command = c.get("command") or entry
        args = c.get("args") if "args" in c else ([] if "command" in c else [])
        argv = [expand(a, env) for a in command + args]
        argv = [self.rewrite(a, mounts, strict=True, where=where) for a in argv]
        env = {k: self.rewrite(v, mounts, strict=False, where=f"{where} env {k}") for k, v in env.items()}
        if argv and argv[0].startswith(self.cluster.image.dir):
            argv[0] = os.path.realpath(argv[0])
        elif argv and "/" not in argv[0]:
            found = shutil.which(argv[0])
            if not found:
                raise PodError(f"{where}: command {argv[0]} is not in the image")
            argv[0] = found
        base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": self.dir, "HOSTNAME": self.name, "LANG": "C.UTF-8"}
        base.update(env)
        return {"name": c["name"], "argv": argv, "env": base, "mounts": mounts, "spec": c}

    def plan(self):
        self.plan_volumes()
        self.inits = [self.plan_container(c) for c in self.spec.get("initContainers", [])]
        self.mains = [self.plan_container(c) for c in self.spec["containers"]]

    # --- running --------------------------------------------------------------------------------

    def launch(self, plan):
        log = os.path.join(self.cluster.logs, f"{self.name}.{plan['name']}.log")
        out = open(log, "ab")
        proc = subprocess.Popen(plan["argv"], env=plan["env"], cwd=self.cluster.image.workdir, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        self.processes.append((plan["name"], proc, log))
        return proc

    def run_inits(self):
        try:
            for plan in self.inits:
                proc = self.launch(plan)
                while proc.poll() is None:
                    if self.cluster.stopping.wait(0.2):
                        return
                if proc.returncode != 0:
                    raise PodError(f"{self.name}: init container {plan['name']} exited {proc.returncode}")
            if not self.cluster.stopping.is_set():
                for plan in self.mains:
                    self.launch(plan)
        except Exception as e:  # reported by the waiting thread
            self.failure = e
        finally:
            self.init_done.set()

    def start(self):
        self.thread = threading.Thread(target=self.run_inits, daemon=True)
        self.thread.start()

    def main_processes(self):
        names = {p["name"] for p in self.mains}
        return [(n, p, log) for n, p, log in self.processes if n in names]

    def check_alive(self):
        if self.failure:
            raise self.failure
        for name, proc, log in self.main_processes():
            if proc.poll() is not None and self.kind != "Job":
                raise PodError(f"{self.name}/{name} exited with {proc.returncode}:\n{tail(log)}")
            if proc.poll() not in (None, 0) and self.kind == "Job":
                raise PodError(f"{self.name}/{name} (job) failed with {proc.returncode}:\n{tail(log)}")

    def probe(self, plan, probe):
        for kind in ("grpc", "httpGet", "tcpSocket", "exec"):
            if kind in probe:
                break
        else:
            raise PodError(f"{self.name}/{plan['name']}: a probe of an unknown kind")
        spec = probe[kind]
        if kind == "exec":
            argv = [self.rewrite(a, plan["mounts"], True, self.name) for a in spec["command"]]
            return subprocess.run(argv, capture_output=True, timeout=10).returncode == 0
        port = spec["port"]
        port = self.port_names.get(port, port)
        if port not in self.ports:
            raise PodError(f"{self.name}/{plan['name']}: probe port {spec['port']} is not a container port")
        host_port = self.ports[port]
        if kind == "grpc":
            argv = [self.cluster.binary, "health", "--server", f"127.0.0.1:{host_port}", "--timeout", "2"]
            if spec.get("service"):
                argv += ["--service", spec["service"]]
            return subprocess.run(argv, capture_output=True, timeout=10).returncode == 0
        if kind == "httpGet":
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{host_port}{spec.get('path', '/')}", timeout=3) as r:
                    return 200 <= r.status < 400
            except (urllib.error.URLError, OSError):
                return False
        with socket.socket() as s:
            s.settimeout(2)
            return s.connect_ex(("127.0.0.1", host_port)) == 0

    def host_port(self, name_or_number):
        return self.ports[self.port_names.get(name_or_number, name_or_number)]


def tail(path, lines=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


class Cluster:
    """The rendered objects of one overlay, planned as local pods."""

    def __init__(self, docs, binary, root, dockerfile, tmp, secrets):
        self.docs = docs
        self.binary = binary
        self.tmp = tmp
        self.logs = os.path.join(tmp, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.secrets = secrets
        self.image = Image(dockerfile, root, binary, tmp)
        namespaces = km.by_kind(docs, "Namespace")
        self.namespace = namespaces[0]["metadata"]["name"] if namespaces else "default"
        self.configmaps = {d["metadata"]["name"]: d for d in km.by_kind(docs, "ConfigMap")}
        self.services = {d["metadata"]["name"]: d for d in km.by_kind(docs, "Service")}
        self.claims = {d["metadata"]["name"] for d in km.by_kind(docs, "PersistentVolumeClaim")}
        self.stopping = threading.Event()
        self.pods = {}
        for w in km.workloads(docs):
            for name in km.pod_names(w):
                self.pods[name] = Pod(self, w, name)

    def plan(self, only=None):
        self.selected = [p for p in self.pods.values() if only is None or p.workload["metadata"]["name"] in only]
        for p in self.selected:
            p.plan()

    def start(self):
        for p in self.selected:
            p.start()

    def wait(self, what, condition, timeout):
        """Polls `condition` (every 0.5 s) until true, failing at once when a pod fails."""
        deadline = time.time() + timeout
        while True:
            for p in self.selected:
                p.check_alive()
            if condition():
                return
            if time.time() > deadline:
                raise PodError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.5)

    def wait_for_probes(self, timeout):
        """Each declared probe of every long-running container passes once (startup first)."""
        passed = []
        for p in self.selected:
            if p.kind == "Job":
                continue
            for plan in p.mains:
                for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                    probe = plan["spec"].get(kind)
                    if not probe:
                        continue
                    started = lambda p=p: p.init_done.is_set() and p.main_processes()
                    self.wait(f"{p.name}/{plan['name']} to start", started, timeout)
                    self.wait(f"{p.name}/{plan['name']} {kind}", lambda p=p, plan=plan, probe=probe: p.probe(plan, probe),
                              timeout)
                    passed.append(f"{p.name}/{plan['name']} {kind}")
        return passed

    def wait_for_jobs(self, timeout):
        jobs = [p for p in self.selected if p.kind == "Job"]
        done = lambda: all(p.init_done.is_set() and p.main_processes() and
                           all(proc.poll() == 0 for _, proc, _ in p.main_processes()) for p in jobs)
        self.wait("the jobs to complete", done, timeout)
        return [p.name for p in jobs]

    def stop(self, order, grace=None):
        """SIGTERM to each group of workloads in order (by workload name; the rest last), waiting up
        to the pod's terminationGracePeriodSeconds; returns {pod/container: exit code}."""
        self.stopping.set()
        codes = {}
        names = [w for group in order for w in group]
        groups = [set(g) for g in order] + [{p.workload["metadata"]["name"] for p in self.selected} - set(names)]
        for group in groups:
            pods = [p for p in self.selected if p.workload["metadata"]["name"] in group]
            for p in pods:
                for _, proc, _ in p.processes:
                    if proc.poll() is None:
                        os.killpg(proc.pid, signal.SIGTERM)
            for p in pods:
                limit = grace or p.spec.get("terminationGracePeriodSeconds", 30)
                for name, proc, _ in p.processes:
                    try:
                        proc.wait(timeout=limit)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait()
                    codes[f"{p.name}/{name}"] = proc.returncode
        return codes

    def kill_all(self):
        self.stopping.set()
        for p in self.pods.values():
            for _, proc, _ in p.processes:
                if proc.poll() is None:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait()
