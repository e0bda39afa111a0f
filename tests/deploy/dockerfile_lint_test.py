#!/usr/bin/env python3
"""Proves the Dockerfile lint can fail: each broken Dockerfile must be reported."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dockerfile_lint  # noqa: E402

GOOD = """\
ARG DEBIAN_IMAGE=debian:bookworm-20251229-slim
FROM ${DEBIAN_IMAGE} AS build
RUN apt-get install -y \\
      build-essential
FROM ${DEBIAN_IMAGE}
COPY --from=build /usr/local/bin/kvnode /usr/local/bin/
ENV KV_LISTEN=0.0.0.0:8080 \\
    KV_DATA_DIR=/data
USER ringkv:ringkv
VOLUME /data
EXPOSE 8080
HEALTHCHECK CMD ["kvctl", "health"]
ENTRYPOINT ["kvnode"]
"""
GOOD_IGNORE = ".git\nbuild/\ndata/\n"


class DockerfileLintTest(unittest.TestCase):
    def assert_reported(self, dockerfile, fragment, dockerignore=None):
        found = dockerfile_lint.problems(dockerfile, dockerignore)
        self.assertTrue(any(fragment in problem for problem in found), found)

    def test_the_good_dockerfile_passes(self):
        self.assertEqual(dockerfile_lint.problems(GOOD, GOOD_IGNORE), [])

    def test_a_digest_pin_passes(self):
        pinned = GOOD.replace("debian:bookworm-20251229-slim", "debian@sha256:" + "ab" * 32)
        self.assertEqual(dockerfile_lint.problems(pinned), [])

    def test_floating_base_images_are_reported(self):
        for image in ("debian:bookworm-slim", "debian:latest", "debian", "debian:12"):
            self.assert_reported(GOOD.replace("debian:bookworm-20251229-slim", image),
                                 "not pinned")

    def test_running_as_root_is_reported(self):
        self.assert_reported(GOOD.replace("USER ringkv:ringkv", "USER root"), "non-root USER")
        self.assert_reported(GOOD.replace("USER ringkv:ringkv\n", ""), "non-root USER")

    def test_a_user_only_in_the_build_stage_does_not_count(self):
        moved = GOOD.replace("USER ringkv:ringkv\n", "").replace(
            "AS build\n", "AS build\nUSER builder\n")
        self.assert_reported(moved, "non-root USER")

    def test_a_missing_healthcheck_is_reported(self):
        self.assert_reported(GOOD.replace('HEALTHCHECK CMD ["kvctl", "health"]',
                                          "HEALTHCHECK NONE"), "HEALTHCHECK")

    def test_baked_secrets_are_reported(self):
        self.assert_reported(GOOD + "ENV KV_CLUSTER_TOKEN=abc123\n", "ENV KV_CLUSTER_TOKEN")
        self.assert_reported(GOOD + "ARG DB_PASSWORD=hunter2\n", "ARG DB_PASSWORD")
        self.assert_reported(GOOD + "COPY .env /app/.env\n", "secret material")
        self.assert_reported(GOOD + "# -----BEGIN RSA PRIVATE KEY-----\n", "private key")

    def test_a_secret_argument_without_value_passes(self):
        self.assertEqual(dockerfile_lint.problems(GOOD + "ARG KV_CLUSTER_TOKEN\n"), [])

    def test_build_tools_in_the_runtime_stage_are_reported(self):
        self.assert_reported(GOOD + "RUN apt-get install -y build-essential\n", "build tools")

    def test_missing_volume_and_port_are_reported(self):
        self.assert_reported(GOOD.replace("VOLUME /data\n", ""), "VOLUME /data")
        self.assert_reported(GOOD.replace("EXPOSE 8080\n", ""), "EXPOSE 8080")

    def test_a_dockerignore_letting_build_trees_in_is_reported(self):
        self.assert_reported(GOOD, "build/", dockerignore=".git\ndata/\n")


if __name__ == "__main__":
    unittest.main(verbosity=1)
