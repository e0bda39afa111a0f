"""deploy/k8s/ringkv.yaml, offline (no cluster, no image): the objects fit together
(selectors, service names, ports, probes, the volume at the data dir, the token from a
Secret, the user the Dockerfile creates), each pod's environment resolves as Kubernetes
would resolve it to a valid kvnode configuration, and the pod's shell scripts (start,
wait-for-cluster, preStop) do what the manifest says when run under /bin/sh with
stand-ins for kvnode, kvctl and sleep.

Usage: k8s_manifest_test.py MANIFEST DOCKERFILE
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compose_yaml  # noqa: E402  (stdlib-only YAML subset reader)

MANIFEST, DOCKERFILE = sys.argv[1], sys.argv[2]
NAMESPACE = "store"
SECRET_VALUE = "secret-from-the-secret"
NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # valid_node_id (core/types.h)
SCRIPT_TIMEOUT_SECONDS = 60
# The grace period's assumption (the manifest states it): 5 GiB per node streamed at
# 10 MiB/s, one more change queued ahead.
DECOMMISSION_BYTES = 5 << 30
STREAM_BYTES_PER_SECOND = 10 << 20
CHANGES_IN_A_ROW = 2


def load_documents():
    with open(MANIFEST, encoding="utf-8") as f:
        return compose_yaml.load_all(f.read())


def expand(text, defined):
    """Kubernetes' $(NAME) expansion: a defined NAME is replaced, `$$` is `$`, the rest stays."""
    def replace(match):
        if match.group(0) == "$$":
            return "$"
        return defined.get(match.group(1), match.group(0))
    return re.sub(r"\$\$|\$\(([^)]*)\)", replace, text)


def resolve_environment(container, pod_name):
    """The container's variables as the kubelet sets them for pod `pod_name`, in order."""
    fields = {"metadata.name": pod_name, "metadata.namespace": NAMESPACE}
    resolved = {}
    for variable in container.get("env") or []:
        source = variable.get("valueFrom")
        if source is None:
            resolved[variable["name"]] = expand(str(variable.get("value", "")), resolved)
        elif "fieldRef" in source:
            resolved[variable["name"]] = fields[source["fieldRef"]["fieldPath"]]
        elif "secretKeyRef" in source:
            resolved[variable["name"]] = SECRET_VALUE
        else:
            raise AssertionError("unexpected valueFrom %r" % source)
    return resolved


def parse_peers(text):
    """[(id, host, port)] by kvnode's rules (runtime/flags.cc parse_peers, parse_host_port)."""
    peers = []
    for item in filter(None, text.split(",")):
        node_id, separator, address = item.partition("=")
        host, colon, port = address.rpartition(":")
        if not separator or not NODE_ID.match(node_id) or not colon or not 0 < len(host) <= 255:
            raise AssertionError("kvnode refuses peer %r" % item)
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise AssertionError("kvnode refuses the port of peer %r" % item)
        peers.append((node_id, host, int(port)))
    return peers


def port_of(address):
    return int(address.rpartition(":")[2])


class Manifest:
    """The four objects, and the pieces of the pod template the tests look at."""

    def __init__(self):
        self.documents = load_documents()
        by_kind = {}
        for document in self.documents:
            by_kind.setdefault(document["kind"], []).append(document)
        self.by_kind = by_kind
        self.statefulset = by_kind["StatefulSet"][0]
        self.services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
        self.headless = next(s for s in self.services.values()
                             if s["spec"].get("clusterIP") == "None")
        self.pod = self.statefulset["spec"]["template"]
        self.pod_spec = self.pod["spec"]
        self.container = next(c for c in self.pod_spec["containers"] if c["name"] == "kvnode")
        self.init = next(c for c in self.pod_spec["initContainers"]
                         if c["name"] == "wait-for-cluster")
        self.start_script = self.container["command"][2]
        self.init_script = self.init["command"][2]
        self.prestop_script = self.container["lifecycle"]["preStop"]["exec"]["command"][2]

    def environment(self, pod_name, container=None):
        return resolve_environment(container or self.container, pod_name)

    def pod_name(self, ordinal):
        return "%s-%d" % (self.statefulset["metadata"]["name"], ordinal)

    def named_port(self, reference):
        for port in self.container["ports"]:
            if reference in (port.get("name"), port["containerPort"]):
                return port["containerPort"]
        raise AssertionError("no container port %r" % reference)


