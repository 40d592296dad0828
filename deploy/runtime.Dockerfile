# The voice runtime as a container (Debian bookworm + Node 22). Build context: the repository root,
# because the runtime imports the workspace packages from source:
#   docker build -f deploy/runtime.Dockerfile -t speaknode-runtime .
# deploy/speaknode.compose.yaml builds and runs it (RUNTIME_TRANSPORT=livekit). Node runs the TypeScript
# sources directly (type stripping), as in development.
FROM node:22-bookworm-slim

# The offline speech engines of agents on the embedded providers — the same Debian packages as
# `requirements.speech` in scripts/system-packages.ts (deploy/deploy.test.ts keeps them equal):
# flite speaks, pocketsphinx listens (its streaming decoder through Debian's Python binding), sox
# converts. ca-certificates for the cloud providers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends flite pocketsphinx pocketsphinx-en-us python3-pocketsphinx sox ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production ONNXRUNTIME_NODE_INSTALL=skip npm_config_onnxruntime_node_install=skip

COPY package.json package-lock.json .npmrc tsconfig.base.json ./
# Every workspace's manifest, so the lockfile resolves; only the runtime's dependencies install.
COPY packages/contracts/package.json packages/contracts/
COPY packages/db/package.json packages/db/
COPY packages/phone/package.json packages/phone/
COPY packages/signing/package.json packages/signing/
COPY packages/ssrf/package.json packages/ssrf/
COPY packages/tokens/package.json packages/tokens/
COPY workers/package.json workers/
COPY widget/package.json widget/
COPY dashboard/package.json dashboard/
COPY voice-runtime/package.json voice-runtime/
RUN npm ci --omit=dev --no-audit --no-fund --workspace @speaknode/voice-runtime --include-workspace-root=false

# The workspace packages the runtime imports, and theirs (contracts uses phone).
COPY packages/contracts packages/contracts
COPY packages/phone packages/phone
COPY packages/ssrf packages/ssrf
COPY packages/tokens packages/tokens
COPY voice-runtime voice-runtime

# The event spools and recordings in progress live on a volume (RUNTIME_DATA_DIR, RECORDINGS_DIR).
RUN mkdir -p /var/lib/speaknode/recordings && chown -R node:node /var/lib/speaknode
USER node
ENV RUNTIME_TRANSPORT=livekit RUNTIME_MEDIA_HOST=0.0.0.0 RUNTIME_MEDIA_PORT=8790 \
    RUNTIME_DATA_DIR=/var/lib/speaknode RECORDINGS_DIR=/var/lib/speaknode/recordings
VOLUME /var/lib/speaknode
EXPOSE 8790
# GET /healthz answers as soon as the HTTP server listens, also while LiveKit is unreachable.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.RUNTIME_MEDIA_PORT||8790)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "voice-runtime/src/main.ts"]
