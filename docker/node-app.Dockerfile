# The services without Spark (ingest-watcher). Build from the repository root:
#   docker build -f docker/node-app.Dockerfile -t summary-pipeline/node-app:0.1.0 .
# Runs as uid 10001 on a read-only root filesystem (k8s/base): nothing is written outside /tmp.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

# Compile the TypeScript (tsconfig.build.json → dist/apps/<app>/src/main.js, dist/libs/...).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
RUN npm run build

# Production dependencies only, from the same lockfile.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
RUN groupadd --system --gid 10001 summary \
 && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --shell /usr/sbin/nologin summary
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json package-lock.json ./
COPY bin bin
COPY contracts contracts
COPY config config
# Numeric, so that Kubernetes can verify runAsNonRoot against the image.
USER 10001:10001
EXPOSE 3001
CMD ["node", "bin/service.js", "ingest-watcher"]
