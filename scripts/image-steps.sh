#!/bin/sh
# The container image's steps, in one place: the Dockerfile runs them, and so does
# tests/e2e/image.e2e.test.ts (Docker can't run where the project is tested), so the two can't drift.
#   build   in a checkout whose dependencies are all installed (npm ci): compile to dist/, drop the dev
#           dependencies, and lay out exactly what the image holds in image/
#   start   in that layout (the image's /app): run the compiled bot
#   health  the image's HEALTHCHECK: exit 0 only if /healthz answers 200
set -eu
cd "$(dirname "$0")/.."

case "${1:-}" in
build)
	npm run build
	npm prune --omit=dev --no-audit --no-fund
	rm -rf image
	mkdir -p image/scripts
	cp -R package.json dist data node_modules image/
	cp scripts/image-steps.sh image/scripts/
	;;
start)
	# The bot empties discord.js's channel and role caches on purpose (src/client.ts; README, Performance).
	exec node --disable-warning=UnsupportedCacheOverwriteWarning dist/src/index.js
	;;
health)
	exec node -e '
		fetch(`http://127.0.0.1:${process.env.HEALTH_PORT}/healthz`, { signal: AbortSignal.timeout(4000) }).then(
			(response) => process.exit(response.ok ? 0 : 1),
			() => process.exit(1),
		);
	'
	;;
*)
	echo "usage: scripts/image-steps.sh build|start|health" >&2
	exit 64
	;;
esac
