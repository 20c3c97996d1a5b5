export { startRegistry, DEFAULT_REGISTRY_TOPIC, type RegistryOptions, type RunningRegistry } from './registry';
export { registryConfig } from './config';
export { parseSchema, canonicalize, type ParsedSchema } from './avro';
export {
  checkCompatibility,
  findIncompatibilities,
  describeProblem,
  parseCompatibilityLevel,
  COMPATIBILITY_LEVELS,
  DEFAULT_COMPATIBILITY,
  type CompatibilityLevel,
  type Problem,
} from './compatibility';
