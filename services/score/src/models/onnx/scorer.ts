/**
 * Bring your own model: an ONNX file becomes a scorer through onnxruntime-node. onnxruntime-node is an
 * optional dependency, loaded with a guarded require, so a deployment without it still starts (and says
 * that its ONNX scorers are unavailable).
 *
 * A scorer's input is a float32 matrix [batch, n] built from the event: either named features (the spam
 * model's features plus the sentiment polarity and spam probability) or hashed token counts. One
 * session.run per batch.
 */
import { z } from 'zod';
import type { ModelScore } from '@sluice/contracts';
import type { Logger } from '@sluice/runtime';
import type { TextView } from '../../text/tokenize';
import { SPAM_FEATURE_NAMES } from '../spam/model';
import { round } from '../sentiment/model';

/** Features an ONNX scorer may take by name. */
export const ONNX_FEATURE_NAMES = [...SPAM_FEATURE_NAMES, 'sentiment', 'spam'] as const;

export const onnxModelSpec = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'expected a lower-case model name (letters, digits, _ or -)'),
    version: z.string().min(1),
    path: z.string().min(1),
    input: z.discriminatedUnion('type', [
      z.object({ type: z.literal('features'), features: z.array(z.enum(ONNX_FEATURE_NAMES)).min(1) }).strict(),
      z.object({ type: z.literal('hashed-tokens'), dims: z.number().int().min(1).max(1_000_000) }).strict(),
    ]),
    /** Graph input and output to use (the first ones when omitted). */
    inputName: z.string().optional(),
    outputName: z.string().optional(),
    /** Class names of a [batch, k] output; the label is the highest one. */
    labels: z.array(z.string()).optional(),
  })
  .strict();
export type OnnxModelSpec = z.infer<typeof onnxModelSpec>;

/** Parses SCORE_ONNX_MODELS (a JSON list of specs); errors name the entry and field. */
export function parseOnnxModels(text: string | undefined): OnnxModelSpec[] {
  if (!text || !text.trim()) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`SCORE_ONNX_MODELS: not valid JSON: ${(e as Error).message}`);
  }
  const r = z.array(onnxModelSpec).safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new Error(`SCORE_ONNX_MODELS: field "${where}": ${issue.message}`);
  }
  const names = new Set<string>();
  for (const s of r.data) {
    if (['sentiment', 'spam', 'anomaly', 'trend'].includes(s.name) || names.has(s.name)) throw new Error(`SCORE_ONNX_MODELS: model name ${JSON.stringify(s.name)} is taken`);
    names.add(s.name);
  }
  return r.data;
}

/** The slice of onnxruntime-node's API used here (declared so the package compiles without it). */
export interface OrtTensor {
  readonly dims: readonly number[];
  readonly data: ArrayLike<number> | ArrayLike<bigint>;
}
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
export interface OrtModule {
  InferenceSession: { create(path: string, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

/** onnxruntime-node when installed, else null (logged once by the caller). */
export function loadOnnxRuntime(): { ort: OrtModule | null; error?: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { ort: require('onnxruntime-node') as OrtModule };
  } catch (e) {
    return { ort: null, error: (e as Error).message.split('\n')[0] };
  }
}

/** What a scorer may read of one event. */
export interface OnnxInputs {
  view: TextView;
  spamFeatures: Float64Array;
  sentiment: number;
  spam: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** 32-bit FNV-1a of a string's UTF-16 code units (stable across processes and languages of the caller). */
export function fnv1a(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

export class OnnxScorer {
  readonly name: string;
  readonly version: string;
  private readonly width: number;
  private readonly featureIndex: number[];

  private constructor(
    readonly spec: OnnxModelSpec,
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {
    this.name = spec.name;
    this.version = spec.version;
    this.width = spec.input.type === 'features' ? spec.input.features.length : spec.input.dims;
    this.featureIndex = spec.input.type === 'features' ? spec.input.features.map((f) => ONNX_FEATURE_NAMES.indexOf(f)) : [];
  }

  static async load(ort: OrtModule, spec: OnnxModelSpec): Promise<OnnxScorer> {
    let session: OrtSession;
    try {
      session = await ort.InferenceSession.create(spec.path, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (e) {
      throw new Error(`ONNX model ${spec.name}@${spec.version} at ${spec.path} cannot be loaded: ${(e as Error).message}`);
    }
    const inputName = spec.inputName ?? session.inputNames[0];
    const outputName = spec.outputName ?? session.outputNames[0];
    if (!session.inputNames.includes(inputName)) throw new Error(`ONNX model ${spec.name}: input ${inputName} not in the graph (inputs: ${session.inputNames.join(', ')})`);
    if (!session.outputNames.includes(outputName)) throw new Error(`ONNX model ${spec.name}: output ${outputName} not in the graph (outputs: ${session.outputNames.join(', ')})`);
    return new OnnxScorer(spec, ort, session, inputName, outputName);
  }

  /** The input row of one event. */
  row(x: OnnxInputs, out: Float32Array, offset: number): void {
    if (this.spec.input.type === 'features') {
      const n = SPAM_FEATURE_NAMES.length;
      for (let j = 0; j < this.featureIndex.length; j++) {
        const k = this.featureIndex[j];
        out[offset + j] = k < n ? x.spamFeatures[k] : k === n ? x.sentiment : x.spam;
      }
    } else {
      for (const t of x.view.tokens) if (t !== '.') out[offset + (fnv1a(t) % this.width)] += 1;
    }
  }

  async scoreBatch(inputs: readonly OnnxInputs[]): Promise<ModelScore[]> {
    if (inputs.length === 0) return [];
    const data = new Float32Array(inputs.length * this.width);
    inputs.forEach((x, i) => this.row(x, data, i * this.width));
    const result = await this.session.run({ [this.inputName]: new this.ort.Tensor('float32', data, [inputs.length, this.width]) });
    const out = result[this.outputName];
    const values = Array.from(out.data as ArrayLike<number>, Number);
    const k = values.length / inputs.length;
    if (!Number.isInteger(k) || k < 1) throw new Error(`ONNX model ${this.name}: output ${this.outputName} has ${values.length} values for ${inputs.length} inputs`);
    const scores: ModelScore[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const row = values.slice(i * k, (i + 1) * k);
      if (k === 1) {
        scores.push({ model: this.name, version: this.version, label: null, score: round(row[0], 6), details: {} });
        continue;
      }
      let best = 0;
      for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
      const details: Record<string, number> = {};
      row.forEach((v, j) => (details[this.spec.labels?.[j] ?? String(j)] = round(v, 6)));
      scores.push({ model: this.name, version: this.version, label: this.spec.labels?.[best] ?? String(best), score: round(row[best], 6), details });
    }
    return scores;
  }

  async close(): Promise<void> {
    await this.session.release?.();
  }
}

/** Loads the configured ONNX scorers; without onnxruntime-node, logs that they are unavailable. */
export async function loadOnnxScorers(specs: OnnxModelSpec[], logger?: Logger): Promise<OnnxScorer[]> {
  if (specs.length === 0) return [];
  const { ort, error } = loadOnnxRuntime();
  if (!ort) {
    logger?.error({ models: specs.map((s) => `${s.name}@${s.version}`), err: error }, 'ONNX scorers unavailable: onnxruntime-node is not installed; these models are not scored');
    return [];
  }
  const scorers: OnnxScorer[] = [];
  for (const s of specs) scorers.push(await OnnxScorer.load(ort, s));
  logger?.info({ models: scorers.map((s) => `${s.name}@${s.version}`) }, 'ONNX scorers loaded');
  return scorers;
}
