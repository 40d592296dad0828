# The VoxImplant media bridge as a container: VoxImplant's WebSocket media in, LiveKit rooms out
# (MEDIA_DRIVER=livekit). It shares the runtime's audio codecs, so it is built from the same
# sources. Build context: the repository root:
#   docker build -f deploy/bridge.Dockerfile -t speaknode-voximplant-bridge .
# Put TLS (wss://) in front of it: VoxImplant's cloud connects to it.
FROM node:22-bookworm-slim

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

COPY packages/contracts packages/contracts
COPY packages/phone packages/phone
COPY packages/ssrf packages/ssrf
COPY packages/tokens packages/tokens
COPY voice-runtime voice-runtime

USER node
ENV BRIDGE_HOST=0.0.0.0 BRIDGE_PORT=8792 MEDIA_DRIVER=livekit
EXPOSE 8792
CMD ["node", "voice-runtime/src/bridge/main.ts"]
