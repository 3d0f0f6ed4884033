#!/usr/bin/env python3
"""Lints deploy/docker without a Docker engine (none runs on the development machine): the stages
and what the runtime stage copies exist and are not excluded by .dockerignore; the runtime runs as
a non-root user from /opt/mimic with the binary as entrypoint; and every shared library that
`ldd` finds for the built binary comes from a Debian package the runtime stage installs (or one of
their dependencies, or the slim base image's required packages). The CUDA variant must keep the
CPU image's runtime list, with its own LibTorch in place of Debian's.

  /usr/bin/python3 tests/deploy/image_check.py --binary bazel-bin/cli/mimic"""

import argparse
import fnmatch
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import k8s_manifests as km  # noqa: E402

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok or not detail else ': ' + detail}")


def dockerignored(root, path):
    patterns = [l.strip() for l in open(os.path.join(root, ".dockerignore")) if l.strip() and not l.startswith("#")]
    return any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/") for p in patterns)


def lint_structure(root, df, name):
    stages = [s["name"] for s in df.stages]
    check(f"{name}: multi-stage, ending in a runtime stage on Debian 12 slim",
          len(stages) >= 2 and df.runtime["from"].startswith("debian:12") and "slim" in df.runtime["from"],
          f"stages {stages}, runtime from {df.runtime['from']}")
    problems = []
    for stage, src, dst in df.copies_from():
        if stage not in stages[:-1]:
            problems.append(f"COPY --from={stage}: no such earlier stage")
        if src.startswith("/src/"):
            rel = src[len("/src/"):]
            if not os.path.exists(os.path.join(root, rel)):
                problems.append(f"{src}: {rel} is not in the repository")
            elif dockerignored(root, rel):
                problems.append(f"{src}: excluded by .dockerignore")
    check(f"{name}: what the runtime stage copies exists and reaches the build context", not problems, "; ".join(problems))
    user = df.user() or ""
    check(f"{name}: runs as a non-root user ({user})", re.match(r"^[1-9][0-9]*(:[1-9][0-9]*)?$", user) is not None)
    check(f"{name}: the binary is the entrypoint, /opt/mimic the working directory",
          df.entrypoint() == ["/usr/local/bin/mimic"] and df.workdir() == "/opt/mimic")
    copied = [dst for _, _, dst in df.copies_from()]
    # relative defaults the binary resolves from the working directory
    needed = ["/opt/mimic/data/models/rodent/rodent.xml", "/opt/mimic/configs/stac_rodent.pbtxt",
              "/opt/mimic/data/mocap/rodent_mocap_1000_frames.mat", "/usr/local/bin/mimic"]
    missing = [n for n in needed if not any(n == d or n.startswith(d.rstrip("/") + "/") for d in copied)]
    check(f"{name}: the image holds the model, the default STAC config and recording, and the binary",
          not missing, str(missing))
    build = df.stages[-2] if len(df.stages) >= 2 else None
    builds = build and any(op == "RUN" and "./mimic" in rest for op, rest in build["ops"])
    check(f"{name}: the build stage builds with ./mimic (its Debian packages, Bazel offline)", builds)


def dpkg_owners(paths):
    """{library path: Debian package} in one dpkg call (merged /usr: a library may be registered
    under /lib or /usr/lib, so each path is asked for in both spellings)."""
    candidates = {}
    for path in paths:
        for p in {path, os.path.realpath(path)}:
            variants = {p}
            if p.startswith("/usr/lib/"):
                variants.add(p[len("/usr"):])
            elif p.startswith("/lib"):
                variants.add("/usr" + p)
            for v in variants:
                candidates[v] = path
    done = subprocess.run(["dpkg", "-S"] + sorted(candidates), capture_output=True, text=True)
    owners = {}
    for line in done.stdout.splitlines():
        package, _, file = line.partition(": ")
        if file in candidates:
            owners[candidates[file]] = package.split(":")[0].split(",")[0].strip()
    return owners


def installed_depends(package, cache):
    if package not in cache:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", package], capture_output=True, text=True)
        deps = []
        for alternative in done.stdout.split(","):
            for name in alternative.split("|"):
                name = name.strip().split(" ")[0].split(":")[0]
                if name:
                    deps.append(name)
        cache[package] = deps if done.returncode == 0 else []
    return cache[package]


def closure(packages):
    seen, todo, cache = set(), list(packages), {}
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo += installed_depends(p, cache)
    return seen


def base_image_packages():
    """What a Debian slim image already has: essential and required packages (as installed here)."""
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Essential} ${Priority}\\n"], capture_output=True,
                         text=True).stdout
    return {l.split()[0] for l in out.splitlines() if len(l.split()) >= 3 and (l.split()[1] == "yes" or l.split()[2] == "required")}


def lint_libraries(binary, df):
    listed = df.apt_packages()
    not_installed = [p for p in listed if subprocess.run(["dpkg-query", "-W", p], capture_output=True).returncode != 0]
    check(f"the runtime stage installs real Debian packages ({len(listed)})", not not_installed,
          f"unknown here: {not_installed}")
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True)
    libs = sorted({m.group(1) for m in re.finditer(r"=> (/\S+)", ldd.stdout)})
    missing_lib = [l for l in ldd.stdout.splitlines() if "not found" in l]
    check(f"ldd resolves every library of the binary ({len(libs)})", ldd.returncode == 0 and libs and not missing_lib,
          "; ".join(missing_lib))
    provided = closure(listed) | closure(base_image_packages())
    owners = dpkg_owners(libs)
    uncovered = {lib: owners.get(lib) for lib in libs if owners.get(lib) not in provided}
    check("every library ldd lists comes from a package the runtime stage installs (or its dependencies, or the base)",
          not uncovered, "; ".join(f"{l} ({o or 'no package'})" for l, o in sorted(uncovered.items())))
    return listed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="cli/mimic")
    args = parser.parse_args()
    root = km.repo_root()
    cpu = km.Dockerfile(os.path.join(root, "deploy", "docker", "Dockerfile"))
    cuda = km.Dockerfile(os.path.join(root, "deploy", "docker", "Dockerfile.cuda"))
    lint_structure(root, cpu, "Dockerfile")
    lint_structure(root, cuda, "Dockerfile.cuda")
    listed = lint_libraries(os.path.abspath(args.binary), cpu)
    cuda_list = cuda.apt_packages()
    kept = [p for p in listed if p != "libtorch1.13" and p not in cuda_list]
    check("the CUDA runtime keeps the CPU runtime's packages, its own LibTorch in place of Debian's",
          not kept and "libtorch1.13" not in cuda_list and any(p.startswith("/debs/libtorch1.13") for p in cuda_list),
          f"missing {kept}")
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
