/** Ops routes of the score service: what is in force, and reload calls (the control side of hot swap). */
import type { OpsServer } from '@sluice/runtime';
import type { ScoreStage } from './definition';

export function mountScoreRoutes(ops: OpsServer, stage: ScoreStage): void {
  const rt = () => {
    if (!stage.runtime) throw new Error('score stage not started');
    return stage.runtime;
  };
  ops.app.get('/models', (_req, res) => {
    const r = rt();
    res.json({
      models: { ...r.models.versions(), anomaly: r.scorer.streamVersions.anomaly, trend: r.scorer.streamVersions.trend },
      onnx: r.onnx.map((o) => ({ name: o.name, version: o.version })),
      dir: r.models.dir,
      lastError: r.models.lastError,
    });
  });
  // Loads new model files now instead of waiting for the watcher; they take over at the next batch.
  ops.app.post('/models/reload', async (_req, res) => {
    const r = rt();
    const pending = await r.models.reload();
    res.status(r.models.lastError ? 422 : 200).json({ pending, models: r.models.versions(), error: r.models.lastError });
  });
  ops.app.get('/rules', (_req, res) => {
    const r = rt();
    const set = r.rules.current;
    res.json({ file: r.rules.file, version: set.version, rules: set.rules.map((x) => ({ id: x.id, type: x.type, version: x.version, severity: x.severity })), lastError: r.rules.lastError?.message ?? null });
  });
  ops.app.post('/rules/reload', async (_req, res) => {
    const r = rt();
    const outcome = await r.rules.reload();
    res.status(outcome === 'refused' ? 422 : 200).json({ outcome, error: r.rules.lastError?.message ?? null, line: r.rules.lastError?.line ?? null });
  });
  ops.addReadiness('score-models', () => (stage.runtime ? true : 'models not loaded'));
}
