/** Name of the cross-process lock (src/util/lock.ts) that serialises every change to a simulated host's tree. */
export const SIM_LOCK = 'simkernel';
