#!/usr/bin/env python3
"""`make up` smoke test: tools/local-cluster starts three nodes on free 127.0.0.1 ports with
a temporary data dir; all answer /health; the cluster token is on no command line; keys
written through each port read back through every port (kvctl); SIGINT stops everything:
exit status 0 and no node process left.
Also: a port already in use makes local-cluster refuse before starting anything; a node
stopped by hand leaves the others serving writes, and restarted with the command the
script prints (run from another directory, with relative RINGKV_DATA_DIR and KVNODE at
start; the command shows no token, reads it from DATA/cluster-token), it serves quorum
reads of what was written meanwhile; a node killed with SIGKILL is reported in one line,
without bash's job notice, and a later SIGINT exits 1 naming it.

Usage: local_cluster_smoke_test.py --local-cluster PATH --kvnode PATH --kvctl PATH [--no-data]
  --no-data: skip the put/get checks (for a kvnode stand-in that only answers /health).
"""
import argparse
import os
import random
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

NODE_COUNT = 3
HEALTH_WAIT_SECONDS = 30
STOP_WAIT_SECONDS = 40
POLL_INTERVAL_SECONDS = 0.2
PORT_PROBE_ATTEMPTS = 50
COMMAND_TIMEOUT_SECONDS = 20
ARGUMENTS = None


def port_is_free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_base_port():
    """A port P such that P..P+NODE_COUNT-1 are all free on 127.0.0.1 right now."""
    generator = random.Random(os.getpid() ^ int(time.time()))
    for _ in range(PORT_PROBE_ATTEMPTS):
        base = generator.randrange(20000, 60000)
        if all(port_is_free(base + offset) for offset in range(NODE_COUNT)):
            return base
    raise RuntimeError("no %d consecutive free ports found" % NODE_COUNT)


def processes_mentioning(marker):
    """Pids whose command line contains `marker` (the unique temp data dir)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as cmdline:
                if marker.encode() in cmdline.read():
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def processes_working_under(directory):
    """Pids whose working directory is `directory` or below it."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            working_directory = os.readlink("/proc/%s/cwd" % entry)
        except OSError:
            continue
        if os.path.commonpath([working_directory, directory]) == directory:
            pids.append(int(entry))
    return pids


