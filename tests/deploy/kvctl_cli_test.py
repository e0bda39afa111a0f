#!/usr/bin/env python3
"""kvctl against a stub ringkv node (stdlib HTTP server on 127.0.0.1, ephemeral port).

Checks what kvctl sends (method, percent-encoded key, query, headers), what it refuses to
send, and how it turns answers into output and exit codes (0 ok, 1 not found, 2 usage,
3 server error, 4 cannot connect, 6 --wait timed out), with and without --json. The
membership changes (decommission, removenode, --wait) run against fake_kvnode.py, a
process that walks a change one step per /cluster answer and exits once it has left.
Needs no kvnode.
Usage: kvctl_cli_test.py PATH_TO_KVCTL
"""
import http.server
import json
import os
import pty
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

KVCTL = None
COMMAND_TIMEOUT_SECONDS = 30
FAKE_KVNODE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_kvnode.py")
FAKE_STOP_SECONDS = 10

CLUSTER_ROWS = [
    {"node_id": "n2", "address": "127.0.0.1:8082", "incarnation": 1, "heartbeat": 40,
     "status": "suspect"},
    {"node_id": "n1", "address": "127.0.0.1:8081", "incarnation": 3, "heartbeat": 1234,
     "status": "alive"},
    {"node_id": "n3", "address": "127.0.0.1:8083", "incarnation": 1, "heartbeat": 7,
     "status": "down"},
]
# The shapes kvnode serves (runtime/admin_pages.h).
RING = {"vnodes_per_node": 100, "replication_factor": 3,
        "nodes": [{"node_id": "n1", "primary_share": 0.3333, "vnodes": 100},
                  {"node_id": "n2", "primary_share": 0.3334, "vnodes": 100},
                  {"node_id": "n3", "primary_share": 0.3333, "vnodes": 100}]}
CLUSTER = {"node": "n1", "members": CLUSTER_ROWS}
NODE_VALUE_LIMIT_BYTES = 1 << 20  # kvnode's default --max-value-bytes (core/config.h)


