// Everything one hook invocation works with, built once by main.ts (and by tests in-process).
import type { HostRoot } from '../host/root.js';
import type { MdevBus } from '../mdevbus/types.js';
import type { HookConfig } from './config.js';
import type { KillStep } from './killpoint.js';
import type { HookLogger } from './log.js';

export interface HookContext {
  root: HostRoot;
  bus: MdevBus;
  cfg: HookConfig;
  log: HookLogger;
  kill: (step: KillStep) => void;
}
