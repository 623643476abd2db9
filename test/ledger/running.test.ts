// Running domains come from libvirt's status files; an unreadable file must make us more careful, not less.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { listRunningDomains, runningUserOf, scanDomainStatus } from '../../src/ledger/running.js';
import { execa } from 'execa';
import { ExitCode, VirtMdevError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/cli.js';
import { cli, devices, domainXml, hook, simHost, uuid } from '../hook/helpers.js';

const STATUS = `<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST.
-->
<domstatus state='running' reason='booted' pid='1234'>
  <taint flag='hook-script'/>
  <monitor path='/var/lib/libvirt/qemu/domain-3-vm/monitor.sock' type='unix'/>
  <vcpus><vcpu id='0' pid='1240'/></vcpus>
  <domain type='kvm' id='3'>
    <name>vm</name>
    <uuid>6A4C19F2-0000-4000-8000-0000000000AA</uuid>
    <metadata>
      <vm:mdev xmlns:vm='http://virt-mdev.org/xmlns/domain/1.0'><vm:device uuid='11111111-2222-4333-8444-555555555555' type='mtty-2'/></vm:mdev>
    </metadata>
    <devices>
      <hostdev mode='subsystem' type='mdev' managed='yes' model='vfio-pci' display='off'>
        <source><address uuid='11111111-2222-4333-8444-555555555555'/></source>
        <alias name='hostdev0'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
      </hostdev>
      <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'>
        <source><address uuid='AAAAAAAA-2222-4333-8444-555555555555'/></source>
      </hostdev>
    </devices>
  </domain>
</domstatus>
`;

test('a libvirt status file gives name, UUID and every mdev UUID, canonical', (t) => {
  const s = scanDomainStatus(STATUS);
  t.is(s.name, 'vm');
  t.is(s.uuid, '6a4c19f2-0000-4000-8000-0000000000aa');
  t.deepEqual([...s.mdevUuids].sort(), ['11111111-2222-4333-8444-555555555555', 'aaaaaaaa-2222-4333-8444-555555555555']);
  t.false(s.mdevUuids.has('0000'), 'the guest PCI address is not a UUID');
});

test('listRunningDomains: only *.xml; a half-written file counts as running and using every UUID in it', (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const dir = path.join(d.dir, 'run/libvirt/qemu');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'vm.xml'), STATUS);
  fs.writeFileSync(path.join(dir, 'vm.pid'), '1234');
  fs.writeFileSync(path.join(dir, 'broken.xml'), STATUS.slice(0, STATUS.indexOf('managed=\'no\'')));
  fs.writeFileSync(path.join(dir, 'evil.xml'), '<!DOCTYPE d [<!ENTITY x "y">]><domstatus><domain><name>&x;</name></domain></domstatus>');
  const running = listRunningDomains(new HostRoot(d.dir));
  t.deepEqual(running.map((r) => [r.name, r.parsed]), [['broken', false], ['evil', false], ['vm', true]]);
  t.is(runningUserOf(running, '11111111-2222-4333-8444-555555555555', { name: 'vm', uuid: '6a4c19f2-0000-4000-8000-0000000000aa' })?.name, 'broken');
  t.is(runningUserOf(running, 'aaaaaaaa-2222-4333-8444-555555555555')?.name, 'vm');
});

test('no status directory means no running domain', (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  t.deepEqual(listRunningDomains(new HostRoot(d.dir)), []);
});

test('a directory named *.xml in the status directory is not a domain and fails nothing', (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const dir = path.join(d.dir, 'run/libvirt/qemu');
  fs.mkdirSync(path.join(dir, 'odd.xml'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'vm.xml'), STATUS);
  t.deepEqual(listRunningDomains(new HostRoot(d.dir)).map((r) => r.name), ['vm']);
});

test('a status file longer than 16 MiB counts as running and using every UUID in its first 16 MiB', (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const dir = path.join(d.dir, 'run/libvirt/qemu');
  fs.mkdirSync(dir, { recursive: true });
  // well-formed, so only the bound can make it unparsed
  fs.writeFileSync(path.join(dir, 'huge.xml'), STATUS.replace('</domstatus>', `<!--${'x'.repeat(17 * 1024 * 1024)}--></domstatus>`));
  const [r] = listRunningDomains(new HostRoot(d.dir));
  t.like(r, { name: 'huge', parsed: false });
  t.true(r!.mdevUuids.has('11111111-2222-4333-8444-555555555555'));
  t.true(r!.mdevUuids.has('aaaaaaaa-2222-4333-8444-555555555555'));
});

