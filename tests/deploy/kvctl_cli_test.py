#!/usr/bin/env python3
"""kvctl against a stub ringkv node (stdlib HTTP server on 127.0.0.1, ephemeral port).

Checks what kvctl sends (method, percent-encoded key, query, headers) and how it turns
answers into output and exit codes (0 ok, 1 not found, 2 usage, 3 server error,
4 cannot connect). Needs no kvnode. Usage: kvctl_cli_test.py PATH_TO_KVCTL
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import unittest

KVCTL = None
COMMAND_TIMEOUT_SECONDS = 30

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
        StubNode.counter += 1
        version = "%d.n1" % StubNode.counter
        StubNode.store[path] = (body, version)
        self.reply(204, headers=[("X-Version", version)])

    def do_DELETE(self):
        path, _ = self.record()
        StubNode.store.pop(path, None)
        self.reply(204)


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

    def kvctl(self, *arguments, stdin=b"", node=True, environment=None):
        command = [KVCTL] + (["--node", self.node] if node else []) + list(arguments)
        env = {key: value for key, value in os.environ.items() if not key.startswith("RINGKV_")}
        env.update(environment or {})
        return subprocess.run(command, input=stdin, capture_output=True, env=env,
                              timeout=COMMAND_TIMEOUT_SECONDS)

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
        self.assertEqual(lines[0].split(), ["NODE", "ADDRESS", "STATUS", "INCARNATION",
                                            "HEARTBEAT"])
        self.assertEqual([line.split()[0] for line in lines[1:]], ["n1", "n2", "n3"])
        self.assertEqual(lines[1].split(), ["n1", "127.0.0.1:8081", "alive", "3", "1234"])
        status_column = lines[0].index("STATUS")
        self.assertTrue(all(line[status_column - 2:status_column] == "  " for line in lines))
        self.assertEqual(lines[2][status_column:].split()[0], "suspect")

    def test_ring_prints_each_node_share(self):
        result = self.kvctl("ring")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.decode().splitlines()
        self.assertEqual(lines[0].split(), ["NODE", "VNODES", "SHARE"])
        self.assertEqual(lines[1].split(), ["n1", "100", "33.3%"])

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


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: kvctl_cli_test.py PATH_TO_KVCTL")
    KVCTL = sys.argv.pop(1)
    unittest.main(verbosity=1)
