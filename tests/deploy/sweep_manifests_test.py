"""The sharded-sweep manifests, offline: .github/workflows/sweep.yml and
deploy/k8s/sweep-job.yaml parse, their shard wiring covers 1..SHARDS exactly once (the
Indexed Job's JOB_COMPLETION_INDEX is 0-based: shard = index + 1), and their commands,
run here as the job would run them on a tiny seed range, merge to the whole sweep.

Usage: sweep_manifests_test.py REPO_ROOT KVSIM
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compose_yaml  # noqa: E402  (stdlib-only YAML subset reader)

ROOT, KVSIM = sys.argv[1], os.path.abspath(sys.argv[2])
TINY_SEEDS = "1..4"


def load(relative):
    with open(os.path.join(ROOT, relative)) as f:
        return compose_yaml.load(f.read())


def run_shell(command, environment, cwd):
    env = dict(os.environ, **environment)
    env["PATH"] = os.path.dirname(KVSIM) + os.pathsep + env.get("PATH", "")
    return subprocess.run(["/bin/sh", "-c", command], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=600)


class WorkflowTest(unittest.TestCase):
    def setUp(self):
        self.workflow = load(".github/workflows/sweep.yml")
        self.jobs = self.workflow["jobs"]
        self.shards = int(self.workflow["env"]["SHARDS"])

    def sweep_step(self):
        steps = self.jobs["shard"]["steps"]
        return next(s for s in steps if "--shard" in s.get("run", ""))

    def test_matrix_covers_every_shard_once(self):
        matrix = self.jobs["shard"]["strategy"]["matrix"]["shard"]
        self.assertEqual(sorted(matrix), list(range(1, self.shards + 1)))
        self.assertFalse(self.jobs["shard"]["strategy"]["fail-fast"],
                         "one failing shard must not cancel the others")

    def test_results_are_kept_and_merged_even_after_a_failure(self):
        run = self.sweep_step()["run"]
        self.assertIn("--shard ${{ matrix.shard }}/$SHARDS", run)
        self.assertIn("--json > sweep-${{ matrix.shard }}.jsonl", run)
        upload = next(s for s in self.jobs["shard"]["steps"]
                      if s.get("uses", "").startswith("actions/upload-artifact"))
        self.assertEqual(upload["if"], "always()")
        self.assertEqual(upload["with"]["path"], "sweep-${{ matrix.shard }}.jsonl")
        merge = self.jobs["merge"]
        self.assertEqual(merge["needs"], "shard")
        self.assertEqual(merge["if"], "always()")
        download = next(s for s in merge["steps"]
                        if s.get("uses", "").startswith("actions/download-artifact"))
        self.assertEqual(download["with"]["pattern"], "sweep-*")
        self.assertTrue(any("--merge sweep-*.jsonl" in s.get("run", "") for s in merge["steps"]))

    def test_the_commands_merge_to_the_whole_sweep(self):
        with tempfile.TemporaryDirectory() as work:
            run = self.sweep_step()["run"].replace("build/release/sim/kvsim", "kvsim")
            for shard in range(1, self.shards + 1):
                command = run.replace("${{ matrix.shard }}", str(shard))
                done = run_shell(command, {"SEEDS": TINY_SEEDS, "SHARDS": str(self.shards)}, work)
                self.assertEqual(done.returncode, 0, done.stderr[-2000:])
            merge_run = next(s["run"] for s in self.jobs["merge"]["steps"] if "--merge" in s.get("run", ""))
            merge_run = merge_run.replace("build/release/sim/kvsim", "kvsim").replace(
                " --require-coverage", "")  # four seeds do not reach every rare path
            done = run_shell(merge_run, {}, work)
            self.assertEqual(done.returncode, 0, done.stdout[-2000:])
            self.assertIn("sweep %s seeds=4 failed=0" % TINY_SEEDS, done.stdout)


class IndexedJobTest(unittest.TestCase):
    def setUp(self):
        self.job = load("deploy/k8s/sweep-job.yaml")
        self.spec = self.job["spec"]
        self.container = self.spec["template"]["spec"]["containers"][0]
        self.env = {e["name"]: e["value"] for e in self.container["env"]}

    def test_one_pod_per_shard(self):
        self.assertEqual(self.job["kind"], "Job")
        self.assertEqual(self.spec["completionMode"], "Indexed")
        shards = int(self.env["SHARDS"])
        self.assertEqual(self.spec["completions"], shards)
        self.assertLessEqual(self.spec["parallelism"], shards)
        self.assertEqual(self.spec["template"]["spec"]["restartPolicy"], "Never")
        command = self.container["command"][-1]
        self.assertIn("--shard $((JOB_COMPLETION_INDEX + 1))/$SHARDS", command)
        self.assertRegex(command, re.escape("--json > /results/"))

    def test_the_pods_commands_merge_to_the_whole_sweep(self):
        shards = int(self.env["SHARDS"])
        with tempfile.TemporaryDirectory() as work:
            command = self.container["command"][-1].replace("/results/", work + "/")
            for index in range(self.spec["completions"]):
                done = run_shell(command, {"SEEDS": TINY_SEEDS, "SHARDS": str(shards),
                                           "JOB_COMPLETION_INDEX": str(index)}, work)
                self.assertEqual(done.returncode, 0, done.stderr[-2000:])
            files = sorted(os.path.join(work, f) for f in os.listdir(work))
            self.assertEqual(len(files), shards)
            done = subprocess.run([KVSIM, "--merge"] + files, capture_output=True, text=True)
            self.assertEqual(done.returncode, 0, done.stdout[-2000:])
            self.assertIn("sweep %s seeds=4 failed=0" % TINY_SEEDS, done.stdout)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
