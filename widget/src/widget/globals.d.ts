// Constants the build (build-lib.ts) substitutes into the widget bundle.

/** The compiled audio.worklet.ts, loaded through a Blob URL. */
declare const __SPEAKNODE_WORKLET_SOURCE__: string;
