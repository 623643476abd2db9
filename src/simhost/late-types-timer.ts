// Entry module of the detached timer that `simulate plug --types-after` starts (hotplug.ts): wait
// until the parent's types are due, then pass through the simulated kernel, which adds them. It looks
// once a second whether it is still wanted (the parent unplugged, the host deleted) and ends if not.
// No stdio; every failure just ends it.
import { HostRoot } from '../host/root.js';
import { withSimKernel } from './kernel.js';
import { readSimState } from './state.js';

const CHECK_MS = 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function stillWanted(rootDir: string, parent: string, at: number): boolean {
  try {
    return readSimState(rootDir)?.lateTypes[parent] === at;
  } catch {
    return false;
  }
}

async function main(argv: string[]): Promise<number> {
  const [rootDir, parent, atArg] = argv;
  const at = Number(atArg);
  if (!rootDir || !parent || !Number.isFinite(at)) return 2;
  // timers may fire a millisecond early: wait until the moment has really passed
  while (Date.now() <= at) {
    await sleep(Math.min(at - Date.now() + 5, CHECK_MS));
    if (!stillWanted(rootDir, parent, at)) return 0;
  }
  try {
    await withSimKernel(new HostRoot(rootDir), () => undefined);
    return 0;
  } catch {
    return 1;
  }
}

// no top-level await: this runs as a CommonJS bundle (scripts/bundles.ts); 13 until main settles, as
// Node gives an unsettled top-level await
process.exitCode = 13;
void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