class ObjectsTest(unittest.TestCase):
    def setUp(self):
        self.manifest = Manifest()

    def test_the_objects_and_no_secret_among_them(self):
        kinds = sorted((d["apiVersion"], d["kind"]) for d in self.manifest.documents)
        self.assertEqual(kinds, [("apps/v1", "StatefulSet"), ("policy/v1", "PodDisruptionBudget"),
                                 ("v1", "Service"), ("v1", "Service")])

    def test_the_headless_service_names_the_pods_and_publishes_joining_ones(self):
        headless = self.manifest.headless
        self.assertEqual(self.manifest.statefulset["spec"]["serviceName"],
                         headless["metadata"]["name"])
        self.assertIs(headless["spec"].get("publishNotReadyAddresses"), True,
                      "a joining pod is not ready, yet its peers must resolve its name")

    def test_the_client_service_is_not_headless(self):
        clients = [s for s in self.manifest.services.values() if s is not self.manifest.headless]
        self.assertEqual(len(clients), 1)
        self.assertNotEqual(clients[0]["spec"].get("clusterIP"), "None")
        self.assertFalse(clients[0]["spec"].get("publishNotReadyAddresses", False))

    def test_every_selector_picks_the_pods(self):
        labels = self.manifest.pod["metadata"]["labels"]
        selectors = {"StatefulSet": self.manifest.statefulset["spec"]["selector"]["matchLabels"]}
        for name, service in self.manifest.services.items():
            selectors["Service " + name] = service["spec"]["selector"]
        pdb = self.manifest.by_kind["PodDisruptionBudget"][0]
        selectors["PodDisruptionBudget"] = pdb["spec"]["selector"]["matchLabels"]
        for owner, selector in selectors.items():
            self.assertTrue(selector, owner)
            for key, value in selector.items():
                self.assertEqual(labels.get(key), value, "%s selects %s=%s" % (owner, key, value))

    def test_services_reach_the_port_kvnode_listens_on(self):
        listen_port = port_of(self.manifest.environment("ringkv-0")["KV_LISTEN"])
        for name, service in self.manifest.services.items():
            ports = service["spec"]["ports"]
            self.assertEqual(len(ports), 1, name)
            self.assertEqual(self.manifest.named_port(ports[0]["targetPort"]), listen_port, name)

    def test_one_voluntary_disruption_at_a_time(self):
        spec = self.manifest.by_kind["PodDisruptionBudget"][0]["spec"]
        self.assertEqual(spec.get("maxUnavailable"), 1)
        self.assertNotIn("minAvailable", spec)

    def test_pods_start_in_parallel_and_volumes_survive_a_scale_down(self):
        spec = self.manifest.statefulset["spec"]
        # OrderedReady would wait for ringkv-0 to be ready, which needs ringkv-1 and -2.
        self.assertEqual(spec["podManagementPolicy"], "Parallel")
        self.assertGreaterEqual(spec["replicas"], 3, "fewer pods than the replication factor")
        self.assertEqual(spec["persistentVolumeClaimRetentionPolicy"]["whenScaled"], "Retain")


