"""Consistency rules for ringkv's docker-compose topology, over the resolved config.

problems(config, joining) takes the mapping printed by `docker-compose config` and returns
a list of human-readable problems (empty when the topology is consistent): ids unique, the
initial nodes' peers exactly the other initial nodes at their service name and container
port, host ports 8081 and up (one per node), one named volume per node mounted at its data
dir, one shared token. `joining` names services an override file adds to a running
cluster (docker-compose.node4.yml): each names some initial nodes as peers, and nothing else.
"""

INITIAL_NODE_COUNT = 3
FIRST_HOST_PORT = 8081
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


def _peer_problems(name, nodes, joining):
    environment = nodes[name]["environment"]
    peers = _parse_peers(environment["KV_PEERS"])
    initial = {other["environment"]["KV_ID"]: other["environment"]["KV_ADVERTISE"]
               for other_name, other in nodes.items()
               if other_name != name and other_name not in joining}
    if name not in joining:
        if peers != initial:
            return ["%s: KV_PEERS %r, expected exactly the other nodes %r" % (
                name, environment["KV_PEERS"], initial)]
        return []
    unknown = {node_id: address for node_id, address in peers.items()
               if initial.get(node_id) != address}
    if not peers or unknown:
        return ["%s: KV_PEERS %r must name initial nodes at their addresses %r (not %r)" % (
            name, environment["KV_PEERS"], initial, unknown)]
    return []


def _node_problems(name, service, nodes, joining):
    problems = []
    environment = nodes[name]["environment"]
    listen_port = _port_of(environment["KV_LISTEN"])
    if environment["KV_ADVERTISE"] != "%s:%d" % (name, listen_port):
        problems.append("%s: KV_ADVERTISE %r is not %s:%d" % (
            name, environment["KV_ADVERTISE"], name, listen_port))
    problems.extend(_peer_problems(name, nodes, joining))
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
    expected_ports = list(range(FIRST_HOST_PORT, FIRST_HOST_PORT + len(nodes)))
    if sorted(published) != expected_ports:
        problems.append("host ports are %r, expected %r" % (published, expected_ports))
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


def problems(config, joining=()):
    services = (config or {}).get("services") or {}
    expected_count = INITIAL_NODE_COUNT + len(joining)
    if len(services) != expected_count or not set(joining) <= set(services):
        return ["expected %d services (%d initial, joining %r), found %r" % (
            expected_count, INITIAL_NODE_COUNT, sorted(joining), sorted(services))]
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
        found.extend(_node_problems(name, service, nodes, set(joining)))
    return found + _cluster_problems(config, nodes)
