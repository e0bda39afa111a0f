#!/usr/bin/env python3
"""A stand-in for kvnode that accepts kvnode's flags, answers GET /health and exits 0 on
SIGINT/SIGTERM. Lets the local-cluster tests check the script's own job (ports, prefixes,
signals, clean stop) independently of the real server. Not a key-value store. Like kvnode
it creates --data-dir and takes the token from --cluster-token or KV_CLUSTER_TOKEN; unlike
kvnode it refuses to start without a token, so a restart command that loses it fails."""
import http.server
import json
import os
import signal
import sys
import threading

FLAGS_WITH_VALUE = {"--id", "--listen", "--peers", "--data-dir", "--advertise",
                    "--cluster-token", "--n", "--w", "--r", "--sync", "--log-level"}


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
    return flags


def main():
    flags = parse_flags(sys.argv[1:])
    if not flags.get("--cluster-token", os.environ.get("KV_CLUSTER_TOKEN")):
        print("fake-kvnode: no cluster token (--cluster-token or KV_CLUSTER_TOKEN)",
              file=sys.stderr)
        sys.exit(2)
    os.makedirs(flags["--data-dir"], exist_ok=True)
    host, port = flags["--listen"].rsplit(":", 1)
    node_id = flags["--id"]

    class Health(http.server.BaseHTTPRequestHandler):
        def log_message(self, *arguments):
            pass

        def do_GET(self):
            body = json.dumps({"status": "ok", "node": node_id}).encode()
            self.send_response(200 if self.path == "/health" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer((host, int(port)), Health)

    def stop(signal_number, _frame):
        print("fake-kvnode %s: signal %d, stopping" % (node_id, signal_number), flush=True)
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("fake-kvnode %s: listening on %s" % (node_id, flags["--listen"]), flush=True)
    server.serve_forever()
    server.server_close()
    print("fake-kvnode %s: stopped" % node_id, flush=True)


if __name__ == "__main__":
    main()
