// The composite recording: a native <audio> player over an SVG waveform drawn from the stored
// peaks (0..1). The played part is highlighted; clicking the waveform seeks there. The parent
// holds the audio element's ref, so clicking a turn of the transcript seeks too.
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";

export interface Waveform {
  peaks: number[];
  durationMs: number;
}

/** Seeks `audio` to `ms` and plays from there. */
export function seekAudio(audio: HTMLAudioElement | null, ms: number): void {
  if (!audio) return;
  audio.currentTime = ms / 1000;
  void audio.play().catch(() => {});
}

export function RecordingPlayer({ url, contentType, waveform, audioRef, onError }: { url: string; contentType: string; waveform: Waveform | null; audioRef: RefObject<HTMLAudioElement | null>; onError?: () => void }) {
  const [positionMs, setPositionMs] = useState(0);
  const [durationMs, setDurationMs] = useState(waveform?.durationMs ?? 0);
  useEffect(() => {
    const audio = audioRef.current;
    if (!audio) return;
    const onTime = () => setPositionMs(audio.currentTime * 1000);
    const onMeta = () => {
      if (Number.isFinite(audio.duration) && !waveform?.durationMs) setDurationMs(audio.duration * 1000);
    };
    audio.addEventListener("timeupdate", onTime);
    audio.addEventListener("seeked", onTime);
    audio.addEventListener("loadedmetadata", onMeta);
    return () => {
      audio.removeEventListener("timeupdate", onTime);
      audio.removeEventListener("seeked", onTime);
      audio.removeEventListener("loadedmetadata", onMeta);
    };
  }, [url]);

  const onWaveClick = (e: MouseEvent) => {
    const target = e.currentTarget;
    if (!(target instanceof Element) || durationMs <= 0) return;
    const box = target.getBoundingClientRect();
    const ratio = box.width > 0 ? Math.min(1, Math.max(0, (e.clientX - box.left) / box.width)) : 0;
    seekAudio(audioRef.current, ratio * durationMs);
  };

  return (
    <div class="player">
      {waveform && waveform.peaks.length > 0 && (
        <WaveformSvg peaks={waveform.peaks} progress={durationMs > 0 ? positionMs / durationMs : 0} onClick={onWaveClick} />
      )}
      <div class="row">
        <audio ref={audioRef} controls preload="metadata" onError={onError}>
          <source src={url} type={contentType} />
        </audio>
      </div>
    </div>
  );
}

function WaveformSvg({ peaks, progress, onClick }: { peaks: number[]; progress: number; onClick: (e: MouseEvent) => void }) {
  const n = peaks.length;
  const played = Math.round(progress * n);
  return (
    <svg class="waveform" viewBox={`0 0 ${n} 100`} preserveAspectRatio="none" role="img" aria-label="Waveform; click to seek" onClick={onClick}>
      {peaks.map((p, i) => {
        const h = Math.max(1, Math.min(1, p) * 96);
        return <rect key={i} x={i + 0.1} y={50 - h / 2} width={0.8} height={h} class={i < played ? "played" : ""} />;
      })}
      <line x1={progress * n} x2={progress * n} y1={0} y2={100} class="cursor" vector-effect="non-scaling-stroke" />
    </svg>
  );
}
