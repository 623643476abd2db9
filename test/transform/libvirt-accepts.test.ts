// Must show: every transform output validates against libvirt 9.0's domain.rng and is accepted by
// `virsh -c test:///default define` (the test driver keeps nothing between connections).
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transformDomainXml } from '../../src/transform/transform.js';
import { corpusFiles, readCorpus } from '../domainxml/corpus.js';
import { tempDir } from '../helpers/cli.js';

const DOMAIN_RNG = '/usr/share/libvirt/schemas/domain.rng';

async function have(cmd: string, args: string[]): Promise<boolean> {
  try {
    await execa(cmd, args, { reject: true, timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const tools = {
  xmllint: (await have('xmllint', ['--version'])) && fs.existsSync(DOMAIN_RNG),
  virsh: await have('virsh', ['--version']),
};

function gate(name: keyof typeof tools, title: string, body: (t: ExecutionContext) => Promise<void>): void {
  if (tools[name]) test(title, body);
  else if (process.env.CI) test(title, (t: ExecutionContext) => { t.fail(`${name} (and ${DOMAIN_RNG}) must be installed in CI: apt-get install libvirt-clients libxml2-utils libvirt0`); });
  else test.skip(`${title} (needs ${name}; apt-get install libvirt-clients libxml2-utils)`, () => undefined);
}

const { dir, cleanup } = tempDir('virt-mdev-libvirt-');
test.after.always(cleanup);
const outputs = corpusFiles().map((f) => {
  const file = path.join(dir, f);
  fs.writeFileSync(file, transformDomainXml(readCorpus(f), f).output);
  return { name: f, file };
});

gate('xmllint', "every transform output validates against libvirt's domain.rng", async (t) => {
  for (const o of outputs) {
    const r = await execa('xmllint', ['--noout', '--relaxng', DOMAIN_RNG, o.file], { reject: false });
    t.is(r.exitCode, 0, `${o.name}: ${r.stderr}`);
  }
});

gate('virsh', 'every transform output is accepted by virsh -c test:///default define', async (t) => {
  for (const o of outputs) {
    const r = await execa('virsh', ['-c', 'test:///default', 'define', o.file], { reject: false, env: { LC_ALL: 'C' } });
    t.is(r.exitCode, 0, `${o.name}: ${r.stderr}`);
    t.regex(String(r.stdout), /defined from/);
  }
});

gate('virsh', 'virsh keeps our metadata and managed=yes through define + dumpxml, and transform accepts its output', async (t) => {
  const o = outputs.find((x) => x.name === 'managed-type-and-parent.xml')!;
  const r = await execa('virsh', ['-c', 'test:///default', `define ${o.file}; dumpxml managed-type-parent`], { reject: false });
  t.is(r.exitCode, 0, String(r.stderr));
  const dumped = String(r.stdout).slice(String(r.stdout).indexOf('<domain'));
  const again = transformDomainXml(dumped);
  t.false(again.changed, 'libvirt-ready after the round trip');
  t.true(again.devices[0].managed);
  t.is(again.devices[0].type, 'nvidia-63');
});
