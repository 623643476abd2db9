// Just enough of an AppArmor profile to answer doctor's questions: may a process under it execute
// a path (and in which mode: stay confined, or leave the profile), read it, write it. File rules of
// the profile's own body and of its local/ includes are read; child profiles, abstractions and
// non-file rules are not (none of them grants the hook's paths in libvirt's profiles).
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FileRule {
  deny: boolean;
  glob: string;
  re: RegExp;
  perms: string;
}

export interface Profile {
  file: string;
  rules: FileRule[];
}

/** how an exec leaves the profile: stays in it (i), leaves it (u, or p with u fallback), or is unknown (p, c) */
export type ExecMode = { kind: 'inherit' | 'leave' | 'other'; rule: string } | { kind: 'denied'; rule?: string };

const MAX_PROFILE_BYTES = 1024 * 1024;
// tunables/global's variables as Debian and Ubuntu define them (the ones a path rule may use)
const TUNABLES: Record<string, string[]> = {
  PROC: ['/proc/'], sys: ['/sys/'], run: ['/run/', '/var/run/'], HOME: ['/home/*/', '/root/'], HOMEDIRS: ['/home/'],
  multiarch: ['*-linux-gnu*'], etc_ro: ['/etc/', '/usr/etc/'], etc_rw: ['/etc/'],
};

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|]/.test(c) ? `\\${c}` : c;
}

/** AppArmor glob → anchored RegExp: * within a path element, ** across, {a,b}, [..], ? */
export function globRegex(glob: string): RegExp {
  let out = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') { out += '.*'; i++; }
    else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '{') { out += '(?:'; depth++; }
    else if (c === '}' && depth > 0) { out += ')'; depth--; }
    else if (c === ',' && depth > 0) out += '|';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) { out += '\\['; continue; }
      out += `[${glob.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) { out += escapeRe(glob[++i]!); }
    else out += escapeRe(c);
  }
  return new RegExp(`^${out}$`);
}

function expandVars(glob: string, vars: Map<string, string[]>): string {
  // variables end in '/' and rules go on with '/': apparmor_parser collapses the '//'
  return expandOnly(glob, vars).replace(/\/\/+/g, '/');
}


function expandOnly(glob: string, vars: Map<string, string[]>): string {
  return glob.replace(/@\{([A-Za-z0-9_]+)\}/g, (m: string, n: string, at: number) => {
    let v = vars.get(n) ?? TUNABLES[n];
    if (v === undefined) return '';
    if (glob[at + m.length] === '/') v = v.map((x) => x.replace(/\/+$/, ''));
    return v.length === 1 ? v[0]! : `{${v.join(',')}}`;
  });
}

const RULE_RE = /^(?:audit\s+)?(deny\s+)?(?:owner\s+)?(?:file\s+)?("[^"]+"|[/@]\S*)\s+([a-zA-Z]+)\s*(?:->\s*\S+\s*)?,$/;
const RULE_REV_RE = /^(?:audit\s+)?(deny\s+)?(?:owner\s+)?(?:file\s+)?([rwamlkixuUpPcC]+)\s+("[^"]+"|[/@]\S*)\s*(?:->\s*\S+\s*)?,$/;
const INCLUDE_RE = /^#?include\s+(?:if\s+exists\s+)?<(local\/[^>]+)>/;

function readText(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_PROFILE_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Read a profile file (under the host root's etc/apparmor.d): the file rules of the first profile's
 * own body (depth 1) and of the local/ files it includes. undefined when the file cannot be read.
 */
export function readProfile(apparmorDir: string, name: string): Profile | undefined {
  const file = path.join(apparmorDir, name);
  const text = readText(file);
  if (text === undefined) return undefined;
  const vars = new Map<string, string[]>();
  const raw: { deny: boolean; glob: string; perms: string }[] = [];
  const take = (body: string, depthStart: number, nested: number): void => {
    let depth = depthStart;
    for (const line0 of body.split('\n')) {
      const line = line0.trim();
      const inc = INCLUDE_RE.exec(line);
      if (inc && depth === 1 && nested < 4) {
        const t = readText(path.join(apparmorDir, inc[1]!));
        if (t !== undefined) take(t, 1, nested + 1);
        continue;
      }
      const code = line.replace(/(^|\s)#.*$/, '').trim();
      const v = /^@\{([A-Za-z0-9_]+)\}\s*\+?=\s*(.+)$/.exec(code);
      if (v) { vars.set(v[1]!, [...(vars.get(v[1]!) ?? []), ...v[2]!.split(/\s+/).map((x) => x.replace(/^"|"$/g, ''))]); continue; }
      if (depth === 1) {
        const m = RULE_RE.exec(code);
        const r = RULE_REV_RE.exec(code);
        if (m) raw.push({ deny: !!m[1], glob: m[2]!.replace(/^"|"$/g, ''), perms: m[3]! });
        else if (r) raw.push({ deny: !!r[1], glob: r[3]!.replace(/^"|"$/g, ''), perms: r[2]! });
      }
      // variables ('@{X}') and alternations ('{a,b}') are balanced on their line: only blocks count
      depth += (code.match(/\{/g) ?? []).length - (code.match(/\}/g) ?? []).length;
    }
  };
  take(text, 0, 0);
  return { file, rules: raw.map((r) => ({ ...r, re: globRegex(expandVars(r.glob, vars)) })) };
}

function matching(p: Profile, target: string, want: (perms: string) => boolean): { allow?: FileRule; deny?: FileRule } {
  const hits = p.rules.filter((r) => r.re.test(target) && want(r.perms));
  return { allow: hits.find((r) => !r.deny), deny: hits.find((r) => r.deny) };
}

/** may a process under p open target for the access ('r' read, 'w' write; 'a' append also does for 'w') */
export function allows(p: Profile, target: string, access: 'r' | 'w'): boolean {
  const m = matching(p, target, (perms) => perms.includes(access) || (access === 'w' && perms.includes('a')));
  return m.allow !== undefined && m.deny === undefined;
}

export function execMode(p: Profile, target: string): ExecMode {
  const m = matching(p, target, (perms) => perms.includes('x'));
  if (m.deny) return { kind: 'denied', rule: `deny ${m.deny.glob} ${m.deny.perms}` };
  if (!m.allow) return { kind: 'denied' };
  const rule = `${m.allow.glob} ${m.allow.perms}`;
  const mode = /([iIpPuUcC]*)x/.exec(m.allow.perms)?.[1] ?? '';
  if (/[cC]/.test(mode)) return { kind: 'other', rule };
  if (/[uU]/.test(mode)) return { kind: 'leave', rule };
  if (/i/i.test(mode)) return { kind: 'inherit', rule };
  return /[pP]/.test(mode) ? { kind: 'other', rule } : { kind: 'denied' };
}
