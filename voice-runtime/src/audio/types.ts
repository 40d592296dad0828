// Audio pieces shared by the transports and the session runner.

/** An endless bed of background sound (office, cafe, …), read a block at a time. */
export interface BackgroundSource {
  readonly sampleRateHz: number;
  /** The next `count` mono PCM16 samples at full scale; loops forever. The caller applies the volume. */
  read(count: number): Int16Array;
}
