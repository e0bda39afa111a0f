# ringkv node image: kvnode (the server), kvctl (client), sstdump (storage debugging) and
# kvsim (the simulator: deploy/k8s/sweep-job.yaml runs sweeps with it).
#
#   docker build -t ringkv:local .
#   docker run -e KV_ID=n1 -e KV_PEERS=... -e KV_CLUSTER_TOKEN=... -p 8081:8080 ringkv:local
#
# Base pinned by dated tag (debian:bookworm-20251229-slim, Debian 12.12): rebuilds are
# reproducible; bump the date on purpose. Configuration comes only from KV_* environment
# variables (or flags after the image name); no secret is baked in.

ARG DEBIAN_IMAGE=debian:bookworm-20251229-slim

# ---- build stage: Debian 12 build dependencies (see ../shared DEPS, tools/bootstrap) ----
FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libuv1-dev node-llhttp libsimdjson-dev libcjson-dev libxxhash-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake --preset release -DRINGKV_TESTS=OFF \
 && cmake --build --preset release --target kvnode kvctl sstdump kvsim \
 && install -m 0755 build/release/runtime/kvnode build/release/tools/kvctl \
      build/release/tools/sstdump build/release/sim/kvsim /usr/local/bin/

# ---- runtime stage: the binaries and their shared libraries only ----
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libuv1 libsimdjson14 libcjson1 libxxhash0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 ringkv \
 && useradd --system --uid 10001 --gid ringkv --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin ringkv \
 && mkdir -p /data && chown ringkv:ringkv /data
COPY --from=build /usr/local/bin/kvnode /usr/local/bin/kvctl /usr/local/bin/sstdump \
     /usr/local/bin/kvsim /usr/local/bin/

# RINGKV_NODE: `docker exec ... kvctl status` talks to the node in its own container.
ENV KV_LISTEN=0.0.0.0:8080 \
    KV_DATA_DIR=/data \
    RINGKV_NODE=127.0.0.1:8080
USER ringkv:ringkv
WORKDIR /data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["kvctl", "--node", "127.0.0.1:8080", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["kvnode"]