class StubNode(http.server.BaseHTTPRequestHandler):
    """A tiny in-memory imitation of a node's client API, recording each request."""
    protocol_version = "HTTP/1.1"
    store = {}
    requests = []
    counter = 0

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)

    def reply_json(self, status, document):
        self.reply(status, json.dumps(document).encode(), [("Content-Type", "application/json")])

    def record(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        StubNode.requests.append({"method": self.command, "path": self.path,
                                  "headers": dict(self.headers), "body": body})
        return self.path.split("?", 1)[0], body

    def do_GET(self):
        path, _ = self.record()
        if path == "/health":
            return self.reply_json(200, {"status": "ok", "node": "n1"})
        if path == "/cluster":
            return self.reply_json(200, CLUSTER)
        if path == "/ring":
            return self.reply_json(200, RING)
        if path in StubNode.store:
            value, version = StubNode.store[path]
            return self.reply(200, value, [("X-Version", version)])
        self.reply_json(404, {"error": "not found"})

    def do_PUT(self):
        path, body = self.record()
        if path == "/kv/quorum-fail":
            return self.reply_json(503, {"error": "quorum not reached", "acks": 1,
                                         "required": 2})
        if path == "/kv/binary-error":  # an error body that is not UTF-8
            return self.reply(500, b"broken \xff\xfe value")
        StubNode.counter += 1
        version = "%d.n1" % StubNode.counter
        StubNode.store[path] = (body, version)
        self.reply(204, headers=[("X-Version", version)])

    def do_DELETE(self):
        path, _ = self.record()
        StubNode.store.pop(path, None)
        self.reply(204)

    def do_POST(self):
        path, _ = self.record()
        if path not in ("/admin/decommission", "/admin/removenode"):
            return self.reply_json(404, {"error": "not found"})
        self.reply_json(202, {"accepted": True, "change": "a change", "epoch": 9})


class FakeNode:
    """fake_kvnode.py as n3 of n1, n2, n3, on a free port; `changes` is its --fake-changes."""

    def __init__(self, test, changes="finish"):
        data = tempfile.TemporaryDirectory()
        test.addCleanup(data.cleanup)
        self.process = subprocess.Popen(
            [sys.executable, "-B", FAKE_KVNODE, "--id", "n3", "--listen", "127.0.0.1:0",
             "--peers", "n1=127.0.0.1:1,n2=127.0.0.1:2", "--data-dir", data.name,
             "--cluster-token", "t", "--fake-changes", changes],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        test.addCleanup(self.stop)
        first_line = self.process.stdout.readline().decode()  # ends when it exits, too
        test.assertIn("listening on ", first_line)
        self.address = first_line.split("listening on ", 1)[1].strip()

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()  # its clean stop is local_cluster_smoke_test's to check
        self.process.wait(timeout=FAKE_STOP_SECONDS)
        self.process.stdout.close()

    def exit_code(self):
        """Its exit status once it has exited on its own (it does after leaving)."""
        return self.process.wait(timeout=FAKE_STOP_SECONDS)


def free_port():
    """A port nobody listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class KvctlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StubNode)
        cls.node = "127.0.0.1:%d" % cls.server.server_address[1]
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        StubNode.store.clear()
        StubNode.requests.clear()
        StubNode.counter = 0

    def kvctl(self, *arguments, stdin=b"", node=True, environment=None, terminal_input=None):
        """Runs kvctl with `stdin` on a pipe, or with a terminal as stdin when
        terminal_input is given (bytes typed there before kvctl starts)."""
        command = [KVCTL] + (["--node", self.node] if node else []) + list(arguments)
        env = {key: value for key, value in os.environ.items() if not key.startswith("RINGKV_")}
        env.update(environment or {})
        if terminal_input is None:
            return subprocess.run(command, input=stdin, capture_output=True, env=env,
                                  timeout=COMMAND_TIMEOUT_SECONDS)
        try:
            controller, terminal = pty.openpty()
        except OSError as error:
            self.skipTest("no pseudo-terminal here: %s" % error)
        try:
            os.write(controller, terminal_input)
            return subprocess.run(command, stdin=terminal, capture_output=True, env=env,
                                  timeout=COMMAND_TIMEOUT_SECONDS)
        finally:
            os.close(terminal)
            os.close(controller)

    def assert_nothing_sent(self, result):
        self.assertEqual(StubNode.requests, [], result.stderr)

    def test_put_then_get_round_trips_a_key_that_needs_encoding(self):
        put = self.kvctl("put", "a b/\u00e7", "hello world")
        self.assertEqual(put.returncode, 0, put.stderr)
        self.assertEqual(put.stdout, b"1.n1\n")
        self.assertEqual(StubNode.requests[-1]["path"], "/kv/a%20b%2F%C3%A7")
        self.assertEqual(StubNode.requests[-1]["body"], b"hello world")
        get = self.kvctl("get", "a b/\u00e7")
        self.assertEqual((get.returncode, get.stdout), (0, b"hello world"))

    def test_put_reads_the_value_from_stdin(self):
        for arguments in (["put", "k"], ["put", "k", "-"]):
            result = self.kvctl(*arguments, stdin=b"\x00binary\xff")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(StubNode.requests[-1]["body"], b"\x00binary\xff")

    def test_put_without_a_value_on_a_terminal_is_a_usage_error(self):
        result = self.kvctl("put", "k", terminal_input=b"")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn(b"give VALUE, or '-' to read it from stdin", result.stderr)
        self.assert_nothing_sent(result)

    def test_put_dash_reads_a_terminal_until_end_of_input(self):
        result = self.kvctl("put", "k", "-", terminal_input=b"typed\n\x04")  # ^D: end of input
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(StubNode.requests[-1]["body"], b"typed\n")

    def test_put_without_a_value_refuses_an_empty_stdin_but_dash_stores_it(self):
        refused = self.kvctl("put", "k", stdin=b"")
        self.assertEqual(refused.returncode, 2)
        self.assertIn(b"stdin is empty", refused.stderr)
        self.assertIn(b"kvctl put KEY -", refused.stderr)
        self.assert_nothing_sent(refused)
        stored = self.kvctl("put", "k", "-", stdin=b"")
        self.assertEqual(stored.returncode, 0, stored.stderr)
        self.assertEqual(StubNode.requests[-1]["body"], b"")

    def test_a_value_over_the_node_limit_is_refused_before_sending(self):
        largest = b"x" * NODE_VALUE_LIMIT_BYTES
        for arguments in (["put", "k"], ["put", "k", "-"]):
            result = self.kvctl(*arguments, stdin=largest + b"x")
            self.assertEqual(result.returncode, 2, arguments)
            self.assertIn(b"over the limit of 1048576 bytes (1 MiB)", result.stderr)
            self.assertIn(b"--max-value-bytes", result.stderr)
            self.assert_nothing_sent(result)
        at_limit = self.kvctl("put", "k", "-", stdin=largest)
        self.assertEqual(at_limit.returncode, 0, at_limit.stderr)
        self.assertEqual(len(StubNode.requests[-1]["body"]), NODE_VALUE_LIMIT_BYTES)
        raised = self.kvctl("--max-value-bytes", str(2 * NODE_VALUE_LIMIT_BYTES), "put", "k",
                            stdin=largest + b"x")
        self.assertEqual(raised.returncode, 0, raised.stderr)
        self.assertEqual(len(StubNode.requests[-1]["body"]), NODE_VALUE_LIMIT_BYTES + 1)

    def test_help_states_the_node_value_limit(self):
        result = self.kvctl("--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(b"--max-value-bytes N", result.stdout)
        self.assertIn(b"(default: 1 MiB, what nodes accept", result.stdout)
        self.assertNotIn(b"up to 64 MiB", result.stdout)

    def test_get_json_shows_key_value_and_version(self):
        self.kvctl("put", "k", "v1")
        result = self.kvctl("--json", "get", "k")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), {"key": "k", "value": "v1", "version": "1.n1"})

    def test_get_of_a_missing_key_exits_1(self):
        result = self.kvctl("get", "missing")
        self.assertEqual(result.returncode, 1)
        self.assertIn(b"not found", result.stderr)
        self.assertEqual(result.stdout, b"")

    def test_messages_show_the_key_as_typed(self):
        result = self.kvctl("get", "user/42 \u00e7")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(StubNode.requests[-1]["path"], "/kv/user%2F42%20%C3%A7")
        self.assertEqual(result.stderr, "kvctl: not found: user/42 \u00e7\n".encode())
        multiline = self.kvctl("get", "two\nlines")
        self.assertEqual(multiline.stderr, b'kvctl: not found: "two\\nlines"\n')

    def assert_json_error(self, arguments, exit_code, key=None, **kvctl_options):
        """With --json: one JSON object on stdout ({"error", "key" for key commands}), a
        newline at its end, valid UTF-8, nothing on stderr, and the exit code kvctl gives
        without --json."""
        plain = self.kvctl(*[a for a in arguments if a != "--json"], **kvctl_options)
        result = self.kvctl(*arguments, **kvctl_options)
        self.assertEqual((plain.returncode, result.returncode), (exit_code, exit_code), arguments)
        self.assertEqual(result.stderr, b"", arguments)
        self.assertTrue(result.stdout.endswith(b"\n"), (arguments, result.stdout))
        self.assertEqual(result.stdout.count(b"\n"), 1, (arguments, result.stdout))
        document = json.loads(result.stdout.decode("utf-8"))
        self.assertEqual(document["error"], plain.stderr.decode("utf-8", "replace")
                         .removeprefix("kvctl: ").rstrip("\n"), arguments)
        self.assertEqual(document.get("key"), key, arguments)
        return document

    def test_json_errors_are_json_on_stdout_with_the_same_exit_code(self):
        self.assertEqual(self.assert_json_error(["--json", "get", "user/42"], 1, "user/42")
                         ["http_status"], 404)
        quorum = self.assert_json_error(["put", "quorum-fail", "v", "--json"], 3, "quorum-fail")
        self.assertIn("acks 1, required 2", quorum["error"])
        self.assertEqual(quorum["http_status"], 503)
        self.assert_json_error(["--json", "put", "binary-error", "v"], 3, "binary-error")
        nobody = {"RINGKV_NODE": "127.0.0.1:%d" % free_port()}
        self.assert_json_error(["--json", "get", "k"], 4, "k", node=False, environment=nobody)
        self.assert_json_error(["--json", "status"], 4, node=False, environment=nobody)
        for arguments in (["--json", "get"], ["--json", "--bogus", "get", "k"],
                          ["get", "k", "--w", "x", "--json"], ["--json", "frobnicate"]):
            self.assert_json_error(arguments, 2, "k" if "k" in arguments else None)
        self.assert_json_error(["--json", "put", "k"], 2, "k", stdin=b"")
        self.assert_json_error(["--json", "put", "k"], 2, "k", terminal_input=b"")
        self.assertEqual(StubNode.requests[-1]["path"], "/kv/binary-error")  # none sent since
        metrics = self.kvctl("--json", "metrics")  # Prometheus text has no JSON form
        self.assertEqual((metrics.returncode, metrics.stderr), (2, b""))
        self.assertIn("drop --json", json.loads(metrics.stdout)["error"])

    def test_delete_then_get_is_not_found(self):
        self.kvctl("put", "k", "v")
        self.assertEqual(self.kvctl("del", "k").returncode, 0)
        self.assertEqual(StubNode.requests[-1]["method"], "DELETE")
        self.assertEqual(self.kvctl("get", "k").returncode, 1)

    def test_quorum_failure_exits_3_with_acks_and_required(self):
        result = self.kvctl("put", "quorum-fail", "v")
        self.assertEqual(result.returncode, 3)
        self.assertIn(b"503", result.stderr)
        self.assertIn(b"quorum not reached (acks 1, required 2)", result.stderr)

    def test_options_become_query_parameters_and_headers(self):
        self.kvctl("--w", "2", "--timeout-ms", "500", "--token", "s3cret", "put", "k", "v")
        request = StubNode.requests[-1]
        self.assertEqual(request["path"], "/kv/k?w=2&timeout_ms=500")
        self.assertIsNone(request["headers"].get("X-Context"))
        self.assertEqual(request["headers"].get("X-Cluster-Token"), "s3cret")
        self.kvctl("get", "k", "--r=1")
        self.assertEqual(StubNode.requests[-1]["path"], "/kv/k?r=1")

    def test_status_prints_an_aligned_membership_table(self):
        result = self.kvctl("status")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.decode().splitlines()
        # Today's /cluster has no ring and no member states: no ring line, STATE "-".
        self.assertEqual(lines[0].split(), ["NODE", "ADDRESS", "STATUS", "STATE", "INCARNATION",
                                            "HEARTBEAT"])
        self.assertEqual([line.split()[0] for line in lines[1:]], ["n1", "n2", "n3"])
        self.assertEqual(lines[1].split(), ["n1", "127.0.0.1:8081", "alive", "-", "3", "1234"])
        status_column = lines[0].index("STATUS")
        self.assertTrue(all(line[status_column - 2:status_column] == "  " for line in lines))
        self.assertEqual(lines[2][status_column:].split()[0], "suspect")

    def test_ring_prints_each_node_share_and_status(self):
        result = self.kvctl("ring")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([request["path"] for request in StubNode.requests], ["/ring", "/cluster"])
        lines = result.stdout.decode().splitlines()
        self.assertEqual(lines[0].split(), ["NODE", "STATUS", "VNODES", "SHARE"])
        self.assertEqual([line.split() for line in lines[1:]],
                         [["n1", "alive", "100", "33.3%"], ["n2", "suspect", "100", "33.3%"],
                          ["n3", "down", "100", "33.3%"]])
        as_json = self.kvctl("ring", "--json")
        self.assertEqual(as_json.returncode, 0, as_json.stderr)
        document = json.loads(as_json.stdout)
        self.assertEqual([(node["node_id"], node["status"]) for node in document["nodes"]],
                         [("n1", "alive"), ("n2", "suspect"), ("n3", "down")])
        self.assertEqual(document["replication_factor"], 3)

    def test_health_and_raw_json(self):
        result = self.kvctl("health")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(b"ok (node n1)", result.stdout)
        raw = self.kvctl("status", "--json")
        self.assertEqual(json.loads(raw.stdout), CLUSTER)

    def test_default_node_comes_from_the_environment(self):
        result = self.kvctl("health", node=False, environment={"RINGKV_NODE": self.node})
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_usage_errors_exit_2(self):
        for arguments in ([], ["frobnicate"], ["get"], ["get", "a", "b"], ["--w", "x", "get", "k"],
                          ["--bogus", "health"], ["--node", "nocolon", "health"], ["get", ""]):
            result = self.kvctl(*arguments)
            self.assertEqual(result.returncode, 2, arguments)
            self.assertTrue(result.stderr.startswith(b"kvctl: "), arguments)

    def test_nobody_listening_exits_4(self):
        result = self.kvctl("get", "k", node=False,
                            environment={"RINGKV_NODE": "127.0.0.1:%d" % free_port()})
        self.assertEqual(result.returncode, 4)
        self.assertIn(b"cannot connect", result.stderr)

    def test_membership_commands_post_to_the_admin_paths(self):
        removal = self.kvctl("--token", "s3cret", "removenode", "n 3/\u00e7")
        self.assertEqual((removal.returncode, removal.stdout),
                         (0, b"a change accepted (ring epoch 9)\n"), removal.stderr)
        request = StubNode.requests[-1]
        self.assertEqual((request["method"], request["path"]),
                         ("POST", "/admin/removenode?id=n%203%2F%C3%A7"))
        self.assertEqual(request["headers"].get("X-Cluster-Token"), "s3cret")
        decommission = self.kvctl("decommission")
        self.assertEqual(decommission.returncode, 0, decommission.stderr)
        self.assertEqual([(r["method"], r["path"]) for r in StubNode.requests[-1:]],
                         [("POST", "/admin/decommission")])
        as_json = self.kvctl("--json", "decommission")
        self.assertEqual(json.loads(as_json.stdout)["epoch"], 9)

    def test_wait_options_are_usage_errors_elsewhere(self):
        for arguments in (["--wait", "get", "k"], ["status", "--wait"],
                          ["--wait-timeout-s", "5", "decommission"],
                          ["--wait", "--wait-timeout-s", "0", "decommission"],
                          ["removenode"], ["removenode", ""]):
            result = self.kvctl(*arguments)
            self.assertEqual(result.returncode, 2, arguments)
            self.assertTrue(result.stderr.startswith(b"kvctl: "), arguments)
        self.assert_nothing_sent(result)
        help_text = self.kvctl("help").stdout
        for text in (b"decommission", b"removenode ID", b"--wait-timeout-s N", b"6 --wait"):
            self.assertIn(text, help_text)

    def test_decommission_wait_follows_the_node_until_it_has_left(self):
        fake = FakeNode(self)
        result = self.kvctl("--node", fake.address, "decommission", "--wait", node=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.decode().splitlines(), [
            "decommission of n3 accepted (ring epoch 2)",
            "n3 leaving: epoch 2, stage joint",
            "n3 leaving: epoch 2, stage streaming, 4/8 ranges, 48.2 KiB/96.5 KiB streamed",
            "n3 has left the cluster"])
        self.assertEqual(result.stderr, b"")
        self.assertEqual(fake.exit_code(), 0)

    def test_decommission_wait_json_ends_when_the_leaving_node_exits(self):
        fake = FakeNode(self, "exit-while-leaving")
        result = self.kvctl("--node", fake.address, "--json", "--wait", "decommission",
                            node=False)
        self.assertEqual((result.returncode, result.stderr), (0, b""))
        lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
        self.assertEqual(lines[0], {"accepted": True, "change": "decommission of n3", "epoch": 2})
        self.assertEqual([(line.get("state"), line.get("stage")) for line in lines[1:-1]],
                         [("leaving", "joint"), ("leaving", "streaming")])
        self.assertEqual(lines[2]["ranges_done"], 4)
        self.assertEqual(lines[-1], {"node": "n3", "state": "left", "exited": True})
        self.assertEqual(fake.exit_code(), 0)

    def test_wait_gives_up_at_its_timeout_and_status_shows_the_change(self):
        fake = FakeNode(self, "stuck")
        waited = self.kvctl("--node", fake.address, "decommission", "--wait",
                            "--wait-timeout-s", "1", node=False)
        self.assertEqual(waited.returncode, 6, waited.stderr)
        self.assertEqual(waited.stderr, b"kvctl: gave up waiting after 1 s (--wait-timeout-s): "
                         b"n3 is still leaving; the decommission goes on (kvctl status "
                         b"follows it)\n")
        status = self.kvctl("--node", fake.address, "status", node=False)
        self.assertEqual(status.returncode, 0, status.stderr)
        lines = status.stdout.decode().splitlines()
        self.assertEqual(lines[0], "ring epoch 2: decommission of n3 at stage streaming "
                                   "(run by n3)")
        self.assertEqual(lines[1].split(), ["NODE", "ADDRESS", "STATUS", "STATE", "INCARNATION",
                                            "HEARTBEAT", "PROGRESS"])
        self.assertTrue(lines[2].endswith("normal   1            1          4/8 ranges, "
                                          "48.2 KiB/96.5 KiB"), lines[2])
        self.assertEqual(lines[4].split()[3], "leaving")
        again = self.kvctl("--node", fake.address, "decommission", node=False)
        self.assertEqual((again.returncode, again.stderr),
                         (3, b"kvctl: 409 Conflict: a membership change is in progress: "
                             b"decommission of n3 at stage streaming\n"))
        self.assertIsNone(fake.process.poll())

    def test_refused_changes_exit_3_with_the_servers_message(self):
        conflict = FakeNode(self, "conflict")
        busy = self.kvctl("--node", conflict.address, "decommission", "--wait", node=False)
        self.assertEqual((busy.returncode, busy.stdout), (3, b""))
        self.assertEqual(busy.stderr, b"kvctl: 409 Conflict: a membership change is in "
                                      b"progress: join of n9 at stage streaming\n")
        as_json = self.kvctl("--node", conflict.address, "--json", "removenode", "n1",
                             node=False)
        self.assertEqual((as_json.returncode, as_json.stderr), (3, b""))
        self.assertEqual(json.loads(as_json.stdout)["http_status"], 409)
        too_few = FakeNode(self, "too-few-members")
        refused = self.kvctl("--node", too_few.address, "decommission", node=False)
        self.assertEqual((refused.returncode, refused.stderr),
                         (3, b"kvctl: 400 Bad Request: the cluster would keep 2 members, fewer "
                             b"than the replication factor 3\n"))
        for member, expected in (("n3", b"400 Bad Request: n3 cannot remove itself"),
                                 ("n9", b"404 Not Found: n9 is not a member")):
            result = self.kvctl("--node", too_few.address, "removenode", member, node=False)
            self.assertEqual(result.returncode, 3, member)
            self.assertIn(expected, result.stderr)
        nobody = self.kvctl("--node", "127.0.0.1:%d" % free_port(), "decommission", node=False)
        self.assertEqual(nobody.returncode, 4, nobody.stderr)

    def test_removenode_wait_until_the_member_is_gone(self):
        fake = FakeNode(self)
        result = self.kvctl("--node", fake.address, "removenode", "n2", "--wait", node=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.decode().splitlines(), [
            "removal of n2 accepted (ring epoch 2)",
            "n2 removed: epoch 2, stage streaming, 2/4 ranges, 2.0 KiB/4.0 KiB streamed",
            "n2 is no longer a member"])
        status = self.kvctl("--node", fake.address, "status", node=False)
        self.assertEqual(status.stdout.decode().splitlines()[0],
                         "ring epoch 3: no membership change in progress")
        self.assertEqual([line.split()[0] for line in status.stdout.decode().splitlines()[2:]],
                         ["n1", "n3"])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: kvctl_cli_test.py PATH_TO_KVCTL")
    KVCTL = sys.argv.pop(1)
    unittest.main(verbosity=1)
