// One call of the qemu hook: argv `DOMAIN OP SUBOP EXTRA`, the domain XML on stdin (reference §4).
// Exit status is what libvirt acts on: non-zero aborts prepare/start/migrate/restore and kills the
// VM on reconnect, so only prepare, migrate and restore may ever fail. Every failure is one line on
// stderr (libvirt puts it into the `virsh start` error) and a JSON line in the hook log.
import { openMdevBus } from '../mdevbus/bus.js';
import { parseDomainXml } from '../domainxml/parse.js';
import { resolveHostRoot, type HostRoot } from '../host/root.js';
import { describeSystemError, errnoCode, isVirtMdevError } from '../util/errors.js';
import { printable } from '../util/validate.js';
import { loadHookConfig, loadHookConfigOrDefaults, type HookConfig } from './config.js';
import type { HookContext } from './context.js';
import { classifyDomain, type DomainMdevs } from './domain.js';
import { filterIncoming } from './filter.js';
import { makeKillPoint } from './killpoint.js';
import { openHookLog, type HookLogger } from './log.js';
import { prepare } from './prepare.js';
import { reconnect } from './reconnect.js';
import { release } from './release.js';
import { noteSeen } from './seen.js';

export interface HookIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdin: () => Promise<string>;
  /** resolves once the text is written (a migrate whose XML libvirt never got must fail) */
  stdout: (s: string) => void | Promise<void>;
  stderr: (s: string) => void;
}

/** ops whose failure libvirt turns into a failed start/migration/restore */
const MAY_FAIL = new Set(['prepare', 'migrate', 'restore']);

/** The one line a failing hook prints (libvirt shows it in the `virsh start` error); `check` prints the same. */
export function oneLine(e: unknown): string {
  if (isVirtMdevError(e)) {
    const tail = e.details.length ? ` (${e.details.join('; ')})` : '';
    return printable(e.message + tail, 2000);
  }
  if (errnoCode(e) !== undefined) return printable(describeSystemError(e), 2000);
  return printable(e instanceof Error ? e.message : String(e), 2000);
}

export async function runHook(io: HookIo): Promise<number> {
  const [name = '', op = '', subop = '-'] = io.argv;
  const t0 = Date.now();
  let log: HookLogger | undefined;
  // a log that cannot be written is said once; a failing hook says it on its one error line
  const logProblems: string[] = [];
  const flushLogProblems = (): void => {
    for (const p of logProblems.splice(0)) io.stderr(`virt-mdev: ${p}\n`);
  };
  try {
    const root: HostRoot = resolveHostRoot(undefined, io.env);
    log = openHookLog(root, { domain: name, op, subop }, (line) => logProblems.push(line));
    const handled = op === 'prepare' || op === 'release' || op === 'reconnect' || op === 'migrate' || op === 'restore';
    if (!handled) return 0;
    // only prepare may refuse over configuration: a release that stopped here would leak every
    // device of a VM that stops, and a failed reconnect would kill a running one
    let cfg: HookConfig;
    if (op === 'prepare') cfg = loadHookConfig(root, io.env);
    else {
      const c = loadHookConfigOrDefaults(root, io.env);
      if (c.problem !== undefined) log.log('config-defaults', { message: printable(c.problem, 2000) });
      cfg = c.cfg;
    }
    // release needs no XML: the domain's name (argv) and the ledger say what it owns, so neither an
    // oversized nor an unreadable stdin can keep it from letting go
    const xml = op === 'release' ? '' : await io.stdin();
    const d: DomainMdevs = op === 'release'
      ? { domain: { name }, managed: [], unmanaged: [] }
      : classifyDomain(parseDomainXml(xml, '<domain XML from libvirt>', { libvirtRules: false }), name);
    const ctx: HookContext = { root, bus: openMdevBus(root), cfg, log, kill: makeKillPoint(root, io.env) };
    switch (op) {
      case 'prepare':
        await prepare(ctx, d);
        // after a success only: a refused start changes nothing on the host
        noteSeen(root, name, d.managed.length + d.unmanaged.length > 0);
        log.log('prepare-done', { managed: d.managed.map((m) => m.uuid), unmanaged: d.unmanaged.map((u) => u.uuid), ms: Date.now() - t0 });
        break;
      case 'release': {
        const r = await release(ctx, d.domain);
        log.log('release-done', { ...r, ms: Date.now() - t0 });
        if (r.unrecorded !== undefined) {
          io.stderr(`virt-mdev: ${d.domain.name}: ${r.unrecorded}; removed its devices anyway (${r.removed.join(', ') || 'none left'}): the ledger lists them until it can be written again and 'virt-mdev gc' runs\n`);
        }
        if (r.abandoned.length) {
          io.stderr(`virt-mdev: ${d.domain.name}: remove of ${r.abandoned.join(', ')} did not finish within ${Math.round(cfg.removeTimeoutMs / 1000)} s (still open?); left for 'virt-mdev gc'\n`);
        }
        break;
      }
      case 'reconnect':
        await reconnect(ctx, d);
        log.log('reconnect-done', { ms: Date.now() - t0 });
        break;
      default: {
        const out = filterIncoming(ctx, d, xml);
        if (out !== undefined) await io.stdout(out);
        log.log(`${op}-done`, { rewritten: out !== undefined, ms: Date.now() - t0 });
      }
    }
    flushLogProblems();
    return 0;
  } catch (e) {
    const line = oneLine(e);
    log?.log(`${op || 'hook'}-failed`, { reason: isVirtMdevError(e) ? e.reason : 'internal', message: line, ms: Date.now() - t0 });
    const also = logProblems.splice(0);
    io.stderr(`virt-mdev: ${line}${also.length ? ` (also: ${also.join('; ')})` : ''}\n`);
    return MAY_FAIL.has(op) ? 1 : 0;
  }
}
