import { useMemo, useState } from 'react';
import type { StudyId } from '../../api/index.js';
import { useNas } from '../../store/index.js';
import { enasMobilenetRecords, type EnasMobilenetRecords } from '../../store/enasMobilenet/records.js';
import { LineChart } from '../charts/LineChart.js';
import { PALETTE } from '../common/format.js';
import { Empty, ErrorNote, Panel } from '../common/widgets.js';
import { EpochSlider, ResumeNote, useOneShotRecords } from './OneShotPieces.js';

/**
 * An ENAS run on the mobilenet space (`frontier enas --space mobilenet`): its rewards over the
 * epochs, the controller's probabilities per decision (with an epoch slider; the derived
 * sub-network's choice outlined, decisions inactive in it greyed), and the derived sub-network.
 * Read again every few seconds while the run goes on (oneShot slice). A stopped or interrupted run
 * is continued from its checkpoint by the page's Resume (main runs it), or `frontier resume`.
 */
export function EnasMobilenetPanels({ id }: { id: StudyId }) {
  const curve = useNas((s) => s.oneShotCurve);
  const { derived, error } = useOneShotRecords(id);
  const theme = useNas((s) => s.theme);
  const r = useMemo(() => enasMobilenetRecords(curve), [curve]);
  // null: follow the latest epoch.
  const [picked, setPicked] = useState<number | null>(null);

  const last = r.epochs.length - 1;
  const at = picked === null ? last : Math.min(picked, last);
  const rewardSeries = [['mean_reward', 'mean reward'], ['best_reward', 'best reward so far'], ['baseline', 'baseline'], ['derived_accuracy', 'derived sub-network accuracy']]
    .filter(([m]) => r.series[m as string])
    .map(([m, label], i) => ({ label: label as string, color: PALETTE[i % PALETTE.length] as string, values: r.series[m as string] ?? [] }));
  return (
    <>
      {error ? <ErrorNote message={error} /> : null}
      <ResumeNote id={id} what="ENAS" epoch={r.epochs.at(-1) ?? 0} />
      <Panel title="Rewards" className="wide">
        {r.epochs.length > 0 ? (
          <div className="stack">
            <LineChart label="Rewards over epochs" x={r.epochs} series={rewardSeries} xLabel="epoch" yLabel="reward" integerX height={160} theme={theme} />
            {[['train_loss', 'shared-weight loss'], ['policy_entropy', 'policy entropy (nats per decision)']].filter(([m]) => r.series[m as string]).map(([m, label], i) => (
              <div key={m}>
                <div className="chart-caption small muted">{label}</div>
                <LineChart label={`${label} over epochs`} x={r.epochs} series={[{ label: label as string, color: PALETTE[(i + 4) % PALETTE.length] as string, values: r.series[m as string] ?? [] }]} xLabel="epoch" integerX height={110} theme={theme} />
              </div>
            ))}
          </div>
        ) : (
          <Empty>Waiting for the first epoch to end.</Empty>
        )}
      </Panel>
      <Panel
        title="Controller probabilities"
        className="wide"
        actions={<EpochSlider epochs={r.epochs} at={at} testId="policy-epoch" onPick={setPicked} />}
      >
        {at >= 0 ? <PolicyTable r={r} at={at} /> : <Empty>Waiting for the first epoch to end.</Empty>}
      </Panel>
      <Panel title="Derived sub-network">
        {derived ? (
          <p data-testid="derived-subnet">
            <code>{derived.key}</code>: shared-weight validation accuracy <b>{acc(derived.metrics.shared_val_accuracy)}</b>
            {derived.metrics.params !== undefined ? <>, {derived.metrics.params.toLocaleString('en-US')} params</> : null}
          </p>
        ) : at >= 0 ? (
          <p data-testid="derived-subnet">
            At epoch {r.epochs[at]}: the outlined choices, shared-weight accuracy {acc(r.series.derived_accuracy?.[at])} (on the reward's validation examples). Scored on the whole validation split when the run ends.
          </p>
        ) : (
          <Empty>Waiting for the first epoch to end.</Empty>
        )}
      </Panel>
    </>
  );
}

const acc = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3));

function PolicyTable({ r, at }: { r: EnasMobilenetRecords; at: number }) {
  const probs = r.probabilities[at] ?? [];
  const chosen = r.derived[at] ?? [];
  return (
    <table className="grid compact heatmap" aria-label={`Controller probabilities at epoch ${r.epochs[at]}`} data-testid="policy">
      <thead>
        <tr>
          <th scope="col">decision</th>
          <th scope="col">choices (probability)</th>
        </tr>
      </thead>
      <tbody>
        {r.decisions.map((d, i) => {
          const k = chosen[i];
          return (
            <tr key={d.name} data-decision={d.name} className={k === null ? 'muted' : undefined} title={k === null ? 'inactive in the derived sub-network' : undefined}>
              <th scope="row">{d.name}</th>
              <td>
                {d.choices.map((c, j) => {
                  const v = probs[i]?.[j] ?? 0;
                  return (
                    <span
                      key={c}
                      data-choice={c}
                      data-chosen={k === j ? 'true' : undefined}
                      style={{ display: 'inline-block', minWidth: 70, padding: '0 4px', marginRight: 4, background: `rgba(37, 99, 235, ${Math.min(1, v).toFixed(3)})`, color: v > 0.55 ? '#fff' : undefined, outline: k === j ? '2px solid #f59e0b' : undefined, outlineOffset: -2 }}
                    >
                      {c}: {v.toFixed(2)}
                    </span>
                  );
                })}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
