// The ledger lock is one per host, however the root is spelled: a hook given the root through a
// symlink and a `virt-mdev gc` given the real path must not both hold it at once.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostRoot } from '../../src/host/root.js';
import { withLedger } from '../../src/ledger/store.js';
import { tempDir } from '../helpers/cli.js';

test('withLedger through a symlinked root waits for the holder of the real root', async (t) => {
  const tmp = tempDir('virt-mdev-ledger-lock-');
  t.teardown(tmp.cleanup);
  const real = path.join(tmp.dir, 'host');
  fs.mkdirSync(real);
  const link = path.join(tmp.dir, 'via-link');
  fs.symlinkSync(real, link);
  const inner = await withLedger(new HostRoot(real), () =>
    withLedger(new HostRoot(link), () => 'acquired twice', { lockTimeoutMs: 300 }).catch((e: Error) => e.message));
  t.regex(inner, /timed out after .* waiting for the virt-mdev 'ledger' lock/);
  // and once released, the other spelling gets it
  t.is(await withLedger(new HostRoot(link), () => 'ok', { lockTimeoutMs: 5_000 }), 'ok');
});
