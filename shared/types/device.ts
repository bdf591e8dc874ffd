export interface DeviceRecord {
  /** Stable id: an adb serial, or `local:<backend>` for a backend of this machine. */
  readonly id: string;
  readonly kind: 'android' | 'local' | 'remote';
  readonly name: string;
  /** Free-form facts: model, SoC, ABI, Android version, cores, frequencies, library versions. */
  readonly info: Readonly<Record<string, unknown>>;
  readonly lastSeenAt: number;
}

/** One latency measurement with the provenance needed to trust or discard it later. */
export interface LatencySample {
  readonly deviceId: string;
  /** What was measured: an architecture key, or an op configuration key for lookup tables. */
  readonly subject: string;
  readonly studyId?: string;
  readonly trialNumber?: number;
  readonly medianMs: number;
  readonly p90Ms?: number;
  readonly runs: number;
  /** Backend / delegate / threads / tool version / flags / temperature … */
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly measuredAt: number;
}

export interface ArtifactRecord {
  readonly studyId: string;
  readonly trialNumber?: number;
  /** e.g. `tflite`, `onnx`, `tfjs`, `report`. */
  readonly kind: string;
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly createdAt: number;
  /**
   * How it was made, as plain JSON data: an export's format options (opset, softmax, input layout),
   * the weights it came from (their checksum) and where those came from (e.g. a retraining's
   * epochs and accuracy). Absent on artifacts recorded before settings were kept.
   */
  readonly settings?: Readonly<Record<string, unknown>>;
}
