# syntax=docker/dockerfile:1
# AMS container image: the API (`node dist/main.js`, the default command) and the push worker
# (`node dist/push-main.js`) from one image. Build: docker build -t ams .
# Node 24 LTS is the target (22 the oldest supported).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript, then keep production dependencies only ------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 (the embedded store) is a Node-API addon whose package carries binaries for linux x64/arm64 (glibc and
# musl): no compiler needed.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: the built app, production node_modules, a non-root user ------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    AMS_HOST=0.0.0.0 \
    AMS_PORT=8080 \
    AMS_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs
# The embedded store writes under /data; with kafka-mongo nothing is written and the root filesystem can be read-only.
# Numeric ids (the image's `node` user): Kubernetes can only verify runAsNonRoot against a numeric user.
RUN mkdir -p /data && chown 1000:1000 /data
USER 1000:1000
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["node", "docker/healthcheck.mjs"]
CMD ["node", "dist/main.js"]
