# The controller image for a Deployment on the Karmada host (config/host).
# Build: docker build --build-arg CLUSTERSET_DNS_COMMIT=$(git rev-parse HEAD) -t clusterset-dns .
# (not built in CI: this machine has no Docker engine)
#
# Node: the 24 LTS line, the same release the tests run on (package.json's
# devDependency "node" and .nvmrc; test/package/runtime.test.ts keeps the
# three equal). Debian 12 (bookworm) in both stages.
ARG NODE_VERSION=24.21.0
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
# The mcs-api CRDs `clusterset-dns crds install` applies, read at run time
# from beside dist/ (src/karmada/mcs-api-crds.ts).
COPY crds/mcs-api ./crds/mcs-api
COPY hack/build-info.ts ./hack/build-info.ts
# The commit the image is built from, for `clusterset-dns version` and
# clusterset_dns_build_info: this stage has no .git, so pass it, e.g.
#   docker build --build-arg CLUSTERSET_DNS_COMMIT=$(git rev-parse HEAD) .
# Without it the build records "unknown" (docs/metrics.md).
ARG CLUSTERSET_DNS_COMMIT=""
# `prepare` compiles src/ to dist/ (and writes dist/build-info.json) during
# npm ci; then drop dev dependencies. npm ci also installs the devDependency
# "node" (the same release as this image's node, for machines that lack it);
# the prune removes it again.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Distroless tags name only the Node major (nodejs24), not the release: the
# runtime gets the newest 24.x distroless has published. To build the exact
# same bytes twice, pin the digest when releasing:
#   FROM gcr.io/distroless/nodejs24-debian12:nonroot@sha256:<digest>
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/crds ./crds
USER 65532:65532
# Memory (BENCHMARKS.md "Memory", bench/memory.ts): the live heap is small
# (~50-90 MiB at 1,000 imports); V8's default young generation and glibc's
# per-thread malloc arenas are what took a cold start to 280-337 MiB of RSS.
# These two keep it at ~165 MiB for the same work. Kept equal to
# IMAGE_NODE_ARGS / IMAGE_ENV in test/env/controller.ts by a test.
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "/app/bin/clusterset-dns.js"]
CMD ["run"]
