# syntax=docker/dockerfile:1
# Her Film Club: `docker compose up -d` (see "Running in a container" in README.md).
# The build and run steps are scripts/image-steps.sh, which tests/e2e/image.e2e.test.ts runs too.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles itself when no prebuilt binary fits the platform.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends python3 make g++ \
	&& rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN sh scripts/image-steps.sh build

# The runtime image: compiled JavaScript, the dataset and production dependencies only.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
	DATABASE_PATH=/app/var/her-film-club.sqlite \
	HEALTH_PORT=9464 \
	HEALTH_HOST=0.0.0.0
WORKDIR /app
# Owned by root and read-only to the bot; its state lives in the volume, the one place it can write.
COPY --from=build /app/image/ ./
RUN mkdir var && chown node:node var
VOLUME /app/var
USER node
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["sh", "scripts/image-steps.sh", "health"]
CMD ["sh", "scripts/image-steps.sh", "start"]
