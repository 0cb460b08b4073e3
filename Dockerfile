# One image for every process of the topology: ROLE (gateway, projector, worker, all) picks what
# it does. tsx runs the TypeScript sources as they are, so there is no build step to get wrong.
# Node 26: the current LTS line (package.json's engines says what the dependencies need).
FROM node:26-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first: this layer is reused until package-lock.json changes.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .
# DATA_DIR, for the embedded store and a private Redis when no server is configured.
RUN mkdir -p /app/data && chown node:node /app/data
USER node

# Containers listen on every interface; the gateway's port.
ENV HOST=0.0.0.0 PORT=4000
EXPOSE 4000

CMD ["node", "--import", "tsx", "server/main.ts"]
