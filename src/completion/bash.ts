// `virt-mdev completion bash`: a bash completion script whose command and option tables are
// generated from the commander program (./spec.ts), followed by the fixed part below that walks the
// command line. Values that live on the host (node-device names, UUIDs, pool names) are asked for only
// when such a word is being completed, by running `virt-mdev … --json` against the host root the
// command line names with --root (an exported VIRT_MDEV_ROOT reaches that child by itself).
import type { CommandSpec, OptionSpec, ValueKind } from './spec.js';

/** Every word that goes into the script between single quotes: nothing the shell would interpret. */
function safe(word: string): string {
  if (!/^[A-Za-z0-9_.,\/:=@+-]+$/.test(word)) throw new Error(`completion: '${word}' cannot be put into the bash script`);
  return word;
}

function kindWord(k: ValueKind): string {
  return k.kind === 'choice' ? `choice/${k.choices.map(safe).join(',')}` : k.kind;
}

function valueEntries(options: readonly OptionSpec[]): string[] {
  return options.filter((o) => o.value !== 'none')
    .flatMap((o) => o.words.map((w) => `${safe(w)}:${o.value === 'required' ? 'req' : 'opt'}:${kindWord(o.kind)}`));
}

function specCase(c: CommandSpec, globalWords: ReadonlySet<string>): string {
  // the program's own options are offered everywhere (commander accepts them after a command too)
  const own = c.path.length === 0 ? c.options : c.options.filter((o) => !o.words.some((w) => globalWords.has(w)));
  const vars = [
    `__vm_subs='${c.subcommands.map(safe).join(' ')}'`,
    `__vm_opts='${own.flatMap((o) => o.words).map(safe).join(' ')}'`,
    `__vm_vals='${valueEntries(own).join(' ')}'`,
    `__vm_args='${c.args.map(kindWord).join(' ')}'`,
    `__vm_variadic=${c.variadic ? 1 : 0}`,
  ];
  return `    '${c.path.map(safe).join(' ')}')\n      ${vars.join('\n      ')} ;;`;
}

function specFunction(specs: readonly CommandSpec[]): string {
  const program = specs.find((c) => c.path.length === 0);
  const globalWords = new Set(program?.options.flatMap((o) => o.words) ?? []);
  return [
    '# what the command line offers, from its definition: sets __vm_subs (subcommands), __vm_opts (options),',
    '# __vm_vals (OPTION:req|opt:KIND for options with a value), __vm_args (kinds of the positional arguments)',
    '# and __vm_variadic (1: the last one repeats) for the command path $1 ("" for the program)',
    '__virt_mdev_spec() {',
    '  case "$1" in',
    ...specs.map((c) => specCase(c, globalWords)),
    "    *) __vm_subs= __vm_opts= __vm_vals= __vm_args= __vm_variadic=0 ;;",
    '  esac',
    '}',
  ].join('\n');
}

export function bashCompletionScript(specs: readonly CommandSpec[], version: string): string {
  return [
    `# bash completion for virt-mdev ${safe(version)}, written by 'virt-mdev completion bash' from its command-line definition.`,
    '# Install: virt-mdev completion bash > /etc/bash_completion.d/virt-mdev (or: source <(virt-mdev completion bash)).',
    '# Node-device names, UUIDs and pool names come from the host when such a word is completed, by running',
    "# 'virt-mdev [--root DIR] … --json': the --root of the command line, else an exported VIRT_MDEV_ROOT.",
    '',
    specFunction(specs),
    '',
    BODY,
  ].join('\n');
}

