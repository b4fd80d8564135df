/*
 * Shell completion scripts for running the plugin directly as `kubectl-infgw <TAB>`. (For
 * `kubectl infgw <TAB>` kubectl's own completion calls `kubectl_complete-infgw`; no script is
 * needed there.) Each script asks the completer for candidates with the words typed so far and
 * reads Cobra's output: "value<TAB>description" lines, then ":<directive>". The directive handling
 * follows the behaviour of Cobra's generated scripts (spf13/cobra bash_completionsV2.go,
 * zsh_completions.go, fish_completions.go), written here in a smaller form.
 */
import {Directive} from './complete.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** The program these scripts complete. */
const PROGRAM = 'kubectl-infgw';

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function bash(completer: string): string {
  return `# bash completion for ${PROGRAM}. Load it with:
#   source <(${PROGRAM} completion bash)
# (For \`kubectl infgw <TAB>\`, kubectl >= 1.26 runs kubectl_complete-infgw instead.)
__kubectl_infgw_complete() {
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        # bash-completion: keep "--namespace=ku" and "a:b" whole.
        _get_comp_words_by_ref -n =: cur words cword
    else
        # Plain bash splits words at "=" and ":"; split the line up to the cursor at blanks instead.
        local typed="\${COMP_LINE:0:COMP_POINT}"
        read -ra words <<< "$typed"
        [[ -z $typed || $typed == *[[:space:]] ]] && words+=("")
        cword=$(( \${#words[@]} - 1 ))
        cur="\${words[cword]}"
    fi
    local out
    out=$(${completer} "\${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return 0
    local last="\${out##*$'\\n'}" directive=0
    if [[ $last == :* ]]; then
        directive="\${last:1}"
        out="\${out%"$last"}"
    fi
    (( directive & ${Directive.error} )) && return 0
    # Values of --flag=value come back bare: complete the part after "=".
    [[ $cur == -*=* ]] && cur="\${cur#*=}"
    local line
    COMPREPLY=()
    while IFS= read -r line; do
        line="\${line%%$'\\t'*}"
        [[ -n $line && $line == "$cur"* ]] && COMPREPLY+=("$line")
    done <<< "$out"
    # With bash-completion, a word holding ":" is replaced from its last ":" on.
    declare -F __ltrim_colon_completions >/dev/null 2>&1 && __ltrim_colon_completions "$cur"
    if (( directive & ${Directive.noSpace} )); then
        compopt -o nospace 2>/dev/null
    fi
    if (( \${#COMPREPLY[@]} == 0 && (directive & ${Directive.noFileComp}) == 0 )); then
        # Nothing to offer and files allowed (e.g. --kubeconfig): let bash complete file names.
        compopt -o default 2>/dev/null
    fi
    return 0
}
complete -o bashdefault -F __kubectl_infgw_complete ${PROGRAM}
`;
}

function zsh(completer: string): string {
  return `#compdef ${PROGRAM}
# zsh completion for ${PROGRAM}. Load it with:
#   source <(${PROGRAM} completion zsh)
# or save it as _${PROGRAM} in a directory of $fpath.
# (For \`kubectl infgw <TAB>\`, kubectl >= 1.26 runs kubectl_complete-infgw instead.)
_kubectl_infgw() {
    local cur="\${words[CURRENT]}" out last directive=0 line value desc
    local -a comps compopts
    out=$(${completer} "\${(@)words[2,CURRENT-1]}" "$cur" 2>/dev/null) || return 1
    last="\${out##*$'\\n'}"
    if [[ $last == :* ]]; then
        directive="\${last#:}"
        out="\${out%"$last"}"
    fi
    (( directive & ${Directive.error} )) && return 1
    for line in "\${(@f)out}"; do
        [[ -z $line ]] && continue
        value="\${line%%$'\\t'*}"
        desc=""
        [[ $line == *$'\\t'* ]] && desc="\${line#*$'\\t'}"
        value="\${value//:/\\\\:}"
        if [[ -n $desc ]]; then comps+=("$value:$desc"); else comps+=("$value"); fi
    done
    if (( \${#comps} == 0 )); then
        (( directive & ${Directive.noFileComp} )) && return 1
        _files
        return
    fi
    # Values of --flag=value come back bare: complete the part after "=".
    [[ $PREFIX == -*=* ]] && compset -P '*='
    (( directive & ${Directive.noSpace} )) && compopts+=(-S '')
    _describe -t kubectl-infgw 'kubectl infgw' comps "\${compopts[@]}"
}
if [[ "\${funcstack[1]}" == "_${PROGRAM}" ]]; then
    _kubectl_infgw "$@"
else
    compdef _kubectl_infgw ${PROGRAM}
fi
`;
}

function fish(completer: string): string {
  return `# fish completion for ${PROGRAM}. Load it with:
#   ${PROGRAM} completion fish | source
# (For \`kubectl infgw <TAB>\`, kubectl >= 1.26 runs kubectl_complete-infgw instead.)
function __kubectl_infgw_complete
    set -l args (commandline -opc)
    set -e args[1]
    set -l cur (commandline -ct)
    set -l out (${completer} $args "$cur" 2>/dev/null); or return
    set -l directive 0
    if string match -q -r '^:[0-9]+$' -- "$out[-1]"
        set directive (string sub -s 2 -- $out[-1])
        set -e out[-1]
    end
    test (math "floor($directive / ${Directive.error}) % 2") -eq 1; and return
    # Values of --flag=value come back bare: fish wants the whole token.
    set -l prefix (string match -r -- '^-[^=]*=' "$cur")
    if test (count $out) -eq 0
        if test (math "floor($directive / ${Directive.noFileComp}) % 2") -eq 0
            __fish_complete_path (string replace -r -- '^-[^=]*=' '' "$cur")
        end
        return
    end
    for line in $out
        test -n "$line"; and printf '%s%s\\n' "$prefix" "$line"
    end
end
complete -c ${PROGRAM} -f -a '(__kubectl_infgw_complete)'
`;
}

/**
 * The completion script for `shell`. `completer` is the command line that prints candidates: the
 * single-file executable answers `kubectl-infgw __complete …`; the npm package ships
 * `kubectl_complete-infgw` (the name kubectl itself looks for).
 */
export function completionScript(shell: Shell, completer: string[]): string {
  const cmd = completer.map(shellWord).join(' ');
  switch (shell) {
    case 'bash':
      return bash(cmd);
    case 'zsh':
      return zsh(cmd);
    case 'fish':
      return fish(cmd);
  }
}
