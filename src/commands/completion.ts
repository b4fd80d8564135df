import {Args} from '@oclif/core';
import {InfgwCommand} from '../cli/base-command.ts';
import type {OclifManifest} from '../completion/model.ts';

export default class Completion extends InfgwCommand {
  static override summary = 'Print a shell completion script for bash, zsh or fish.';
  static override description = [
    'Prints a script that completes kubectl-infgw commands, flags, namespaces (-n), kubeconfig contexts and inference-gateway Helm releases (-r) when you press TAB. Namespaces and releases are asked from the cluster, with a short time limit.',
    '',
    '`kubectl infgw <TAB>` needs no script: kubectl 1.26 or newer runs the executable `kubectl_complete-infgw` found on PATH. The npm package installs it next to kubectl-infgw. With the single-file executable (krew, release archive), link it once:',
    '  ln -s kubectl-infgw "$(dirname "$(command -v kubectl-infgw)")/kubectl_complete-infgw"',
  ].join('\n');
  static override examples = [
    {description: 'Complete kubectl-infgw in the current bash session', command: 'source <(kubectl infgw completion bash)'},
    {description: 'zsh, every session', command: 'kubectl infgw completion zsh > "${fpath[1]}/_kubectl-infgw"'},
    {description: 'fish', command: 'kubectl infgw completion fish > ~/.config/fish/completions/kubectl-infgw.fish'},
  ];
  static override args = {
    shell: Args.string({description: 'The shell to print the script for.', required: true, options: ['bash', 'zsh', 'fish']}),
  };

  /**
   * The completion engine (Cobra's `__complete` protocol) for bin/kubectl_complete-infgw. It hangs
   * off this class so the npm package's built command map (dist/commands.js) carries it; the
   * engine itself is loaded only when called.
   */
  static async complete(manifest: OclifManifest, args: string[]): Promise<string> {
    const {completionOutput} = await import('../completion/run.ts');
    return completionOutput(manifest, args);
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Completion);
    const {completionScript} = await import('../completion/scripts.ts');
    const {isSea} = await import('node:sea');
    // The single-file executable answers `__complete` itself; the npm package has a separate,
    // lighter kubectl_complete-infgw (bin/) that reads oclif.manifest.json.
    const completer = isSea() ? ['kubectl-infgw', '__complete'] : ['kubectl_complete-infgw'];
    this.print(completionScript(args.shell as 'bash' | 'zsh' | 'fish', completer));
  }
}
