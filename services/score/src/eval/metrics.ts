/** Classification figures: accuracy, per-class precision/recall/F1, macro F1. */
export interface ClassFigures {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Figures {
  n: number;
  accuracy: number;
  macroF1: number;
  perClass: Record<string, ClassFigures>;
}

export function classificationFigures<L extends string>(truth: readonly L[], predicted: readonly L[], classes: readonly L[]): Figures {
  if (truth.length !== predicted.length) throw new Error('truth and predictions differ in length');
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) correct++;
  const perClass: Record<string, ClassFigures> = {};
  let f1Sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < truth.length; i++) {
      if (predicted[i] === c && truth[i] === c) tp++;
      else if (predicted[i] === c) fp++;
      else if (truth[i] === c) fn++;
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[c] = { precision, recall, f1, support: tp + fn };
    f1Sum += f1;
  }
  return { n: truth.length, accuracy: truth.length ? correct / truth.length : 0, macroF1: f1Sum / classes.length, perClass };
}
