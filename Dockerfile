# tessera in a container: docs/operations.md#container says how to build and run it.
#
# Stage 1 builds: better-sqlite3 (compiled here if no prebuilt binary fits: the full Debian image has python3, make and
# g++), then TypeScript and the dashboard; devDependencies are dropped afterwards.
FROM node:20-bookworm AS build
WORKDIR /app
COPY . .
# `npm ci` runs `prepare`, which builds; the devDependencies it needed go afterwards.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

# Stage 2 runs: what `npm pack` ships (dist/src, dist/web) and the production dependencies, as the
# unprivileged `node` user (uid 1000) of the official image.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8420 \
    TESSERA_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/web ./dist/web
RUN mkdir -p /data && chown node:node /data
USER node
# The SQLite store and the server key (secret.key) live here: keep the volume, back it up
# (`tessera backup`), and keep the key apart from the backups.
VOLUME ["/data"]
EXPOSE 8420
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8420) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/src/main.js"]
CMD ["serve"]