class PodTest(unittest.TestCase):
    def setUp(self):
        self.manifest = Manifest()
        self.container = self.manifest.container
        self.environment = self.manifest.environment(self.manifest.pod_name(4))

    def probe_port_and_path(self, probe_name):
        probe = self.container[probe_name]["httpGet"]
        return self.manifest.named_port(probe["port"]), probe["path"]

    def test_probes(self):
        listen_port = port_of(self.environment["KV_LISTEN"])
        self.assertEqual(self.probe_port_and_path("readinessProbe"),
                         (listen_port, "/health?ready=1"))
        self.assertEqual(self.probe_port_and_path("livenessProbe"), (listen_port, "/health"))
        self.assertEqual(self.probe_port_and_path("startupProbe"), (listen_port, "/health"))

    def test_the_volume_claim_template_is_mounted_at_the_data_dir(self):
        templates = {t["metadata"]["name"]: t for t in
                     self.manifest.statefulset["spec"]["volumeClaimTemplates"]}
        mounts = {m["mountPath"]: m for m in self.container["volumeMounts"]}
        data = mounts.get(self.environment["KV_DATA_DIR"])
        self.assertIsNotNone(data, "nothing mounted at KV_DATA_DIR")
        self.assertIn(data["name"], templates, "the data dir is not the pod's own claim")
        self.assertFalse(data.get("readOnly", False))
        template = templates[data["name"]]["spec"]
        self.assertEqual(template["accessModes"], ["ReadWriteOnce"])
        self.assertTrue(template["resources"]["requests"]["storage"])
        init_environment = self.manifest.environment("ringkv-4", self.manifest.init)
        self.assertEqual(init_environment["KV_DATA_DIR"], self.environment["KV_DATA_DIR"])
        self.assertIn({"name": data["name"], "mountPath": data["mountPath"], "readOnly": True},
                      self.manifest.init["volumeMounts"])
        # The start script's message names the claim a scale-up would reuse.
        self.assertIn("kubectl delete pvc %s-$KV_ID" % data["name"], self.manifest.start_script)

    def test_identity_and_advertised_address_follow_the_pod(self):
        headless = self.manifest.headless["metadata"]["name"]
        listen_port = port_of(self.environment["KV_LISTEN"])
        self.assertEqual(self.manifest.named_port("kv"), listen_port)
        for ordinal in (0, 7):
            pod_name = self.manifest.pod_name(ordinal)
            environment = self.manifest.environment(pod_name)
            self.assertEqual(environment["KV_ID"], pod_name)
            self.assertRegex(environment["KV_ID"], NODE_ID)
            self.assertEqual(environment["KV_ADVERTISE"], "%s.%s.%s.svc.cluster.local:%d" % (
                pod_name, headless, NAMESPACE, listen_port))

    def test_the_seeds_are_the_first_three_pods_at_their_advertised_addresses(self):
        seeds = parse_peers(self.environment["RINGKV_SEEDS"])
        expected = []
        for ordinal in range(3):
            advertised = self.manifest.environment(self.manifest.pod_name(ordinal))["KV_ADVERTISE"]
            host, _, port = advertised.rpartition(":")
            expected.append((self.manifest.pod_name(ordinal), host, int(port)))
        self.assertEqual(seeds, expected)
        init_environment = self.manifest.environment(self.manifest.pod_name(4), self.manifest.init)
        for name in ("KV_ID", "RINGKV_SEEDS"):
            self.assertEqual(init_environment[name], self.environment[name], name)

    def test_the_token_comes_from_a_secret_for_kvnode_and_kvctl(self):
        sources = {}
        for variable in self.container["env"]:
            if "TOKEN" in variable["name"]:
                self.assertNotIn("value", variable, "%s has a literal value" % variable["name"])
                sources[variable["name"]] = variable["valueFrom"]["secretKeyRef"]
        self.assertEqual(set(sources), {"KV_CLUSTER_TOKEN", "RINGKV_CLUSTER_TOKEN"})
        self.assertEqual(sources["KV_CLUSTER_TOKEN"], sources["RINGKV_CLUSTER_TOKEN"])
        self.assertFalse(sources["KV_CLUSTER_TOKEN"].get("optional", False))

    def test_references_resolve_and_scripts_are_left_alone(self):
        for container in (self.container, self.manifest.init):
            defined = set()
            for variable in container["env"]:
                for name in re.findall(r"\$\(([^)]*)\)", str(variable.get("value", ""))):
                    self.assertIn(name, defined, "%s uses $(%s) before it is defined" % (
                        variable["name"], name))
                defined.add(variable["name"])
            environment = resolve_environment(container, "ringkv-1")
            commands = list(container["command"])
            if "lifecycle" in container:  # not expanded by the kubelet today: kept plain anyway
                commands += container["lifecycle"]["preStop"]["exec"]["command"]
            for script in commands:
                self.assertEqual(expand(script, environment), script,
                                 "Kubernetes would rewrite $(...) or $$ in the command")

    def test_runs_as_the_images_user_without_privileges(self):
        with open(DOCKERFILE, encoding="utf-8") as f:
            dockerfile = f.read()
        uid = int(re.search(r"useradd [^\n]*--uid (\d+)", dockerfile).group(1))
        gid = int(re.search(r"groupadd [^\n]*--gid (\d+)", dockerfile).group(1))
        pod_security = self.manifest.pod_spec["securityContext"]
        self.assertIs(pod_security["runAsNonRoot"], True)
        self.assertEqual((pod_security["runAsUser"], pod_security["runAsGroup"],
                          pod_security["fsGroup"]), (uid, gid, gid))
        for container in (self.container, self.manifest.init):
            security = container["securityContext"]
            self.assertIs(security["allowPrivilegeEscalation"], False, container["name"])
            self.assertIs(security["readOnlyRootFilesystem"], True, container["name"])
            self.assertEqual(security["capabilities"]["drop"], ["ALL"], container["name"])
        self.assertIs(self.manifest.pod_spec["enableServiceLinks"], False,
                      "the Service ringkv would inject RINGKV_* variables")

    def test_the_image_has_what_the_pod_runs(self):
        with open(DOCKERFILE, encoding="utf-8") as f:
            copied = " ".join(re.findall(r"^COPY --from=build ([^\n]*(?:\\\n[^\n]*)*)", f.read(),
                                         re.M))
        for binary in ("kvnode", "kvctl"):
            self.assertIn("/usr/local/bin/%s " % binary, copied + " ")
        for container in (self.container, self.manifest.init):
            self.assertEqual(container["command"][:2], ["/bin/sh", "-c"])
            self.assertEqual(container["image"], self.container["image"])

    def test_resources(self):
        for container in (self.container, self.manifest.init):
            resources = container["resources"]
            self.assertTrue(resources["requests"]["cpu"], container["name"])
            self.assertTrue(resources["requests"]["memory"], container["name"])
            self.assertTrue(resources["limits"]["memory"], container["name"])

    def test_the_grace_period_covers_a_decommission(self):
        needed_seconds = CHANGES_IN_A_ROW * DECOMMISSION_BYTES / STREAM_BYTES_PER_SECOND
        self.assertGreaterEqual(self.manifest.pod_spec["terminationGracePeriodSeconds"],
                                needed_seconds)

    def test_the_decommission_marker_lives_and_dies_with_the_pod(self):
        run_dir = self.environment["RINGKV_RUN_DIR"]
        mount = next(m for m in self.container["volumeMounts"] if m["mountPath"] == run_dir)
        volume = next(v for v in self.manifest.pod_spec["volumes"] if v["name"] == mount["name"])
        self.assertIn("emptyDir", volume, "the marker must not outlive the pod")
        self.assertIn('"$RINGKV_RUN_DIR/decommission-on-stop"', self.manifest.prestop_script)


