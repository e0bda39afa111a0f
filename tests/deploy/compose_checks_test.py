#!/usr/bin/env python3
"""Proves the compose checks can fail: each broken topology must be reported, and the
YAML subset reader must read what docker-compose prints (and refuse what it cannot)."""
import copy
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compose_checks  # noqa: E402
import compose_yaml  # noqa: E402

RESOLVED = """\
services:
  node1:
    environment:
      KV_ADVERTISE: node1:8080
      KV_CLUSTER_TOKEN: change-me
      KV_DATA_DIR: /data
      KV_ID: n1
      KV_LISTEN: 0.0.0.0:8080
      KV_PEERS: n2=node2:8080,n3=node3:8080
    healthcheck:
      test:
      - CMD
      - kvctl
    ports:
    - published: 8081
      target: 8080
    restart: unless-stopped
    volumes:
    - node1-data:/data:rw
  node2:
    environment:
      KV_ADVERTISE: node2:8080
      KV_CLUSTER_TOKEN: change-me
      KV_DATA_DIR: /data
      KV_ID: n2
      KV_LISTEN: 0.0.0.0:8080
      KV_PEERS: n1=node1:8080,n3=node3:8080
    healthcheck:
      test:
      - CMD
      - kvctl
    ports:
    - published: 8082
      target: 8080
    restart: unless-stopped
    volumes:
    - node2-data:/data:rw
  node3:
    environment:
      KV_ADVERTISE: node3:8080
      KV_CLUSTER_TOKEN: change-me
      KV_DATA_DIR: /data
      KV_ID: n3
      KV_LISTEN: 0.0.0.0:8080
      KV_PEERS: n1=node1:8080,n2=node2:8080
    healthcheck:
      test:
      - CMD
      - kvctl
    ports:
    - published: 8083
      target: 8080
    restart: unless-stopped
    volumes:
    - node3-data:/data:rw
version: '3.9'
volumes:
  node1-data: {}
  node2-data: {}
  node3-data: {}
"""


class ComposeChecksTest(unittest.TestCase):
    def setUp(self):
        self.config = compose_yaml.load(RESOLVED)

    def environment(self, service):
        return self.config["services"][service]["environment"]

    def assert_reported(self, fragment):
        found = compose_checks.problems(self.config)
        self.assertTrue(any(fragment in problem for problem in found), found)

    def test_the_consistent_topology_has_no_problems(self):
        self.assertEqual(compose_checks.problems(self.config), [])

    def test_a_peer_list_missing_a_node_is_reported(self):
        self.environment("node2")["KV_PEERS"] = "n1=node1:8080"
        self.assert_reported("node2: KV_PEERS")

    def test_a_node_listing_itself_as_peer_is_reported(self):
        self.environment("node1")["KV_PEERS"] = "n1=node1:8080,n2=node2:8080,n3=node3:8080"
        self.assert_reported("node1: KV_PEERS")

    def test_a_peer_at_the_wrong_address_is_reported(self):
        self.environment("node3")["KV_PEERS"] = "n1=node1:8080,n2=node1:8080"
        self.assert_reported("node3: KV_PEERS")

    def test_duplicate_ids_are_reported(self):
        self.environment("node3")["KV_ID"] = "n2"
        self.assert_reported("not unique")

    def test_wrong_host_ports_are_reported(self):
        self.config["services"]["node3"]["ports"][0]["published"] = 8082
        self.assert_reported("host ports")

    def test_a_port_not_reaching_the_listen_port_is_reported(self):
        self.config["services"]["node1"]["ports"][0]["target"] = 9090
        self.assert_reported("node1: needs one port mapping")

    def test_a_shared_volume_is_reported(self):
        self.config["services"]["node2"]["volumes"] = ["node1-data:/data:rw"]
        self.assert_reported("share a volume")

    def test_a_missing_volume_is_reported(self):
        self.config["services"]["node2"]["volumes"] = []
        self.assert_reported("node2: needs one named volume")

    def test_different_tokens_are_reported(self):
        self.environment("node2")["KV_CLUSTER_TOKEN"] = "other"
        self.assert_reported("KV_CLUSTER_TOKEN")

    def test_a_missing_token_is_reported(self):
        del self.environment("node1")["KV_CLUSTER_TOKEN"]
        self.assert_reported("node1: missing environment KV_CLUSTER_TOKEN")

    def test_a_wrong_advertised_address_is_reported(self):
        self.environment("node2")["KV_ADVERTISE"] = "localhost:8080"
        self.assert_reported("node2: KV_ADVERTISE")

    def test_a_missing_service_is_reported(self):
        del self.config["services"]["node3"]
        self.assert_reported("expected 3 services")

    def test_restart_policy_and_healthcheck_are_required(self):
        broken = copy.deepcopy(self.config)
        del broken["services"]["node1"]["healthcheck"]
        broken["services"]["node2"]["restart"] = "no"
        found = compose_checks.problems(broken)
        self.assertIn("node1: no healthcheck", found)
        self.assertTrue(any("node2: restart" in problem for problem in found), found)


