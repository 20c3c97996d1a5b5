/** @sluice/cli: the operator commands as functions (the e2e suite calls them) and the command tree. */
export { createContext, CliError, type CliContext, type GlobalOptions } from './context';
export { buildProgram, run, type Io } from './program';
export { describeTopics, renderTopics, type TopicsReport, type TopicStatus } from './topics';
export { measureLag, watchLag, LagSampler, renderLag, type LagReport, type GroupLagReport, type PartitionLagReport } from './lag';
export { replay, renderReplay, planMoves, describeTarget, type ReplayOptions, type ReplayResult, type ReplayTarget, type PartitionMove, type AppliedMove } from './replay';
export { shadowReplay, renderShadow, type ShadowOptions, type ShadowReport } from './replay/shadow';
export { compareOutputs, diffValues, type OutputComparison, type FieldChange } from './replay/compare';
export { SHADOW_STAGES, shadowStage, stageFromModule, type ShadowStage, type ShadowEnv } from './replay/stages';
export { ControlChannel } from './replay/control';
export {
  listDeadLetters,
  showDeadLetter,
  redriveDeadLetters,
  renderDlqList,
  renderDlqShow,
  renderRedrive,
  REDRIVE_HEADER,
  type DlqListing,
  type DlqShow,
  type RedriveResult,
  type RedriveOptions,
} from './dlq';
export { commitGroupOffsets, committedOffsets, describeGroup, watermarks } from './kafka/offsets';
export { readRanges, type ReadRecord, type PartitionRange } from './kafka/reader';
