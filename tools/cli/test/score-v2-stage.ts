/** A candidate score stage for the shadow replay test, loaded with --stage-module. */
import { scoreStage } from './stages';

export function stage() {
  return scoreStage('v2');
}