class StandIns:
    """A directory of stand-ins first on PATH: kvnode (records its environment; exits with
    FAKE_KVNODE=exit:N or serves until SIGTERM), kvctl (records its arguments; exit codes
    from FAKE_KVCTL_CODES, the last one repeating; health says "normal" for the node in
    FAKE_NORMAL_NODE) and sleep (records, returns at once)."""

    KVNODE = """#!%s
import json, os, signal, sys
with open(os.path.join(os.environ["FAKE_DIR"], "kvnode.env"), "w") as f:
    json.dump(dict(os.environ), f)
mode = os.environ.get("FAKE_KVNODE", "exit:0")
if mode.startswith("exit:"):
    sys.exit(int(mode[5:]))
def stop(number, frame):
    open(os.path.join(os.environ["FAKE_DIR"], "kvnode.stopped"), "w").close()
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("serving", flush=True)
while True:
    signal.pause()
"""
    KVCTL = """#!/bin/sh
echo "$*" >>"$FAKE_DIR/kvctl.calls"
echo "$RINGKV_CLUSTER_TOKEN" >"$FAKE_DIR/kvctl.token"
calls=$(wc -l <"$FAKE_DIR/kvctl.calls")
code=0
index=0
for next in ${FAKE_KVCTL_CODES:-0}; do
  index=$((index + 1))
  code=$next
  [ "$index" -lt "$calls" ] || break
done
case "$*" in
  *health*)
    case " $* " in
      *" ${FAKE_NORMAL_NODE:-none} "*) echo '{"status":"ok","state":"normal"}' ;;
      *) echo '{"status":"ok","state":"joining"}' ;;
    esac ;;
esac
exit "$code"
"""
    SLEEP = """#!/bin/sh
echo "$*" >>"$FAKE_DIR/sleep.calls"
"""

    def __init__(self, directory):
        self.directory = directory
        self.bin = os.path.join(directory, "bin")
        os.mkdir(self.bin)
        for name, text in (("kvnode", self.KVNODE % sys.executable), ("kvctl", self.KVCTL),
                           ("sleep", self.SLEEP)):
            path = os.path.join(self.bin, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)

    def lines(self, name):
        path = os.path.join(self.directory, name)
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return f.read().splitlines()

    def exists(self, name):
        return os.path.exists(os.path.join(self.directory, name))


