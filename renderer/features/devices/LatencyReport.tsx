import { useMemo } from 'react';
import type { DeviceLatencyReport } from '../../api/index.js';
import { ScatterCanvas, type ScatterSeries } from '../charts/ScatterCanvas.js';
import { fmt, fmtTime, PALETTE } from '../common/format.js';

/** Predicted against measured latency of a device's lookup table, with its RMSE and ±10% share. */
export function LatencyReport({ report, theme }: { report: DeviceLatencyReport; theme: string }) {
  const series: ScatterSeries[] = useMemo(() => {
    const make = (label: string, color: string, pairs: DeviceLatencyReport['heldOut']): ScatterSeries => ({
      label,
      color,
      xs: Float64Array.from(pairs.map((p) => p.measuredMs)),
      ys: Float64Array.from(pairs.map((p) => p.predictedMs)),
      numbers: Int32Array.from(pairs.map((_, i) => i)),
      front: null,
    });
    return [make('held out', PALETTE[0] as string, report.heldOut), make('calibration', PALETTE[1] as string, report.calibration)];
  }, [report]);
  const a = report.accuracy;
  return (
    <div className="latency-report">
      <p className="small" data-testid="latency-accuracy">
        Lookup table for <b>{report.space}</b>: {report.kernels} kernels · RMSE <b>{a.rmseMs === null ? '—' : `${fmt(a.rmseMs, 3)} ms`}</b> · <b>{a.within10 === null ? '—' : `${Math.round(a.within10 * 100)}%`}</b> within ±10% ({a.n} held-out architectures) · built {fmtTime(report.createdAt)}
      </p>
      <ScatterCanvas label={`Predicted against measured latency on ${report.deviceId}`} series={series} xLabel="measured (ms)" yLabel="predicted (ms)" height={240} theme={theme} diagonal />
      <p className="muted small">
        <span className="swatch" style={{ background: PALETTE[0] }} /> held out · <span className="swatch" style={{ background: PALETTE[1] }} /> calibration · dashed: prediction = measurement
      </p>
    </div>
  );
}
