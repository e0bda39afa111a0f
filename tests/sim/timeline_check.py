"""kvsim --html: the timeline page is self-contained, carries the run's data, and its
script draws it. The script runs in Node.js against a minimal stand-in DOM (always), and
in headless Chromium when that is installed (`--chromium`: exit 77, skipped, without it).

Usage: timeline_check.py KVSIM [--chromium]
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

KVSIM = sys.argv[1]
CHROMIUM = "--chromium" in sys.argv[2:]
SKIP = 77

# A stand-in for the few DOM calls the page makes; prints what was drawn as JSON.
NODE_HARNESS = r"""
const fs = require('fs');
const html = fs.readFileSync(process.argv[2], 'utf8');
const script = html.slice(html.indexOf('<script>') + 8, html.lastIndexOf('</script>'));
const elements = {};
function element(id) {
  if (!elements[id]) elements[id] = {id, innerHTML: '', textContent: '', value: '', attrs: {},
    setAttribute(k, v) { this.attrs[k] = v; }, addEventListener() {}, onclick: null,
    getBoundingClientRect() { return {left: 0, top: 0}; }};
  return elements[id];
}
global.document = {getElementById: element};
eval(script);
element('zin').onclick();  // the buttons work too
element('all').onclick();
console.log(JSON.stringify({svg: element('timeline').innerHTML, title: element('title').textContent,
  history: element('history').innerHTML, view: element('view').textContent}));
"""


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run_kvsim(work, name, arguments, expected_status):
    path = os.path.join(work, name + ".html")
    done = subprocess.run([KVSIM] + arguments + ["--html", path], capture_output=True, text=True,
                          timeout=600)
    if done.returncode != expected_status:
        fail("kvsim %s exited %d:\n%s" % (" ".join(arguments), done.returncode, done.stderr[-2000:]))
    nodes = int(re.search(r" nodes=(\d+) ", done.stdout).group(1))
    spares = re.search(r" spare_nodes=(\d+) ", done.stdout)
    nodes += int(spares.group(1)) if spares else 0  # a lane for every machine
    return path, nodes


def check_page(path, nodes, violation):
    with open(path) as f:
        page = f.read()
    if re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page) or "<link" in page:
        fail("the page loads something from outside")
    start = page.index("const DATA = ") + len("const DATA = ")
    end = page.index(";\n(function(){", start)
    data = json.loads(page[start:end])
    if len(data["nodes"]) != nodes or not data["ops"]:
        fail("the data lacks nodes or operations")
    sends = [e for e in data["events"] if e["kind"] == "send"]
    if not sends or not all("at" in e for e in sends) or not any("what" in e for e in sends):
        fail("message events lack delivery times or contents")
    whats = " ".join(e.get("what", "") for e in sends)
    for kind in ("kv key-", "kv-ack ", "read key-", "read-reply "):
        if kind not in whats:
            fail("no message described as %r" % kind)
    if violation:
        v = data["violation"]
        if not v or v["invariant"] != violation:
            fail("the violation is missing: %r" % v)
        ids = {op["id"] for op in data["ops"]}
        if not set(v["ops"]) <= ids:
            fail("the violation names operations the page lacks")
    elif data["violation"] is not None:
        fail("a passing run shows a violation")
    return data


def check_script(path, nodes, violation):
    with tempfile.NamedTemporaryFile("w", suffix=".js", delete=False) as harness:
        harness.write(NODE_HARNESS)
    done = subprocess.run(["node", harness.name, path], capture_output=True, text=True, timeout=300)
    os.unlink(harness.name)
    if done.returncode != 0:
        fail("the page's script failed in Node.js:\n" + done.stderr[-2000:])
    drawn = json.loads(done.stdout)
    if drawn["svg"].count('class="lane"') != nodes:
        fail("expected %d lanes" % nodes)
    if 'class="op' not in drawn["svg"] or 'class="msg"' not in drawn["svg"]:
        fail("no operation or message drawn")
    if violation and ("VIOLATION of " + violation not in drawn["title"] or 'class="bad"' not in drawn["history"]):
        fail("the violation is not shown: %r" % drawn["title"])


def check_chromium(path, nodes, violation):
    browser = shutil.which("chromium")
    if not browser:
        print("SKIP: chromium is not installed (tools/bootstrap --browser)")
        sys.exit(SKIP)
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           "--window-size=1400,900", "--dump-dom", "file://" + path],
                          capture_output=True, text=True, timeout=300)
    dom = re.sub(r"<script>.*?</script>", "", done.stdout, flags=re.S)  # the drawn DOM only
    if dom.count('class="lane"') != nodes or 'class="op' not in dom:
        fail("Chromium did not draw the timeline (lanes: %d)" % dom.count('class="lane"'))
    if violation and "VIOLATION of " + violation not in dom:
        fail("Chromium does not show the violation")


def main():
    if not CHROMIUM and not shutil.which("node"):
        print("SKIP: node is not installed")
        sys.exit(SKIP)
    with tempfile.TemporaryDirectory() as work:
        runs = [("good", ["--seed", "3", "--ops", "300"], 0, None),
                ("bad", ["--seed", "6", "--inject-bug", "skip-write-back"], 1, "linearizability")]
        for name, arguments, status, violation in runs:
            path, nodes = run_kvsim(work, name, arguments, status)
            if CHROMIUM:
                check_chromium(path, nodes, violation)
            else:
                check_page(path, nodes, violation)
                check_script(path, nodes, violation)
    print("ok: the timeline pages are self-contained and draw their runs%s" %
          (" in Chromium" if CHROMIUM else " (script run in Node.js)"))


main()
