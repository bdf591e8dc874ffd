import type { StudyInsights } from '../../api/index.js';
import { fmt } from '../common/format.js';

/**
 * A model-based strategy's predictor quality (bananas, bo): how well its forecasts, each made before
 * the architecture was evaluated, ranked the measured results. Nothing for strategies without one.
 */
export function PredictorQuality({ quality }: { quality: StudyInsights['predictor'] }) {
  if (!quality) return null;
  const { heldOut, kendallTau, spearman } = quality;
  return (
    <section className="predictor-quality" aria-label="Predictor quality" data-testid="predictor-quality">
      <h2>Predictor quality</h2>
      {kendallTau === null && spearman === null ? (
        <p className="muted">Not measured yet: the strategy's model has forecast {heldOut} trial{heldOut === 1 ? '' : 's'} that have finished (two with different results are needed).</p>
      ) : (
        <p>
          On <b data-testid="predictor-held-out">{heldOut}</b> held-out trial{heldOut === 1 ? '' : 's'} (forecast before each was evaluated): Kendall τ <b data-testid="predictor-tau">{fmt(kendallTau, 2)}</b>, Spearman ρ <b data-testid="predictor-rho">{fmt(spearman, 2)}</b>.{' '}
          <span className="muted">1 means the model ranked them exactly as measured, 0 no better than chance.</span>
        </p>
      )}
    </section>
  );
}
