/** @sluice/simulator: synthetic Sluice traffic with injected bursts, as functions and as the sluice-simulate CLI. */
export { generateTraffic, plannedBursts, populationOf, resolveOptions, BURST_KINDS, type BurstKind, type TrafficOptions, type TimedEvent, type PlannedBurst } from './traffic';
export { simulate, type SimulateOptions, type SimulationReport } from './run';
export { Population, INFLUENCER_FOLLOWERS, DEFAULT_POPULATION, type Account, type Platform, type PopulationOptions } from './population';
export { EventFactory, fillTemplate, type Scenario } from './events';
export { Rng } from './random';
export { WATCHED, THEMES, type WatchedPair } from './corpus';