def reset_signals_in_child():
    os.setsid()  # own process group: the test can clean up everything it started
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # in case ctest was started ignoring it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class LocalClusterTest(unittest.TestCase):
    def setUp(self):
        self.temporary = tempfile.TemporaryDirectory(prefix="ringkv-local-cluster-")
        # realpath: local-cluster resolves symbolic links in the data directory's path.
        self.data_dir = os.path.join(os.path.realpath(self.temporary.name), "data")
        self.log_path = os.path.join(self.temporary.name, "local-cluster.log")
        self.base_port = free_base_port()
        self.process = None

    def tearDown(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=COMMAND_TIMEOUT_SECONDS)
        # Also by working directory: a node started with a relative path does not name it.
        directory = os.path.realpath(self.temporary.name)
        for pid in set(processes_mentioning(self.data_dir) + processes_working_under(directory)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.temporary.cleanup()

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def start_cluster(self, relative_paths=False):
        """relative_paths: RINGKV_DATA_DIR and KVNODE relative to the script's directory."""
        data_dir, kvnode = self.data_dir, ARGUMENTS.kvnode
        if relative_paths:
            data_dir = os.path.relpath(data_dir, self.temporary.name)
            kvnode = os.path.relpath(kvnode, self.temporary.name)
        environment = dict(os.environ, RINGKV_BASE_PORT=str(self.base_port),
                           RINGKV_DATA_DIR=data_dir, KVNODE=kvnode)
        for inherited in ("RINGKV_NODE", "RINGKV_CLUSTER_TOKEN", "KV_CLUSTER_TOKEN"):
            environment.pop(inherited, None)
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen([ARGUMENTS.local_cluster], stdout=log, stderr=log,
                                        stdin=subprocess.DEVNULL, env=environment,
                                        cwd=self.temporary.name,
                                        preexec_fn=reset_signals_in_child)
        log.close()

    def kvctl(self, port, *arguments):
        return subprocess.run([ARGUMENTS.kvctl, "--node", "127.0.0.1:%d" % port] +
                              list(arguments), capture_output=True,
                              timeout=COMMAND_TIMEOUT_SECONDS)

    def wait_until_healthy(self):
        deadline = time.monotonic() + HEALTH_WAIT_SECONDS
        waiting = set(range(self.base_port, self.base_port + NODE_COUNT))
        for _ in range(int(HEALTH_WAIT_SECONDS / POLL_INTERVAL_SECONDS) + 1):
            if self.process.poll() is not None:
                self.fail("local-cluster exited early (%d):\n%s" % (self.process.returncode,
                                                                  self.log()))
            waiting = {port for port in waiting if self.kvctl(port, "health").returncode != 0}
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(POLL_INTERVAL_SECONDS)
        self.assertEqual(waiting, set(), "nodes not healthy in time:\n" + self.log())

    def check_reads_and_writes(self):
        ports = range(self.base_port, self.base_port + NODE_COUNT)
        for writer in ports:
            key = "smoke/key written via %d" % writer
            value = ("value-%d" % writer).encode()
            put = self.kvctl(writer, "put", key, value.decode())
            self.assertEqual(put.returncode, 0, put.stderr)
            for reader in ports:
                get = self.kvctl(reader, "get", key)
                self.assertEqual((get.returncode, get.stdout), (0, value),
                                 "written via %d, read via %d: %r" % (writer, reader, get.stderr))
        deleted = self.kvctl(self.base_port, "del", "smoke/key written via %d" % self.base_port)
        self.assertEqual(deleted.returncode, 0, deleted.stderr)
        missing = self.kvctl(self.base_port + 1, "get", "smoke/key written via %d" % self.base_port)
        self.assertEqual(missing.returncode, 1, missing.stderr)
        self.check_cluster_commands()

    def check_cluster_commands(self):
        # Every other subcommand against the live cluster, and the error paths.
        as_json = self.kvctl(self.base_port, "--json", "get", "smoke/key written via %d" %
                             (self.base_port + 1))
        self.assertEqual(as_json.returncode, 0, as_json.stderr)
        self.assertIn(b'"version"', as_json.stdout)
        status = self.kvctl(self.base_port, "status")
        self.assertEqual(status.returncode, 0, status.stderr)
        for node in range(1, NODE_COUNT + 1):
            self.assertIn(b"n%d" % node, status.stdout)
        ring = self.kvctl(self.base_port + 2, "ring")
        self.assertEqual(ring.returncode, 0, ring.stderr)
        self.assertIn(b"n1", ring.stdout)
        strict = self.kvctl(self.base_port, "--w", "4", "put", "k", "v")  # W > N: refused
        self.assertEqual(strict.returncode, 3, strict.stderr)
        unreachable = self.kvctl(free_base_port(), "get", "k")  # nobody listens there
        self.assertEqual(unreachable.returncode, 4, unreachable.stderr)

    def stop_with_sigint(self):
        node_pids = processes_mentioning(self.data_dir)
        self.assertGreaterEqual(len(node_pids), NODE_COUNT, "kvnode processes not found")
        self.process.send_signal(signal.SIGINT)
        try:
            status = self.process.wait(timeout=STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.fail("local-cluster did not stop after SIGINT:\n" + self.log())
        self.assertEqual(status, 0, "local-cluster exit status:\n" + self.log())
        still_running = [pid for pid in node_pids if os.path.exists("/proc/%d" % pid)]
        self.assertEqual(still_running, [], "processes left after stop:\n" + self.log())

    def test_up_serve_and_stop_cleanly(self):
        self.start_cluster()
        self.wait_until_healthy()
        with open(os.path.join(self.data_dir, "cluster-token"), encoding="utf-8") as token:
            self.assertEqual(processes_mentioning(token.read().rstrip("\n")), [],
                             "the cluster token is on a command line")
        if not ARGUMENTS.no_data:
            self.check_reads_and_writes()
        self.stop_with_sigint()
        log = self.log()
        for node in range(1, NODE_COUNT + 1):
            self.assertIn("\nn%d | " % node, log, "no log line prefixed by n%d" % node)
            self.assertTrue(os.path.isdir(os.path.join(self.data_dir, "n%d" % node)))

    def node_pid(self, node_id):
        match = re.search(r"%s on \S+ \(pid (\d+)," % node_id, self.log())
        self.assertIsNotNone(match, "no start-up line for %s:\n%s" % (node_id, self.log()))
        return int(match.group(1))

    def death_line(self, node_id):
        """The one line that reports node_id's exit: (how it ended, the restart command)."""
        lines = [line for line in self.log().splitlines()
                 if line.startswith("local-cluster: %s " % node_id) and
                 not line.startswith("local-cluster: %s on " % node_id)]
        self.assertEqual(len(lines), 1, "not one line about %s:\n%s" % (node_id, self.log()))
        match = re.fullmatch(r"local-cluster: %s (exited with status \d+|died \(killed by signal "
                             r"[A-Z]+\)); \S.* still running; restart it with: (.+)" % node_id,
                             lines[0])
        self.assertIsNotNone(match, "unexpected line about %s: %r" % (node_id, lines[0]))
        return match.group(1), match.group(2)

    def check_restart_command(self, command, node_id):
        # No token in clear: it comes from DATA/cluster-token (0600); every path is absolute.
        token_path = os.path.join(self.data_dir, "cluster-token")
        self.assertEqual(os.stat(token_path).st_mode & 0o777, 0o600)
        with open(token_path, encoding="utf-8") as token_file:
            token = token_file.read().rstrip("\n")
        self.assertNotIn(token, self.log())
        words = shlex.split(command)
        self.assertEqual(words[0], 'KV_CLUSTER_TOKEN=$(cat %s)' % token_path, command)
        self.assertTrue(os.path.isabs(words[1]), command)
        self.assertEqual(words[words.index("--data-dir") + 1],
                         os.path.join(self.data_dir, node_id), command)
        return token

    def restart_by_hand(self, node_id):
        """Runs the restart command the script printed, from another directory that has a
        ./data of its own; returns the new process and the token it must have been given."""
        ending, command = self.death_line(node_id)
        self.assertEqual(ending, "exited with status 0", "%s did not exit cleanly" % node_id)
        token = self.check_restart_command(command, node_id)
        elsewhere = os.path.join(self.temporary.name, "elsewhere")
        os.makedirs(os.path.join(elsewhere, "data"))
        # bash -c runs a lone command with exec: the process is the node itself.
        return subprocess.Popen(["bash", "-c", command], cwd=elsewhere, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=reset_signals_in_child), token

    def check_restarted(self, restarted, token):
        with open("/proc/%d/environ" % restarted.pid, "rb") as environ:
            variables = environ.read().split(b"\0")
        self.assertIn(b"KV_CLUSTER_TOKEN=" + token.encode(), variables,
                      "the restarted node did not get the cluster token")
        self.assertEqual(os.listdir(os.path.join(self.temporary.name, "elsewhere", "data")), [],
                         "the restarted node used ./data of its working directory")

    def wait_for_log(self, fragment):
        for _ in range(int(HEALTH_WAIT_SECONDS / POLL_INTERVAL_SECONDS)):
            if fragment in self.log():
                return
            time.sleep(POLL_INTERVAL_SECONDS)
        self.fail("%r never appeared in the log:\n%s" % (fragment, self.log()))

    def test_a_node_stopped_by_hand_can_be_restarted(self):
        first, second = self.base_port, self.base_port + 1
        # A token kept from an earlier run is reused (and its file made private).
        os.makedirs(self.data_dir)
        with open(os.path.join(self.data_dir, "cluster-token"), "w", encoding="utf-8") as token:
            token.write("token of an earlier run, with a comma\n")
        os.chmod(os.path.join(self.data_dir, "cluster-token"), 0o644)
        self.start_cluster(relative_paths=True)
        self.wait_until_healthy()
        os.kill(self.node_pid("n2"), signal.SIGTERM)
        self.wait_for_log("n2 exited with status")
        self.assertIsNone(self.process.poll(), "local-cluster stopped with one node down")
        if not ARGUMENTS.no_data:
            put = self.kvctl(first, "put", "written while n2 is down", "v2")
            self.assertEqual(put.returncode, 0, put.stderr)
        restarted, token = self.restart_by_hand("n2")
        self.assertEqual(token, "token of an earlier run, with a comma")
        try:
            self.wait_until_healthy()
            self.check_restarted(restarted, token)
            if not ARGUMENTS.no_data:
                get = self.kvctl(second, "get", "written while n2 is down")
                self.assertEqual((get.returncode, get.stdout), (0, b"v2"), get.stderr)
        finally:
            restarted.send_signal(signal.SIGTERM)
            self.assertEqual(restarted.wait(timeout=STOP_WAIT_SECONDS), 0)
        self.process.send_signal(signal.SIGINT)
        self.assertEqual(self.process.wait(timeout=STOP_WAIT_SECONDS), 0, self.log())

    def test_a_killed_node_is_reported_and_named_at_exit(self):
        self.start_cluster()
        self.wait_until_healthy()
        os.kill(self.node_pid("n2"), signal.SIGKILL)
        self.wait_for_log("n2 died")
        ending, command = self.death_line("n2")
        self.assertEqual(ending, "died (killed by signal KILL)")
        self.check_restart_command(command, "n2")
        self.assertIsNone(self.process.poll(), "local-cluster stopped with one node down")
        self.process.send_signal(signal.SIGINT)  # Ctrl-C
        self.assertEqual(self.process.wait(timeout=STOP_WAIT_SECONDS), 1, self.log())
        log = self.log()
        self.assertNotRegex(log, r"line \d+: +\d+ ", "bash's job notice in the output")
        last = [line for line in log.splitlines() if line.startswith("local-cluster: ")][-1]
        self.assertEqual(last, "local-cluster: exiting with status 1: n2 died (killed by signal "
                         "KILL) while the cluster ran")
        self.assertEqual(processes_mentioning(self.data_dir), [])

    def test_refuses_when_a_port_is_taken(self):
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", self.base_port + 1))
            squatter.listen(1)
            self.start_cluster()
            status = self.process.wait(timeout=COMMAND_TIMEOUT_SECONDS)
        log = self.log()
        self.assertNotEqual(status, 0)
        self.assertIn("port %d" % (self.base_port + 1), log)
        self.assertIn("already in use", log)
        self.assertEqual(processes_mentioning(self.data_dir), [])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local-cluster", required=True)
    parser.add_argument("--kvnode", required=True)
    parser.add_argument("--kvctl", required=True)
    parser.add_argument("--no-data", action="store_true")
    ARGUMENTS, remaining = parser.parse_known_args()
    ARGUMENTS.local_cluster = os.path.abspath(ARGUMENTS.local_cluster)
    ARGUMENTS.kvnode = os.path.abspath(ARGUMENTS.kvnode)
    ARGUMENTS.kvctl = os.path.abspath(ARGUMENTS.kvctl)
    for path in (ARGUMENTS.local_cluster, ARGUMENTS.kvnode, ARGUMENTS.kvctl):
        if not os.access(path, os.X_OK):
            sys.exit("not executable: %s" % path)
    unittest.main(argv=[sys.argv[0]] + remaining, verbosity=1)
