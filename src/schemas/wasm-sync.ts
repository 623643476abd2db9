// How libxml2-wasm's glue gets its wasm instance in the CommonJS bundle of plain validate command lines
// (scripts/libxml2-sync.ts rewrites the glue to call instantiateWasmSync, where the published glue
// awaits WebAssembly.instantiate): synchronously, by what loadLibxml (./libxml.ts) sets, which
// watches the instance as it watches WebAssembly.instantiate in the ES-module CLI.
export type SyncInstantiate = (bytes: Uint8Array, imports: WebAssembly.Imports) => WebAssembly.Instance;

let instantiate: SyncInstantiate = (bytes, imports) => new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports);

export function setWasmSyncInstantiate(f: SyncInstantiate): void {
  instantiate = f;
}

export function instantiateWasmSync(bytes: Uint8Array, imports: WebAssembly.Imports): WebAssembly.Instance {
  return instantiate(bytes, imports);
}
