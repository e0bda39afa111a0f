#!/usr/bin/env python3
"""Validates docker-compose.yml offline: `docker-compose config -q` must accept it, and the
resolved topology must be consistent (compose_checks.problems). Also checks that the
cluster token comes from $RINGKV_CLUSTER_TOKEN in every node. With override files
(docker-compose.node4.yml), checks the merged configuration: the services the overrides
add are nodes joining the cluster of the first file.

Usage: check_compose.py PATH/docker-compose.yml [PATH/OVERRIDE.yml...]
Exit: 0 ok, 1 problems found, 77 skipped (docker-compose is not installed).
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compose_checks  # noqa: E402
import compose_yaml  # noqa: E402

SKIP_EXIT_CODE = 77
COMMAND_TIMEOUT_SECONDS = 60
PROBE_TOKEN = "probe-token-5f1c"


def docker_compose(compose_files, *arguments, token=None):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("RINGKV_", "COMPOSE_", "DOCKER_"))}
    if token is not None:
        environment["RINGKV_CLUSTER_TOKEN"] = token
    files = [argument for compose_file in compose_files for argument in ("-f", compose_file)]
    return subprocess.run(["docker-compose"] + files + list(arguments),
                          capture_output=True, text=True, env=environment,
                          cwd=os.path.dirname(compose_files[0]),
                          timeout=COMMAND_TIMEOUT_SECONDS)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: check_compose.py PATH/docker-compose.yml [PATH/OVERRIDE.yml...]")
    compose_files = [os.path.abspath(path) for path in sys.argv[1:]]
    if shutil.which("docker-compose") is None:
        print("SKIP: docker-compose is not installed (tools/bootstrap installs it)")
        return SKIP_EXIT_CODE
    validation = docker_compose(compose_files, "config", "-q")
    if validation.returncode != 0:
        print("docker-compose config -q rejected %s:\n%s" % (" + ".join(compose_files),
                                                               validation.stderr))
        return 1
    initial = docker_compose(compose_files[:1], "config", "--services")
    if initial.returncode != 0:
        print("docker-compose config --services failed:\n%s" % initial.stderr)
        return 1
    found = []
    for token in (None, PROBE_TOKEN):
        resolved = docker_compose(compose_files, "config", token=token)
        if resolved.returncode != 0:
            print("docker-compose config failed:\n%s" % resolved.stderr)
            return 1
        config = compose_yaml.load(resolved.stdout)
        joining = sorted(set(config.get("services") or {}) - set(initial.stdout.split()))
        found.extend(compose_checks.problems(config, joining))
        if token is not None:
            for name, service in config["services"].items():
                value = str((service.get("environment") or {}).get("KV_CLUSTER_TOKEN"))
                if value != token:
                    found.append("%s: KV_CLUSTER_TOKEN does not follow $RINGKV_CLUSTER_TOKEN"
                                 % name)
    for problem in found:
        print("problem: " + problem)
    if not found:
        print("ok: %s is valid and its topology is consistent" % " + ".join(compose_files))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
