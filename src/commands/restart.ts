import {Args, Flags} from '@oclif/core';
import {InfgwCommand} from '../cli/base-command.ts';
import {kubeFlags} from '../cli/flags.ts';
import {InfgwError} from '../errors.ts';

export default class Restart extends InfgwCommand {
  static override summary = 'Restart the EPP, Envoy Gateway or a workload like "kubectl rollout restart", and wait like "kubectl rollout status".';
  static override description = `Sets the pod template annotation kubectl.kubernetes.io/restartedAt with the same strategic-merge patch as "kubectl rollout restart" (a paused Deployment is refused), reads the object back to check that the change stuck, then waits with the completion rules of "kubectl rollout status", printing its progress lines to stderr.

Unlike kubectl it stops early when the rollout cannot finish: the Deployment's progress deadline exceeded, or a pod of the new ReplicaSet in CrashLoopBackOff or ImagePullBackOff (named, with its last termination reason). Ctrl-C stops waiting and says where the rollout stands; the rollout itself goes on.

Targets:
  epp -r <release>        the Endpoint Picker Deployment of an inference-gateway Helm release
  envoy-gateway           the Envoy Gateway controller (envoy-gateway-system/envoy-gateway; -n and --name override)
  deployment/<name>       also deploy/, daemonset/ (ds/), statefulset/ (sts/), or "TYPE NAME"

Exit codes: 0 rolled out (or restarted, with --no-wait / --dry-run); 1 rollout failed or timed out; 2 usage; 3 cluster unreachable; 4 refused (paused Deployment); 130 interrupted.`;
  static override examples = [
    'kubectl infgw restart epp -r my-gateway -n inference',
    'kubectl infgw restart envoy-gateway',
    'kubectl infgw restart deployment/vllm-llama -n models --timeout 10m',
    'kubectl infgw restart deploy/epp -n inference --dry-run',
    'kubectl infgw restart sts/cache -n inference --no-wait -o json',
  ];
  static override args = {
    target: Args.string({description: 'epp | envoy-gateway | TYPE/NAME | TYPE', required: true}),
    name: Args.string({description: 'NAME, when the target is given as "TYPE NAME"', required: false}),
  };
  static override flags = {
    ...kubeFlags,
    release: Flags.string({char: 'r', description: 'Helm release of the inference gateway (target "epp").'}),
    name: Flags.string({description: 'Name of the Envoy Gateway controller Deployment (target "envoy-gateway"; default envoy-gateway).'}),
    timeout: Flags.string({description: 'How long to wait for the rollout (Go duration: 90s, 5m, 1h; 0 = no limit).', default: '5m'}),
    'no-wait': Flags.boolean({description: 'Restart and return at once; do not wait for the rollout.'}),
    'dry-run': Flags.boolean({description: 'Send the patch as a server-side dry run and show what would change; change nothing.'}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Restart);
    const {parseRestartTarget, parseTimeout, resolveTarget} = await import('../rollout/targets.ts');
    const target = parseRestartTarget([args.target, ...(args.name ? [args.name] : [])], flags);
    const timeoutMs = parseTimeout(flags.timeout);
    const {connect} = await import('../kube/client.ts');
    const kube = await connect(flags);
    const ref = await resolveTarget(kube, target);
    const {restartAndWait} = await import('../rollout/flow.ts');
    const report = await restartAndWait(kube, ref, {
      dryRun: flags['dry-run'],
      wait: !flags['no-wait'],
      timeoutMs,
      signal: this.interrupt.signal,
      onProgress: (line) => this.note(line),
    });
    const render = await import('../rollout/render.ts');
    if (flags.output === 'json') {
      this.printJson(render.restartDocument(report));
      process.exitCode = report.exitCode;
      return;
    }
    const text = render.restartText(report);
    for (const line of text.stdout) this.print(line);
    for (const line of text.stderr) this.note(line);
    const failure = render.rolloutFailure(report, timeoutMs);
    if (failure) throw new InfgwError(failure.message, {exitCode: report.exitCode, hint: failure.hint});
    if (report.exitCode !== 0) process.exitCode = report.exitCode;
  }
}
