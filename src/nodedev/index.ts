// Node-device reporting for a host root: what `virt-mdev nodedev-*` and the demo print. The commands
// import the modules they use directly (a command that reports loads nothing of create or destroy).
export { collectNodeDevices, sortByName } from './collect.js';
export { formatNodedevInfo, formatNodedevXml, escapeAttr, escapeText } from './format.js';
export { parseMdevCreateXml, readBoundedFile, MAX_XML_BYTES, type MdevCreateRequest } from './parse.js';
export { createMdevFromRequest, destroyNodedev, resolveParent } from './create.js';
export { autostartNodedev, defineNodedev, startNodedev, undefineNodedev } from './persist.js';
export { findNodedev, requireNodedev } from './lookup.js';
export { renderTree } from './tree.js';
export { definitionView, filterByState } from './defined.js';
export * from './names.js';
export * from './model.js';
export * from './view.js';
