#!/usr/bin/env python3
"""A stand-in for kvnode that accepts kvnode's flags, answers GET /health and exits 0 on
SIGINT/SIGTERM. Lets the local-cluster tests check the script's own job (ports, prefixes,
signals, clean stop) independently of the real server. Not a key-value store. Like kvnode
it creates --data-dir and takes the token from --cluster-token or KV_CLUSTER_TOKEN; unlike
kvnode it refuses to start without a token, so a restart command that loses it fails.

It also plays the membership-change endpoints of docs/membership.md for kvctl's tests:
GET /cluster (members from --peers, with the ring and member states), POST
/admin/decommission and POST /admin/removenode?id=ID. A change moves on one step after
each /cluster answer, never by a clock, so a test sees the same sequence every run:
  decommission: accepted at joint (this node leaving); then streaming (a peer streams 4/8
    ranges); then done: this node is left, and exits after its next /health answer (as
    kvnode exits once it has left);
  removal: accepted at streaming (ID removed, this node streams 2/4 ranges); then done:
    ID is no longer listed.
--fake-changes (not a kvnode flag) picks how changes go:
  finish             as above (the default);
  exit-while-leaving the decommissioned node exits after its /cluster answer at streaming,
                     without ever saying left (kvctl then sees connection refused);
  stuck              changes stop at streaming;
  conflict           every change is refused with 409 (another change in progress);
  too-few-members    every change is refused with 400 (fewer members than RF).
With --listen HOST:0 it binds a free port and prints it: `listening on HOST:PORT`."""
import http.server
import json
import os
import signal
import sys
import threading
import urllib.parse

FLAGS_WITH_VALUE = {"--id", "--listen", "--peers", "--data-dir", "--advertise",
                    "--cluster-token", "--n", "--w", "--r", "--sync", "--log-level",
                    "--fake-changes"}
CHANGE_MODES = {"finish", "exit-while-leaving", "stuck", "conflict", "too-few-members"}
REPLICATION_FACTOR = 3


def parse_flags(arguments):
    flags = {}
    index = 0
    while index < len(arguments):
        name = arguments[index]
        if name not in FLAGS_WITH_VALUE or index + 1 >= len(arguments):
            print("fake-kvnode: bad flag %r" % name, file=sys.stderr)
            sys.exit(2)
        flags[name] = arguments[index + 1]
        index += 2
    if flags.get("--fake-changes", "finish") not in CHANGE_MODES:
        print("fake-kvnode: --fake-changes is one of %s" % sorted(CHANGE_MODES), file=sys.stderr)
        sys.exit(2)
    return flags


class Membership:
    """The members, the ring and the one change in progress; every method holds the lock."""

    def __init__(self, node_id, address, peers, mode):
        self.lock = threading.Lock()
        self.node_id = node_id
        self.mode = mode
        self.members = {}
        for member_id, member_address in [(node_id, address)] + peers:
            self.members[member_id] = {"node_id": member_id, "address": member_address,
                                       "incarnation": 1, "heartbeat": 1, "status": "alive",
                                       "state": "normal"}
        self.epoch = 1
        self.stage = "none"
        self.change = ""
        self.target = None  # the member leaving or removed

    def begin(self, kind, target):
        """(status, document) for a request to start a change of `kind` for `target`."""
        with self.lock:
            if self.mode == "conflict" or self.change:
                busy = ("%s at stage %s" % (self.change, self.stage) if self.change
                        else "join of n9 at stage streaming")
                return 409, {"error": "a membership change is in progress: " + busy}
            if self.mode == "too-few-members":
                return 400, {"error": "the cluster would keep %d members, fewer than the "
                             "replication factor %d" % (len(self.members) - 1,
                                                        REPLICATION_FACTOR)}
            self.epoch += 1
            self.target = target
            self.change = "%s of %s" % (kind, target)
            if kind == "decommission":
                self.stage = "joint"
                self.members[target]["state"] = "leaving"
            else:
                self.stage = "streaming"
                self.members[target]["state"] = "removed"
                self.members[self.node_id]["stream"] = {"ranges_done": 2, "ranges_total": 4,
                                                        "bytes_done": 2048, "bytes_total": 4096}
            return 202, {"accepted": True, "change": self.change, "epoch": self.epoch}

    def health(self):
        """The /health document, and whether to exit after it (this node has left)."""
        with self.lock:
            state = self.members[self.node_id]["state"] if self.node_id in self.members else "left"
            return {"status": "ok", "state": state, "node": self.node_id, "rebuilding": False,
                    "reasons": []}, state == "left"

    def cluster(self):
        """The /cluster document, and whether to exit after it; then the change's next step."""
        with self.lock:
            document = {"node": self.node_id,
                        "ring": {"epoch": self.epoch, "stage": self.stage,
                                 "owner": self.node_id if self.change else "",
                                 "change": "%s at stage %s" % (self.change, self.stage)
                                 if self.change else ""},
                        "members": [dict(member) for member in self.members.values()]}
            return document, self.advance()

    def advance(self):
        """Moves the change in progress on by one step; True: this node exits now."""
        if self.target is None:
            return False
        if self.stage == "joint":
            self.stage = "streaming"
            for peer in [member for member in self.members if member != self.node_id][:1]:
                self.members[peer]["stream"] = {"ranges_done": 4, "ranges_total": 8,
                                                "bytes_done": 49356, "bytes_total": 98765}
            return False
        if self.mode == "stuck":
            return False
        if self.target == self.node_id and self.mode == "exit-while-leaving":
            return True
        self.end_change()
        return False

    def end_change(self):
        self.members.pop(self.target)
        for member in self.members.values():
            member.pop("stream", None)
        self.epoch += 1
        self.stage = "none"
        self.change = ""
        self.target = None


