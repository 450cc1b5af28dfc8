/** The phases by the name --phases uses (in this order in the "unknown phase" message). */
import type { Phase } from '../lib/run.js';
import { runAutoImport } from './auto-import.js';
import { runBurst } from './burst.js';
import { runCold } from './cold.js';
import { runFloors } from './floors.js';
import { runIdle } from './idle.js';
import { runKarmadaRestart, runRelabel } from './karmada-reapply.js';
import { runPrepare } from './prepare.js';
import { runRestart } from './restart.js';
import { runTrickle } from './trickle.js';

export const PHASES: Record<string, Phase> = {
  floors: runFloors,
  prepare: runPrepare,
  burst: runBurst,
  idle: runIdle,
  trickle: runTrickle,
  restart: runRestart,
  cold: runCold,
  relabel: runRelabel,
  'karmada-restart': runKarmadaRestart,
  'auto-import': runAutoImport,
};