const BODY = `# the value of option $1 in the current command or the program: sets __vm_value to "req:KIND" or
# "opt:KIND" (a value that may be left out); fails for an option that takes no value
__virt_mdev_value_of() {
  local e
  __vm_value=
  for e in $__vm_vals $__vm_gvals; do
    if [[ $e == "$1":* ]]; then
      __vm_value=\${e#"$1":}
      return 0
    fi
  done
  return 1
}

# virt-mdev ARGS --json against the host the command line names; its standard output, nothing on failure
__virt_mdev_ask() {
  local -a cmd=("$__vm_prog")
  [[ -n $__vm_root ]] && cmd+=(--root "$__vm_root")
  if command -v timeout >/dev/null 2>&1; then
    timeout 10 "\${cmd[@]}" --json "$@" 2>/dev/null
  else
    "\${cmd[@]}" --json "$@" 2>/dev/null
  fi
}

# the string values of FIELD... in the objects of a JSON list as virt-mdev prints it (two-space indent)
__virt_mdev_fields() {
  local f script=
  # only words made of these characters: compgen -W expands what it is given
  for f in "$@"; do script+="s/^    \\"$f\\": \\"\\\\([A-Za-z0-9_.:+@-]\\\\{1,\\\\}\\\\)\\",\\\\{0,1\\\\}\\$/\\\\1/p;"; done
  sed -n "$script"
}

# COMPREPLY for the word $2, a value of kind $1
__virt_mdev_complete_kind() {
  local words
  case $1 in
    file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$2"); return ;;
    dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$2"); return ;;
    choice/*) words=\${1#choice/}; words=\${words//,/ } ;;
    command) words=$__vm_siblings ;;
    device) words=$(__virt_mdev_ask nodedev-list --all | __virt_mdev_fields name uuid) ;;
    uuid) words=$(__virt_mdev_ask nodedev-list --cap mdev | __virt_mdev_fields uuid) ;;
    parent) words=$(__virt_mdev_ask nodedev-list --cap mdev_types | __virt_mdev_fields name) ;;
    pool) words=$(__virt_mdev_ask pool-list --all | __virt_mdev_fields name) ;;
    *) return ;;
  esac
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$2")
}

# sets __vm_kind to the kind of positional argument $1 of the current command ('' past the last)
__virt_mdev_arg_kind() {
  local -a k=($__vm_args)
  __vm_kind=
  if (( $1 < \${#k[@]} )); then
    __vm_kind=\${k[$1]}
  elif [[ $__vm_variadic == 1 && \${#k[@]} -gt 0 ]]; then
    __vm_kind=\${k[\${#k[@]}-1]}
  fi
}

_virt_mdev() {
  local cur=\${COMP_WORDS[COMP_CWORD]} w i=1 path= npos=0 want= val only_args= hostdir=
  local __vm_subs __vm_opts __vm_vals __vm_args __vm_variadic __vm_gvals __vm_gopts __vm_value __vm_kind
  local __vm_root= __vm_prog=\${COMP_WORDS[0]/#\\~/$HOME} __vm_siblings=
  COMPREPLY=()
  __virt_mdev_spec ''
  __vm_gvals=$__vm_vals __vm_gopts=$__vm_opts
  while (( i < COMP_CWORD )); do
    w=\${COMP_WORDS[i]}
    if [[ $w == -- && -z $only_args ]]; then
      only_args=1
    elif [[ $w == -?* && -z $only_args ]]; then
      if __virt_mdev_value_of "\${w%%=*}"; then
        val=
        if [[ $w == *=* ]]; then
          val=\${w#*=}
        elif [[ \${COMP_WORDS[i+1]} == = ]]; then
          # bash splits --opt=value at the '=' (COMP_WORDBREAKS)
          if (( i + 1 == COMP_CWORD )); then want=\${__vm_value#*:} cur=; break; fi
          if (( i + 2 == COMP_CWORD )); then want=\${__vm_value#*:}; break; fi
          val=\${COMP_WORDS[i+2]}
          i=$((i + 2))
        elif [[ $__vm_value == req:* || \${COMP_WORDS[i+1]} != -* ]]; then
          if (( i + 1 == COMP_CWORD )); then want=\${__vm_value#*:}; break; fi
          val=\${COMP_WORDS[i+1]}
          i=$((i + 1))
        fi
        [[ \${w%%=*} == --root ]] && __vm_root=\${val/#\\~/$HOME}
      fi
    elif (( npos == 0 )) && [[ -n $__vm_subs && " $__vm_subs " == *" $w "* ]]; then
      __vm_siblings=$__vm_subs
      path=\${path:+$path }$w
      __virt_mdev_spec "$path"
    else
      # a directory argument names the host (simulate's DIR)
      __virt_mdev_arg_kind "$npos"
      [[ $__vm_kind == dir ]] && hostdir=$w
      npos=$((npos + 1))
    fi
    i=$((i + 1))
  done
  if [[ -n $want ]]; then
    __virt_mdev_complete_kind "$want" "$cur"
  elif [[ $cur == -* && -z $only_args ]]; then
    mapfile -t COMPREPLY < <(compgen -W "\${path:+$__vm_opts }$__vm_gopts" -- "$cur")
  elif (( npos == 0 )) && [[ -n $__vm_subs ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$__vm_subs" -- "$cur")
  else
    __virt_mdev_arg_kind "$npos"
    [[ -n $hostdir ]] && __vm_root=\${hostdir/#\\~/$HOME}
    [[ -n $__vm_kind ]] && __virt_mdev_complete_kind "$__vm_kind" "$cur"
  fi
}
complete -F _virt_mdev virt-mdev
`;
