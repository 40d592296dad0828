"""Incremental pocketsphinx decoder for the voice runtime's offline STT (pocketsphinx-stream.ts).

Run with Debian's /usr/bin/python3 (python3-pocketsphinx). One process serves every utterance of
one STT: audio is decoded as it arrives, so the final hypothesis costs only end_utt() (~10 ms).

stdin, binary frames: a 9-byte header (kind: 1 byte, utterance id: uint32 BE, payload length:
uint32 BE) then the payload. Kinds: S start an utterance, A its audio (16 kHz mono s16le), E end
it (a final follows), X drop it (nothing follows).
stdout, one JSON object a line: {"type":"ready"} once the model is loaded;
{"type":"partial","utt":N,"text":...} while audio arrives (every --partial-every-ms of new audio,
only when the text changed); {"type":"final","utt":N,"text":...,"score":N};
{"type":"error","utt":N,"message":...} for a frame the protocol does not allow.
Transcripts go to stdout only: pocketsphinx's own log (which holds them) goes to /dev/null.
"""
import argparse
import json
import struct
import sys

HEADER = struct.Struct(">cII")
SAMPLE_RATE_HZ = 16000


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hmm", required=True)
    parser.add_argument("--lm", required=True)
    parser.add_argument("--dict", required=True)
    parser.add_argument("--partial-every-ms", type=int, default=300)
    return parser.parse_args()


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def read_exactly(stream, size):
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


class Pool:
    """Decoders, one per utterance in progress; they are reused, and a second one (another 0.5 s
    model load) is made only when utterances overlap (two streams, or a batch call during one)."""

    def __init__(self, args):
        from pocketsphinx import Decoder

        self.make = lambda: Decoder(self.config(Decoder, args))
        self.free = [self.make()]
        self.active = {}

    @staticmethod
    def config(decoder_class, args):
        config = decoder_class.default_config()
        config.set_string("-hmm", args.hmm)
        config.set_string("-lm", args.lm)
        config.set_string("-dict", args.dict)
        config.set_string("-logfn", "/dev/null")
        # Live cepstral mean (the model's feat.params asks for batch, which needs the whole
        # utterance): it starts from the model's -cmninit and follows the caller within a session.
        config.set_string("-cmn", "current")
        # The forward flat-lexicon pass costs ~60-170 ms at end_utt and made no difference on our
        # flite phrases (word errors 3/72 either way); bestpath stays on (it fixes 2 of those words).
        config.set_boolean("-fwdflat", False)
        # At most 3,000 active HMMs a frame (default 30,000): half the CPU (28% -> 14% of a core
        # on our phrases, on a busy machine) with the same word errors; 2,000 doubled them. A
        # decoder that cannot keep up with the caller makes every final late.
        config.set_int("-maxhmmpf", 3000)
        return config

    def start(self, utt):
        decoder = self.free.pop() if self.free else self.make()
        decoder.start_utt()
        self.active[utt] = {"decoder": decoder, "pending": 0, "text": ""}

    def release(self, utt):
        state = self.active.pop(utt)
        self.free.append(state["decoder"])
        return state["decoder"]


def hypothesis(decoder):
    hyp = decoder.hyp()
    return (hyp.hypstr.strip(), hyp.best_score) if hyp is not None else ("", 0)


def main():
    args = parse_args()
    try:
        pool = Pool(args)
    except ImportError:
        emit({"type": "missing", "message": "the pocketsphinx Python module is not installed"})
        return 3
    emit({"type": "ready"})
    partial_every = SAMPLE_RATE_HZ * 2 * args.partial_every_ms // 1000  # in bytes
    stdin = sys.stdin.buffer
    while True:
        header = read_exactly(stdin, HEADER.size)
        if header is None:
            return 0  # stdin closed: the runtime is done with us
        kind, utt, length = HEADER.unpack(header)
        payload = read_exactly(stdin, length) if length else b""
        if payload is None:
            return 0
        state = pool.active.get(utt)
        if kind == b"S":
            if state is not None:
                pool.release(utt).end_utt()
            pool.start(utt)
        elif state is None:
            # Audio or an end for an utterance we never started (or dropped): say so for E only,
            # the runtime waits for its final.
            if kind == b"E":
                emit({"type": "error", "utt": utt, "message": "unknown utterance"})
        elif kind == b"A":
            state["decoder"].process_raw(payload, False, False)
            state["pending"] += len(payload)
            if partial_every > 0 and state["pending"] >= partial_every:
                state["pending"] = 0
                text, _ = hypothesis(state["decoder"])
                if text != state["text"]:
                    state["text"] = text
                    emit({"type": "partial", "utt": utt, "text": text})
        elif kind == b"E":
            decoder = pool.release(utt)
            decoder.end_utt()
            text, score = hypothesis(decoder)
            emit({"type": "final", "utt": utt, "text": text, "score": score})
        elif kind == b"X":
            pool.release(utt).end_utt()


if __name__ == "__main__":
    sys.exit(main())
