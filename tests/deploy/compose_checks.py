"""Consistency rules for ringkv's docker-compose topology, over the resolved config.

problems(config) takes the mapping printed by `docker-compose config` and returns a list
of human-readable problems (empty when the topology is consistent): ids unique, every
node's peers exactly the other nodes at their service name and container port, host ports
8081..8083, one named volume per node mounted at its data dir, one shared token.
"""

EXPECTED_HOST_PORTS = {8081, 8082, 8083}
REQUIRED_ENVIRONMENT = ("KV_ID", "KV_LISTEN", "KV_ADVERTISE", "KV_PEERS", "KV_DATA_DIR",
                        "KV_CLUSTER_TOKEN")


def _environment(service):
    environment = service.get("environment") or {}
    if isinstance(environment, list):  # ["NAME=value", ...]
        environment = dict(item.split("=", 1) for item in environment)
    return {name: str(value) for name, value in environment.items()}


def _port_of(address):
    return int(address.rsplit(":", 1)[1])


def _parse_peers(text):
    peers = {}
    for item in filter(None, text.split(",")):
        node_id, _, address = item.partition("=")
        peers[node_id] = address
    return peers


def _port_mappings(service):
    """[(published, target)] from short ("8081:8080") or long (published/target) syntax."""
    mappings = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            mappings.append((int(port.get("published", 0)), int(port["target"])))
        else:
            parts = str(port).split("/")[0].split(":")
            mappings.append((int(parts[-2]) if len(parts) >= 2 else 0, int(parts[-1])))
    return mappings


def _named_volumes(service):
    """[(volume name, container path)] for named (not bind) mounts."""
    mounts = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("type", "volume") == "volume":
                mounts.append((volume.get("source"), volume.get("target")))
            continue
        parts = str(volume).split(":")
        if len(parts) >= 2 and not parts[0].startswith((".", "/", "~")):
            mounts.append((parts[0], parts[1]))
    return mounts


def _node_problems(name, service, nodes):
    problems = []
    environment = nodes[name]["environment"]
    listen_port = _port_of(environment["KV_LISTEN"])
    if environment["KV_ADVERTISE"] != "%s:%d" % (name, listen_port):
        problems.append("%s: KV_ADVERTISE %r is not %s:%d" % (
            name, environment["KV_ADVERTISE"], name, listen_port))
    expected_peers = {other["environment"]["KV_ID"]: other["environment"]["KV_ADVERTISE"]
                      for other_name, other in nodes.items() if other_name != name}
    if _parse_peers(environment["KV_PEERS"]) != expected_peers:
        problems.append("%s: KV_PEERS %r, expected exactly the other nodes %r" % (
            name, environment["KV_PEERS"], expected_peers))
    mappings = _port_mappings(service)
    if len(mappings) != 1 or mappings[0][1] != listen_port:
        problems.append("%s: needs one port mapping to container port %d, has %r" % (
            name, listen_port, mappings))
    volumes = _named_volumes(service)
    if len(volumes) != 1 or volumes[0][1] != environment["KV_DATA_DIR"]:
        problems.append("%s: needs one named volume at KV_DATA_DIR %r, has %r" % (
            name, environment["KV_DATA_DIR"], volumes))
    if service.get("restart") != "unless-stopped":
        problems.append("%s: restart is %r, not unless-stopped" % (name, service.get("restart")))
    if not (service.get("healthcheck") or {}).get("test"):
        problems.append("%s: no healthcheck" % name)
    return problems


def _cluster_problems(config, nodes):
    problems = []
    ids = [node["environment"]["KV_ID"] for node in nodes.values()]
    if len(set(ids)) != len(ids):
        problems.append("node ids are not unique: %r" % ids)
    published = [mapping[0] for node in nodes.values() for mapping in node["ports"]]
    if sorted(published) != sorted(EXPECTED_HOST_PORTS):
        problems.append("host ports are %r, expected %r" % (published, sorted(EXPECTED_HOST_PORTS)))
    volume_names = [mount[0] for node in nodes.values() for mount in node["volumes"]]
    if len(set(volume_names)) != len(volume_names):
        problems.append("nodes share a volume: %r" % volume_names)
    declared = set((config.get("volumes") or {}).keys())
    for volume in volume_names:
        if volume not in declared:
            problems.append("volume %r is not declared under volumes:" % volume)
    tokens = {node["environment"]["KV_CLUSTER_TOKEN"] for node in nodes.values()}
    if len(tokens) != 1 or "" in tokens:
        problems.append("nodes do not share one non-empty KV_CLUSTER_TOKEN: %r" % sorted(tokens))
    return problems


def problems(config):
    services = (config or {}).get("services") or {}
    if len(services) != len(EXPECTED_HOST_PORTS):
        return ["expected %d services, found %r" % (len(EXPECTED_HOST_PORTS), sorted(services))]
    nodes = {}
    found = []
    for name, service in services.items():
        environment = _environment(service)
        missing = [key for key in REQUIRED_ENVIRONMENT if not environment.get(key)]
        if missing:
            found.append("%s: missing environment %s" % (name, ", ".join(missing)))
        nodes[name] = {"environment": environment, "ports": _port_mappings(service),
                       "volumes": _named_volumes(service)}
    if found:
        return found
    for name, service in services.items():
        found.extend(_node_problems(name, service, nodes))
    return found + _cluster_problems(config, nodes)
