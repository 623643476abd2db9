// Shared by the nodedev tests: a fresh simulated host per test, the CLI against it, and the facts
// the tests read back (available instances, device lists) through the CLI's own --json output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initSimHost } from '../../src/simhost/init.js';
import { tempDir, virtMdev } from '../helpers/cli.js';

export interface Host {
  dir: string;
  cleanup: () => void;
  run: (args: string[]) => ReturnType<typeof virtMdev>;
  /** write an XML file in the test's temp dir (outside the host root) and return its path */
  file: (name: string, text: string) => string;
}

export async function simHost(...profiles: string[]): Promise<Host> {
  const t = tempDir('virt-mdev-nodedev-');
  const dir = path.join(t.dir, 'host');
  await initSimHost(dir, profiles);
  const files = path.join(t.dir, 'files');
  fs.mkdirSync(files);
  return {
    dir,
    cleanup: t.cleanup,
    run: (args) => virtMdev(['--root', dir, ...args]),
    file: (name, text) => {
      const f = path.join(files, name);
      fs.writeFileSync(f, text);
      return f;
    },
  };
}

export function mdevXml(parent: string, type: string, extra = ''): string {
  return `<device>\n  <parent>${parent}</parent>\n  <capability type='mdev'>\n    <type id='${type}'/>\n${extra}  </capability>\n</device>\n`;
}

interface TypeJson { id: string; availableInstances: number }

/** availableInstances of every type of a parent, as nodedev-dumpxml --json reports it */
export async function available(h: Host, parent: string): Promise<Record<string, number>> {
  const r = await h.run(['--json', 'nodedev-dumpxml', parent]);
  if (r.exitCode !== 0) throw new Error(`dumpxml ${parent} failed: ${String(r.stderr)}`);
  const j = JSON.parse(String(r.stdout)) as { types: TypeJson[] };
  return Object.fromEntries(j.types.map((t) => [t.id, t.availableInstances]));
}

export async function listNames(h: Host, ...args: string[]): Promise<string[]> {
  const r = await h.run(['nodedev-list', ...args]);
  if (r.exitCode !== 0) throw new Error(`nodedev-list failed: ${String(r.stderr)}`);
  return String(r.stdout).split('\n').filter((l) => l !== '');
}

export const createdName = (stdout: string): string => {
  const m = /^Node device (\S+) created from /.exec(stdout);
  if (!m) throw new Error(`unexpected nodedev-create output: ${stdout}`);
  return m[1]!;
};
