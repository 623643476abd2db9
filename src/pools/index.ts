// Pools: named, persistent sets of mdevs of one type that domains draw from. What other operations
// (the hook's draw and return, gc, autostart, a pre-flight check) build on is exported here.
export { POOL_NAMESPACE, poolMemberUuid, type PoolDefinition } from './types.js';
export { checkPoolSize, formatPoolXml, parsePoolXml, MAX_POOL_SIZE, MAX_POOL_XML_BYTES } from './parse.js';
export {
  autostartLink, findPoolDefinition, isPoolAutostart, listAutostartPools, listPoolDefinitions, poolFile, poolsDir, readPoolDefinition,
  type AutostartPools, type PoolDefinitions,
} from './store.js';
export {
  describeOffers, maxMembers, offersOf, planPlacement, resolvePoolParents,
  type ParentOffer, type Placement, type PlacementPlan, type PoolParents,
} from './placement.js';
export { poolEntries, poolStatus, type MemberState, type MemberStatus, type PoolStatus, type StatusInputs } from './status.js';
export { createMember, memberEntry, type MemberOps, type PoolKillStep } from './member.js';
export { fillPool, type FillReport, type MissingMember } from './fill.js';
export { checkPoolFits, checkPoolParents } from './host-check.js';
export { definePool, setPoolAutostart, undefinePool, type DefineResult } from './define.js';
export {
  destroyPool, memberRanges, resizePool, shortfallError, startPool,
  type DestroyResult, type LifecycleOptions, type RemoveResult, type ResizeResult, type StartResult,
} from './lifecycle.js';
export { getPoolStatus, listPools, type PoolListing } from './list.js';