class JoiningNodeTest(unittest.TestCase):
    """The merged config of docker-compose.yml and docker-compose.node4.yml."""

    def setUp(self):
        self.config = compose_yaml.load(RESOLVED)
        node4 = copy.deepcopy(self.config["services"]["node3"])
        node4["environment"].update(KV_ID="n4", KV_ADVERTISE="node4:8080",
                                    KV_PEERS="n1=node1:8080,n2=node2:8080,n3=node3:8080")
        node4["ports"][0]["published"] = 8084
        node4["volumes"] = ["node4-data:/data:rw"]
        self.config["services"]["node4"] = node4
        self.config["volumes"]["node4-data"] = {}

    def assert_reported(self, fragment):
        found = compose_checks.problems(self.config, ["node4"])
        self.assertTrue(any(fragment in problem for problem in found), found)

    def node4(self):
        return self.config["services"]["node4"]

    def test_a_fourth_node_naming_the_initial_ones_is_consistent(self):
        self.assertEqual(compose_checks.problems(self.config, ["node4"]), [])

    def test_a_fourth_node_needs_saying_it_joins(self):
        found = compose_checks.problems(self.config)
        self.assertTrue(any("expected 3 services" in problem for problem in found), found)

    def test_naming_one_initial_node_is_enough(self):
        self.node4()["environment"]["KV_PEERS"] = "n2=node2:8080"
        self.assertEqual(compose_checks.problems(self.config, ["node4"]), [])

    def test_a_joining_node_without_peers_is_reported(self):
        self.node4()["environment"]["KV_PEERS"] = ","
        self.assert_reported("node4: KV_PEERS")

    def test_a_peer_that_is_no_service_is_reported(self):
        self.node4()["environment"]["KV_PEERS"] = "n1=node1:8080,n5=node5:8080"
        self.assert_reported("node4: KV_PEERS")

    def test_a_peer_at_the_wrong_address_is_reported(self):
        self.node4()["environment"]["KV_PEERS"] = "n1=node2:8080"
        self.assert_reported("node4: KV_PEERS")

    def test_a_joining_node_naming_itself_is_reported(self):
        self.node4()["environment"]["KV_PEERS"] = "n1=node1:8080,n4=node4:8080"
        self.assert_reported("node4: KV_PEERS")

    def test_an_initial_node_must_not_change(self):
        self.config["services"]["node1"]["environment"]["KV_PEERS"] = (
            "n2=node2:8080,n3=node3:8080,n4=node4:8080")
        self.assert_reported("node1: KV_PEERS")

    def test_ids_ports_and_volumes_stay_distinct(self):
        for field, value, fragment in (("KV_ID", "n3", "not unique"),
                                       ("port", 8083, "host ports"),
                                       ("volume", "node3-data:/data:rw", "share a volume")):
            with self.subTest(field=field):
                self.setUp()
                if field == "port":
                    self.node4()["ports"][0]["published"] = value
                elif field == "volume":
                    self.node4()["volumes"] = [value]
                else:
                    self.node4()["environment"][field] = value
                self.assert_reported(fragment)

    def test_an_undeclared_volume_is_reported(self):
        del self.config["volumes"]["node4-data"]
        self.assert_reported("'node4-data' is not declared")


class ComposeYamlTest(unittest.TestCase):
    def test_reads_the_resolved_shapes(self):
        config = compose_yaml.load(RESOLVED)
        self.assertEqual(config["version"], "3.9")
        self.assertEqual(config["volumes"]["node1-data"], {})
        self.assertEqual(config["services"]["node1"]["ports"], [{"published": 8081,
                                                                 "target": 8080}])
        self.assertEqual(config["services"]["node1"]["healthcheck"]["test"], ["CMD", "kvctl"])

    def test_agrees_with_pyyaml_when_it_is_installed(self):
        try:
            import yaml
        except ImportError:
            self.skipTest("PyYAML not installed")
        self.assertEqual(compose_yaml.load(RESOLVED), yaml.safe_load(RESOLVED))

    def test_refuses_what_it_cannot_read(self):
        for text in ("a: &anchor 1\n", "a: >\n  text\n", "a: |+\n  text\n", "a: [1, 2]\n",
                     "a:\n\tb: 1\n", "a: 1\na: 2\n", "a: 1\n  b: 2\n", "a: 1  # one\n",
                     "a: '1' # one\n", "a: |\n    four\n  two\n"):
            with self.assertRaises(ValueError, msg=text):
                compose_yaml.load(text)
        with self.assertRaises(ValueError):
            compose_yaml.load_all("a: 1\n--- !tag\nb: 2\n")

    LITERALS_AND_DOCUMENTS = """\
# comment before the first document
---
command:
  - /bin/sh
  - -c
  - |
    # a shell comment is text here
    if true; then
      echo "a: b"

    fi
script: |-
  one
  two

---
empty: {}
list: []
"""

    def test_reads_literal_block_scalars_and_documents(self):
        documents = compose_yaml.load_all(self.LITERALS_AND_DOCUMENTS)
        self.assertEqual(len(documents), 2)
        self.assertEqual(documents[0]["command"][2],
                         "# a shell comment is text here\nif true; then\n  echo \"a: b\"\n\nfi\n")
        self.assertEqual(documents[0]["script"], "one\ntwo")
        self.assertEqual(documents[1], {"empty": {}, "list": []})

    def test_literals_and_documents_agree_with_pyyaml_when_it_is_installed(self):
        try:
            import yaml
        except ImportError:
            self.skipTest("PyYAML not installed")
        self.assertEqual(compose_yaml.load_all(self.LITERALS_AND_DOCUMENTS),
                         list(yaml.safe_load_all(self.LITERALS_AND_DOCUMENTS)))


if __name__ == "__main__":
    unittest.main(verbosity=1)