def removal_refusal(membership, query):
    """(status, document) when POST /admin/removenode cannot start, else None."""
    ids = urllib.parse.parse_qs(query).get("id", [])
    if len(ids) != 1 or not ids[0]:
        return 400, {"error": "removenode needs ?id=ID"}
    if ids[0] == membership.node_id:
        return 400, {"error": "%s cannot remove itself: ask another member" % ids[0]}
    if ids[0] not in membership.members:
        return 404, {"error": "%s is not a member" % ids[0]}
    return None


def handler_class(membership):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *arguments):
            pass

        def reply(self, status, document):
            body = json.dumps(document).encode() + b"\n"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def do_GET(self):
            if self.path == "/health":
                document, exit_after = membership.health()
            elif self.path == "/cluster":
                document, exit_after = membership.cluster()
            else:
                return self.reply(404, {"error": "not found"})
            self.reply(200, document)
            if exit_after:  # like kvnode once it has left (or a leaving node that died)
                print("fake-kvnode %s: exiting" % membership.node_id, flush=True)
                os._exit(0)

        def do_POST(self):
            path, _, query = self.path.partition("?")
            if path == "/admin/decommission":
                self.reply(*membership.begin("decommission", membership.node_id))
            elif path == "/admin/removenode":
                answer = removal_refusal(membership, query)
                if answer is None:
                    answer = membership.begin("removal", urllib.parse.parse_qs(query)["id"][0])
                self.reply(*answer)
            else:
                self.reply(404, {"error": "not found"})

    return Handler


def parse_peers(text):
    peers = []
    for item in filter(None, (text or "").split(",")):
        member_id, _, address = item.partition("=")
        peers.append((member_id, address))
    return peers


def main():
    flags = parse_flags(sys.argv[1:])
    if not flags.get("--cluster-token", os.environ.get("KV_CLUSTER_TOKEN")):
        print("fake-kvnode: no cluster token (--cluster-token or KV_CLUSTER_TOKEN)",
              file=sys.stderr)
        sys.exit(2)
    os.makedirs(flags["--data-dir"], exist_ok=True)
    host, port = flags["--listen"].rsplit(":", 1)
    node_id = flags["--id"]
    server = http.server.ThreadingHTTPServer((host, int(port)), None)
    address = "%s:%d" % (host, server.server_address[1])
    membership = Membership(node_id, flags.get("--advertise", address),
                            parse_peers(flags.get("--peers")),
                            flags.get("--fake-changes", "finish"))
    server.RequestHandlerClass = handler_class(membership)

    def stop(signal_number, _frame):
        print("fake-kvnode %s: signal %d, stopping" % (node_id, signal_number), flush=True)
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("fake-kvnode %s: listening on %s" % (node_id, address), flush=True)
    server.serve_forever()
    server.server_close()
    print("fake-kvnode %s: stopped" % node_id, flush=True)


if __name__ == "__main__":
    main()
