import { useEffect, useMemo } from 'react';
import type { StudyId } from '../../api/index.js';
import { useNas } from '../../store/index.js';
import { panelRounds, trainingLoss } from '../../store/oneShot/selectors.js';
import { LineChart } from '../charts/LineChart.js';
import { PALETTE } from '../common/format.js';
import { Empty, ErrorNote, Panel } from '../common/widgets.js';

/**
 * A supernet training's own panels (`frontier supernet train`, stored as it trains): the loss over
 * the optimizer steps, the accuracy of the panel of sub-networks scored every K steps during the
 * training (one line each), and the sub-networks scored with the trained shared weights. Read
 * again every few seconds while it runs (oneShot slice). A training from before the scoring
 * rounds has none: its panel says so.
 */
export function SupernetPanels({ id }: { id: StudyId }) {
  const detail = useNas((s) => s.detail);
  const loss = useNas(trainingLoss);
  const scored = useNas((s) => s.oneShotTrials);
  const error = useNas((s) => s.oneShotError);
  const theme = useNas((s) => s.theme);
  const { openOneShot, closeOneShot } = useNas.getState();
  useEffect(() => {
    void openOneShot(id);
    return () => closeOneShot();
  }, [id, openOneShot, closeOneShot]);
  const series = useMemo(() => [{ label: 'loss', color: PALETTE[0] as string, values: loss.loss }], [loss]);
  const rounds = useNas(panelRounds);
  const roundLines = useMemo(() => rounds.members.map((m, i) => ({ label: m.label, color: PALETTE[i % PALETTE.length] as string, values: m.values })), [rounds]);
  if (!detail) return null;
  const every = detail.record.spec.strategyOptions?.scoreEvery;
  const lastStep = rounds.steps.at(-1);
  const steps = detail.budget.evals ?? 0;
  const stopped = !detail.active && !detail.runningElsewhere && (detail.status === 'stopped' || detail.status === 'running');
  return (
    <>
      {error ? <ErrorNote message={error} /> : null}
      {stopped ? (
        <p className="note wide" data-testid="supernet-resume">
          This training {detail.status === 'stopped' ? 'was stopped' : 'was interrupted'} at step {loss.steps.at(-1) ?? 0}: Resume continues it from its checkpoint (or <code>frontier resume {id}</code> in a terminal).
        </p>
      ) : null}
      <Panel title="Supernet training">
        <p data-testid="supernet-steps">
          Step <b>{loss.steps.at(-1) ?? 0}</b> of {steps}
          {loss.loss.length > 0 ? <> · loss {(loss.loss.at(-1) as number).toFixed(3)}</> : null}
        </p>
        {loss.steps.length > 1 ? (
          <LineChart label="Supernet training loss over steps" x={loss.steps} series={series} xLabel="step" yLabel="loss" integerX height={200} theme={theme} />
        ) : (
          <Empty>Waiting for the first progress report.</Empty>
        )}
      </Panel>
      <Panel title="Sub-networks during training">
        {lastStep !== undefined ? (
          <>
            {rounds.steps.length > 1 ? (
              <LineChart label="Validation accuracy of the panel of sub-networks over steps" x={rounds.steps} series={roundLines} xLabel="step" yLabel="val_accuracy" integerX height={220} theme={theme} />
            ) : null}
            <table className="grid compact" aria-label="The panel of sub-networks at the latest scoring round" data-testid="supernet-rounds" data-step={lastStep}>
              <caption>
                Latest round: step {lastStep} ({rounds.steps.length} {rounds.steps.length === 1 ? 'round' : 'rounds'} so far{rounds.lastSeconds !== null ? `, scored in ${rounds.lastSeconds.toFixed(1)} s` : ''}), the shared weights of that step, BatchNorm recalibrated
              </caption>
              <thead>
                <tr>
                  <th scope="col">sub-network</th>
                  <th scope="col">architecture</th>
                  <th scope="col">val_accuracy</th>
                </tr>
              </thead>
              <tbody>
                {rounds.members.map((m, i) => (
                  <tr key={`${m.label} ${m.key}`} data-label={m.label}>
                    <td style={{ color: PALETTE[i % PALETTE.length] }}>{m.label}</td>
                    <td>
                      <code>{m.key}</code>
                    </td>
                    <td>{m.values.at(-1)?.toFixed(4) ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : (
          <Empty>
            {detail.status === 'running'
              ? `Waiting for the first scoring round${typeof every === 'number' && every > 0 ? ` (every ${every} steps)` : ''}: the largest, the smallest and a few sampled sub-networks, scored with the shared weights as they train.`
              : 'No scoring rounds were recorded during this training (a training from before them, or --score-every 0).'}
          </Empty>
        )}
      </Panel>
      <Panel title={`Sub-networks scored (${scored.length})`}>
        {scored.length > 0 ? (
          <table className="grid compact" aria-label="Sub-networks scored with the shared weights" data-testid="supernet-subnets">
            <thead>
              <tr>
                <th scope="col">trial</th>
                <th scope="col">sub-network</th>
                <th scope="col">val_accuracy (shared weights)</th>
              </tr>
            </thead>
            <tbody>
              {scored.map((t) => (
                <tr key={t.number} data-trial={t.number}>
                  <td>
                    <a href={`#/study/${id}/trial/${t.number}`}>{t.number}</a>
                  </td>
                  <td>
                    <code>{t.key}</code>
                  </td>
                  <td>{t.metrics.val_accuracy !== undefined ? t.metrics.val_accuracy.toFixed(4) : t.state}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Empty>Scored once the training has ended: the largest, the smallest and a few sampled sub-networks.</Empty>
        )}
      </Panel>
    </>
  );
}
