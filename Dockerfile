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
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/clusterset-dns.js"]
CMD ["run"]
