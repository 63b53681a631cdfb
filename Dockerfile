# syntax=docker/dockerfile:1
# One image recipe for the three services. Build from the repository root:
#   docker build --build-arg APP=auth-service      --build-arg APP_PORT=3000 -t gatehouse/auth-service .
#   docker build --build-arg APP=orders-service    --build-arg APP_PORT=3001 -t gatehouse/orders-service .
#   docker build --build-arg APP=inventory-service --build-arg APP_PORT=3002 -t gatehouse/inventory-service .
# No secrets are baked in: every setting comes from the environment at run time.
ARG NODE_IMAGE=node:20.19-bookworm-slim

# --- build: install the workspace, build the app with Nx, then install only the production
# dependencies listed in the package.json/package-lock.json that the build generates.
FROM ${NODE_IMAGE} AS build
ARG APP
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true CI=true
WORKDIR /workspace
RUN case "$APP" in auth-service|orders-service|inventory-service) ;; *) echo "--build-arg APP must be auth-service, orders-service or inventory-service" >&2; exit 1 ;; esac
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run ${APP}:build --outputStyle=static
WORKDIR /workspace/dist/apps/${APP}
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: the bundle and its pruned node_modules, owned by root, run as uid 1000.
FROM ${NODE_IMAGE} AS runtime
ARG APP
ARG APP_PORT=3000
ENV NODE_ENV=production PORT=${APP_PORT} HOST=0.0.0.0
WORKDIR /app
COPY --from=build /workspace/dist/apps/${APP}/ /app/
USER 1000:1000
EXPOSE ${APP_PORT}
# Ready (not just alive): compose's depends_on waits on this. node, because slim has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.PORT,path:'/health/ready',timeout:2500},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
CMD ["node", "main.js"]