class ScriptsTest(unittest.TestCase):
    """The scripts of pod ringkv-4 (not a seed) unless a test says otherwise."""

    def setUp(self):
        self.manifest = Manifest()
        self.work = tempfile.TemporaryDirectory()
        self.addCleanup(self.work.cleanup)
        self.fakes = StandIns(self.work.name)
        self.data_dir = os.path.join(self.work.name, "data")
        self.run_dir = os.path.join(self.work.name, "run")
        os.mkdir(self.data_dir)
        os.mkdir(self.run_dir)
        self.hook_log = os.path.join(self.work.name, "hook.log")  # stands for /proc/1/fd/2
        open(self.hook_log, "w").close()

    def environment(self, pod_name="ringkv-4", container=None, **extra):
        environment = self.manifest.environment(pod_name, container)
        environment.update(KV_DATA_DIR=self.data_dir, RINGKV_HOOK_LOG=self.hook_log,
                           FAKE_DIR=self.work.name,
                           PATH=self.fakes.bin + os.pathsep + "/usr/bin:/bin")
        if "RINGKV_RUN_DIR" in environment:
            environment["RINGKV_RUN_DIR"] = self.run_dir
        environment.update(extra)
        return environment

    def run_script(self, script, environment):
        return subprocess.run(["/bin/sh", "-c", script], env=environment, capture_output=True,
                              text=True, timeout=SCRIPT_TIMEOUT_SECONDS)

    def kvnode_environment(self):
        with open(os.path.join(self.work.name, "kvnode.env")) as f:
            return json.load(f)

    def left_marker(self):
        return os.path.join(self.data_dir, "ringkv-left")

    # --- start ---

    def test_the_peers_are_the_seeds_but_the_node_itself(self):
        for pod_name, expected in (("ringkv-0", ["ringkv-1", "ringkv-2"]),
                                   ("ringkv-2", ["ringkv-0", "ringkv-1"]),
                                   ("ringkv-4", ["ringkv-0", "ringkv-1", "ringkv-2"])):
            done = self.run_script(self.manifest.start_script, self.environment(pod_name))
            self.assertEqual(done.returncode, 0, done.stderr)
            seen = self.kvnode_environment()
            peers = parse_peers(seen["KV_PEERS"])
            self.assertEqual([peer[0] for peer in peers], expected, pod_name)
            self.assertNotIn(seen["KV_ID"], [peer[0] for peer in peers])
            for peer_id, host, port in peers:
                self.assertEqual("%s:%d" % (host, port),
                                 self.manifest.environment(peer_id)["KV_ADVERTISE"])
            self.assertEqual(seen["KV_ID"], pod_name)
            self.assertEqual(seen["KV_CLUSTER_TOKEN"], SECRET_VALUE)
            os.remove(self.left_marker())  # kvnode "exited 0 by itself": see below

    def test_a_node_that_left_marks_its_volume_and_never_starts_on_it_again(self):
        done = self.run_script(self.manifest.start_script, self.environment())
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(os.path.exists(self.left_marker()))
        self.assertIn("has left the cluster", done.stderr)
        os.remove(os.path.join(self.work.name, "kvnode.env"))
        again = self.run_script(self.manifest.start_script, self.environment())
        self.assertEqual(again.returncode, 1)
        self.assertFalse(self.fakes.exists("kvnode.env"), "kvnode started on stale data")
        self.assertIn("kubectl delete pvc data-ringkv-4", again.stderr)

    def test_a_failing_kvnode_does_not_mark_the_volume(self):
        done = self.run_script(self.manifest.start_script,
                               self.environment(FAKE_KVNODE="exit:3"))
        self.assertEqual(done.returncode, 3)
        self.assertFalse(os.path.exists(self.left_marker()))

    def test_sigterm_reaches_kvnode_and_a_stop_does_not_mark_the_volume(self):
        shell = subprocess.Popen(["/bin/sh", "-c", self.manifest.start_script],
                                 env=self.environment(FAKE_KVNODE="serve"),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertEqual(shell.stdout.readline(), "serving\n")  # kvnode runs
            shell.send_signal(signal.SIGTERM)
            _, stderr = shell.communicate(timeout=SCRIPT_TIMEOUT_SECONDS)
        finally:
            if shell.poll() is None:
                shell.kill()
                shell.wait()
        self.assertTrue(self.fakes.exists("kvnode.stopped"), "kvnode never got the SIGTERM")
        self.assertEqual(shell.returncode, 0, "kvnode's own status after a stop: " + stderr)
        self.assertFalse(os.path.exists(self.left_marker()))

    # --- preStop ---

    def mark_for_decommission(self):
        open(os.path.join(self.run_dir, "decommission-on-stop"), "w").close()

    def test_prestop_without_the_marker_does_nothing(self):
        done = self.run_script(self.manifest.prestop_script, self.environment())
        self.assertEqual(done.returncode, 0)
        self.assertEqual(self.fakes.lines("kvctl.calls"), [])

    def test_prestop_with_the_marker_decommissions_the_local_node(self):
        self.mark_for_decommission()
        done = self.run_script(self.manifest.prestop_script, self.environment())
        self.assertEqual(done.returncode, 0)
        self.assertEqual(self.fakes.lines("kvctl.calls"),
                         ["--node 127.0.0.1:8080 decommission --wait"])
        self.assertEqual(self.fakes.lines("kvctl.token"), [SECRET_VALUE])
        with open(self.hook_log) as f:
            self.assertIn("ringkv-4 has left the cluster", f.read())

    def test_prestop_retries_while_another_change_runs(self):
        self.mark_for_decommission()
        done = self.run_script(self.manifest.prestop_script,
                               self.environment(FAKE_KVCTL_CODES="3 3 0"))
        self.assertEqual(done.returncode, 0)
        self.assertEqual(len(self.fakes.lines("kvctl.calls")), 3)
        self.assertEqual(len(self.fakes.lines("sleep.calls")), 2)

    def test_prestop_gives_up_at_once_when_kvctl_cannot_decommission(self):
        self.mark_for_decommission()
        done = self.run_script(self.manifest.prestop_script,
                               self.environment(FAKE_KVCTL_CODES="2"))
        self.assertEqual(done.returncode, 1)
        self.assertEqual(len(self.fakes.lines("kvctl.calls")), 1)
        with open(self.hook_log) as f:
            self.assertIn("cannot decommission", f.read())

    def test_prestop_tries_a_bounded_number_of_times(self):
        self.mark_for_decommission()
        done = self.run_script(self.manifest.prestop_script,
                               self.environment(FAKE_KVCTL_CODES="3"))
        self.assertEqual(done.returncode, 1)
        tries = len(self.fakes.lines("kvctl.calls"))
        self.assertGreater(tries, 1)
        retry_seconds = sum(int(line) for line in self.fakes.lines("sleep.calls"))
        self.assertLess(retry_seconds, self.manifest.pod_spec["terminationGracePeriodSeconds"])

    # --- wait-for-cluster ---

    def run_init(self, pod_name="ringkv-4", **extra):
        return self.run_script(self.manifest.init_script,
                               self.environment(pod_name, self.manifest.init, **extra))

    def test_seeds_and_restarts_do_not_wait(self):
        self.assertEqual(self.run_init("ringkv-1").returncode, 0)
        self.assertEqual(self.fakes.lines("kvctl.calls"), [])
        open(os.path.join(self.data_dir, "incarnation"), "w").close()
        self.assertEqual(self.run_init("ringkv-4").returncode, 0)
        self.assertEqual(self.fakes.lines("kvctl.calls"), [])

    def test_a_new_pod_waits_for_a_seed_that_is_a_normal_member(self):
        normal_seed = self.manifest.environment("ringkv-2")["KV_ADVERTISE"]
        done = self.run_init(FAKE_NORMAL_NODE=normal_seed)
        self.assertEqual(done.returncode, 0, done.stdout)
        calls = self.fakes.lines("kvctl.calls")
        self.assertEqual(calls[-1], "--json --node %s health" % normal_seed)
        self.assertIn("ringkv-2 is a normal member", done.stdout)

    def test_a_new_pod_without_a_normal_seed_fails_after_bounded_tries(self):
        done = self.run_init()
        self.assertEqual(done.returncode, 1)
        self.assertIn("no seed is a normal member", done.stdout)
        self.assertGreater(len(self.fakes.lines("sleep.calls")), 1)

    def test_the_scripts_pass_shellcheck(self):
        if shutil.which("shellcheck") is None:
            self.skipTest("shellcheck not installed")
        for script in (self.manifest.start_script, self.manifest.init_script,
                       self.manifest.prestop_script):
            done = subprocess.run(["shellcheck", "--shell=sh", "-"], input=script,
                                  capture_output=True, text=True)
            self.assertEqual(done.returncode, 0, done.stdout)


class ReaderTest(unittest.TestCase):
    def test_the_subset_reader_agrees_with_pyyaml_when_it_is_installed(self):
        try:
            import yaml
        except ImportError:
            self.skipTest("PyYAML not installed")
        with open(MANIFEST, encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(compose_yaml.load_all(text), list(yaml.safe_load_all(text)))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
