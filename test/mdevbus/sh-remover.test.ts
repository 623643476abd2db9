// The real kernel's remover is /bin/sh and dd: each report line must come back as the Node
// remover's status (remove-status.ts), so bus.remove() treats both alike.
import test from 'ava';
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { errnoOfRemoveExit } from '../../src/mdevbus/remove-status.js';
import { parseShReport, SH_REMOVER_SCRIPT, shRemoverCommand } from '../../src/mdevbus/sh-remover.js';

const U = '3c1e5a2b-7d4f-4e6a-9b8c-000000000001';

test("dd's error texts become the errno the Node remover would report", (t) => {
  t.deepEqual(parseShReport(`${U} 0 `), { uuid: U, status: 0 });
  const cases: Array<[string, string | undefined]> = [
    [`dd: error writing '/sys/bus/mdev/devices/${U}/remove': No such device`, 'ENODEV'],
    [`dd: failed to open '/sys/bus/mdev/devices/${U}/remove': No such file or directory`, 'ENOENT'],
    ["dd: error writing '/x: y/remove': Resource temporarily unavailable", 'EAGAIN'],
    ["dd: failed to open '/x/remove': Permission denied", 'EACCES'],
    ['dd: something nobody knows', undefined],
  ];
  for (const [text, code] of cases) {
    const r = parseShReport(`${U} 1 ${text}`);
    t.is(r?.uuid, U);
    t.is(errnoOfRemoveExit(r!.status), code, text);
  }
  t.is(parseShReport('not a report'), undefined);
});

test('the script writes "1" once into each remove, creates nothing, and reports every device', async (t) => {
  const sh = shRemoverCommand();
  if (!sh) return t.pass('no /bin/sh or dd here');
  const h = tempDir('virt-mdev-sh-remover-');
  t.teardown(h.cleanup);
  const there = '3c1e5a2b-7d4f-4e6a-9b8c-000000000002';
  fs.mkdirSync(path.join(h.dir, 'sys/bus/mdev/devices', there), { recursive: true });
  fs.writeFileSync(path.join(h.dir, 'sys/bus/mdev/devices', there, 'remove'), 'xx');
  fs.mkdirSync(path.join(h.dir, 'sys/bus/mdev/devices', U), { recursive: true });
  const r = await execa(sh.file, ['-c', SH_REMOVER_SCRIPT, 'virt-mdev-remover', sh.dd, h.dir, there, U], { env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' }, extendEnv: false });
  const reports = r.stdout.split('\n').map((l) => parseShReport(l)).sort((a, b) => (a!.uuid < b!.uuid ? -1 : 1));
  t.deepEqual(reports.map((x) => [x!.uuid, errnoOfRemoveExit(x!.status) ?? x!.status]), [[U, 'ENOENT'], [there, 0]]);
  // one write of '1' over the start of the file (no O_TRUNC); no remove file made where none was
  t.is(fs.readFileSync(path.join(h.dir, 'sys/bus/mdev/devices', there, 'remove'), 'utf8'), '1x');
  t.false(fs.existsSync(path.join(h.dir, 'sys/bus/mdev/devices', U, 'remove')));
});
