# The controller image for a Deployment on the Karmada host (config/host).
# Build: docker build -t clusterset-dns .   (not built in CI: this machine has no Docker engine)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
# `prepare` compiles src/ to dist/ during npm ci; then drop dev dependencies.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
USER 65532:65532
# Memory (BENCHMARKS.md "Memory", bench/memory.ts): the live heap is small
# (~50-90 MiB at 1,000 imports); V8's default young generation and glibc's
# per-thread malloc arenas are what took a cold start to 280-337 MiB of RSS.
# These two keep it at ~165 MiB for the same work. Kept equal to
# IMAGE_NODE_ARGS / IMAGE_ENV in test/env/controller.ts by a test.
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "/app/bin/clusterset-dns.js"]
CMD ["run"]