test('a status file linked out of the host root is never read: one error naming it', (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const outside = tempDir();
  t.teardown(outside.cleanup);
  fs.writeFileSync(path.join(outside.dir, 'secret.xml'), STATUS);
  const dir = path.join(d.dir, 'run/libvirt/qemu');
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(path.join(outside.dir, 'secret.xml'), path.join(dir, 'vm.xml'));
  const e = t.throws(() => listRunningDomains(new HostRoot(d.dir)), { instanceOf: VirtMdevError }) as VirtMdevError;
  t.is(e.exitCode, ExitCode.HOST);
  t.is(e.message, `libvirt's status file '${path.join(dir, 'vm.xml')}' resolves to '${fs.realpathSync(path.join(outside.dir, 'secret.xml'))}', outside the host root ${d.dir}: refusing to follow it; the host tree is damaged`);
});

test('a status file nested 50,000 deep is scanned fast as unparsed, keeping its UUIDs', (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const dir = path.join(d.dir, 'run/libvirt/qemu');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'deep.xml'), STATUS.replace('<taint', `${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}<taint`));
  const c0 = process.cpuUsage();
  const [r] = listRunningDomains(new HostRoot(d.dir));
  const c = process.cpuUsage(c0);
  t.true((c.user + c.system) / 1000 < 2000, 'CPU time, not wall-clock: the suite runs under load');
  t.like(r, { name: 'deep', parsed: false });
  t.true(r!.mdevUuids.has('11111111-2222-4333-8444-555555555555'));
  t.true(r!.mdevUuids.has('aaaaaaaa-2222-4333-8444-555555555555'));
});

test('a FIFO named *.xml in the status directory hangs neither prepare (which holds the ledger lock) nor gc', async (t) => {
  const sim = await simHost(['mtty']);
  t.teardown(sim.cleanup);
  const dir = path.join(sim.dir, 'run/libvirt/qemu');
  fs.mkdirSync(dir, { recursive: true });
  await execa('mkfifo', [path.join(dir, 'fifo.xml')]);
  const u = uuid();
  const p = await hook(sim.dir, 'vm', 'prepare', 'begin', domainXml('vm', uuid(), [{ uuid: u, type: 'mtty-1' }]), {});
  t.is(p.exitCode, 0, String(p.stderr));
  t.deepEqual(devices(sim.dir), [u]);
  const g = await cli(sim.dir, ['gc', '-n']);
  t.is(g.exitCode, 0, String(g.stderr));
});

test('a status file read again (the read under the lock) is reused only while unchanged: a rewrite in place with the same size and times is seen', (t) => {
  const d = tempDir();
  t.teardown(d.cleanup);
  const dir = path.join(d.dir, 'run/libvirt/qemu');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'vm.xml');
  const old = new Date(Date.now() - 3_600_000);
  fs.writeFileSync(file, STATUS);
  fs.utimesSync(file, old, old);
  const root = new HostRoot(d.dir);
  t.deepEqual(listRunningDomains(root).map((r) => [...r.mdevUuids].sort()), [['11111111-2222-4333-8444-555555555555', 'aaaaaaaa-2222-4333-8444-555555555555']]);
  // the same bytes but another device, same size, and the old times put back: only ctime tells
  fs.writeFileSync(file, STATUS.replaceAll('AAAAAAAA-2222', 'BBBBBBBB-2222'));
  fs.utimesSync(file, old, old);
  t.deepEqual(listRunningDomains(root).map((r) => [...r.mdevUuids].sort()), [['11111111-2222-4333-8444-555555555555', 'bbbbbbbb-2222-4333-8444-555555555555']]);
  // replaced (as libvirt writes it) and removed
  fs.writeFileSync(`${file}.new`, STATUS.replace('<name>vm</name>', '<name>vm2</name>'));
  fs.renameSync(`${file}.new`, file);
  t.deepEqual(listRunningDomains(root).map((r) => r.name), ['vm2']);
  fs.rmSync(file);
  t.deepEqual(listRunningDomains(root), []);
});
