import {Flags} from '@oclif/core';
import {InfgwCommand} from '../cli/base-command.ts';
import {kubeFlags} from '../cli/flags.ts';
import {ExitCode, InfgwError, UsageError} from '../errors.ts';

export default class PatchEnvoy extends InfgwCommand {
  static override summary = "Merge the extensionManager settings InferencePool backends need into Envoy Gateway's config, safely.";
  static override description = `Reads the Envoy Gateway config (ConfigMap envoy-gateway-config, key envoy-gateway.yaml) and MERGES the wanted extensionManager settings into it: every other key, comment and the key order stay as they are; entries already there are not added twice; a second run changes nothing and restarts nothing ("already configured", exit 0).

The result is checked with Envoy Gateway's own validation rules before anything is written; a config the controller would refuse (e.g. backendResources without hooks or service: "registered extension has no hooks specified") is refused with exit 4 unless --force. A missing or endpoint-less extension service is warned about.

Writing: a server-side dry run first, then the previous content is saved to ConfigMap <configmap>-infgw-backup, then the ConfigMap is replaced with its resourceVersion as precondition (on a conflict it is read, merged and written again). Then the controller Deployment is restarted and waited for like "kubectl rollout status"; if its new pods crash-loop or the rollout fails, the previous config is restored automatically, the controller restarted again, and the command exits 4 with the controller's own error message.

Presets:
  ai-gateway       (default) what an HTTPRoute backendRef to an InferencePool needs: the Envoy AI Gateway
                   extension server (xdsTranslator post hooks Translation, Cluster, Route; translation
                   includeAll for listener/route/cluster/secret; service
                   ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063) and the backendResource
                   inference.networking.k8s.io/v1 InferencePool
  service-backend  only the install notes' {group: "", kind: Service} entry — which Envoy Gateway rejects on its own

With --gateway or --gateway-class, the Gateway's class is read first: a class of another implementation (Istio, kgateway, agentgateway, NGINX Gateway Fabric, GKE — each implements InferencePool itself — or an unknown controller) is refused with exit 4 and what that implementation needs instead; nothing is written.

Exit codes: 0 patched, already configured or dry run; 1 problems (ConfigMap, backup, Gateway or GatewayClass not found, rollout after --rollback failed); 2 usage; 3 cluster unreachable; 4 refused (also: not an Envoy Gateway Gateway) or rolled back; 130 interrupted.`;
  static override examples = [
    'kubectl infgw patch-envoy --dry-run',
    'kubectl infgw patch-envoy',
    'kubectl infgw patch-envoy --backend-resource inference.networking.x-k8s.io/v1alpha2/InferencePool',
    'kubectl infgw patch-envoy --preset service-backend   # refused: shows why the install notes fail',
    'kubectl infgw patch-envoy --no-restart -o json',
    'kubectl infgw patch-envoy --rollback --dry-run',
    'kubectl infgw patch-envoy --gateway inference/inference-gateway --dry-run   # refused when the Gateway is not Envoy Gateway\'s',
  ];
  static override flags = {
    ...kubeFlags,
    preset: Flags.string({description: 'What to merge (default ai-gateway).', options: ['ai-gateway', 'service-backend'], exclusive: ['rollback']}),
    'backend-resource': Flags.string({
      description: 'Add a backendResources entry group/version/kind (core group: v1/Service). Repeatable.',
      multiple: true,
    }),
    'config-namespace': Flags.string({description: 'Namespace of the Envoy Gateway ConfigMap and controller (default envoy-gateway-system, or -n).'}),
    configmap: Flags.string({description: 'Name of the Envoy Gateway ConfigMap.', default: 'envoy-gateway-config'}),
    key: Flags.string({description: 'Key of the config file in the ConfigMap.', default: 'envoy-gateway.yaml'}),
    deployment: Flags.string({description: 'Name of the Envoy Gateway controller Deployment.', default: 'envoy-gateway'}),
    'dry-run': Flags.boolean({description: 'Print the unified diff and what would happen; write nothing (the writes are sent as server-side dry runs).'}),
    force: Flags.boolean({description: 'Write even when Envoy Gateway would reject the result, or replace an extension service that points elsewhere.'}),
    'no-restart': Flags.boolean({description: 'Write, but leave the controller restart to you (it reloads the file within about a minute).'}),
    rollback: Flags.boolean({description: 'Restore the config saved in <configmap>-infgw-backup (also with --dry-run), then restart the controller.'}),
    timeout: Flags.string({description: 'How long to wait for the controller rollout (Go duration: 90s, 5m; 0 = no limit).', default: '5m'}),
    gateway: Flags.string({description: "The Gateway this is for ([namespace/]name; namespace from -n): refused (exit 4) unless its GatewayClass is Envoy Gateway's."}),
    'gateway-class': Flags.string({description: "The GatewayClass this is for: refused (exit 4) unless its controllerName is Envoy Gateway's."}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(PatchEnvoy);
    const {parseTimeout} = await import('../rollout/targets.ts');
    const timeoutMs = parseTimeout(flags.timeout);
    const {parseBackendResource} = await import('../envoy/presets.ts');
    const backendResources = (flags['backend-resource'] ?? []).map(parseBackendResource);
    if (flags.rollback && backendResources.length > 0) throw new UsageError('--rollback restores the backup; it takes no --backend-resource');
    const {connect} = await import('../kube/client.ts');
    const kube = await connect(flags);
    const location = {
      namespace: flags['config-namespace'] ?? flags.namespace ?? 'envoy-gateway-system',
      configMap: flags.configmap,
      key: flags.key,
      deployment: flags.deployment,
    };
    if (flags.gateway !== undefined || flags['gateway-class'] !== undefined) {
      // issue 13: Istio, kgateway, … implement InferencePool themselves; their Gateways gain nothing here
      const {gatewayImplementation} = await import('../envoy/gateway-implementation.ts');
      let verdict;
      try {
        verdict = await gatewayImplementation(kube, {gateway: flags.gateway, gatewayClass: flags['gateway-class'], namespace: flags.namespace});
      } catch (error) {
        kube.close();
        throw error;
      }
      if (verdict.refusal) {
        kube.close();
        if (flags.output === 'json') {
          this.printJson({kind: 'PatchEnvoyResult', mode: 'patch', outcome: 'refused', exitCode: ExitCode.refused, message: verdict.refusal, gateway: verdict.check});
          process.exitCode = ExitCode.refused;
          return;
        }
        throw new InfgwError(verdict.refusal, {exitCode: ExitCode.refused});
      }
      this.note(`${verdict.check.gateway ? `Gateway ${verdict.check.gateway.namespace}/${verdict.check.gateway.name}, ` : ''}GatewayClass ${verdict.check.className}: Envoy Gateway (${verdict.check.controllerName})`);
    }
    const {patchEnvoy, rollbackEnvoy} = await import('../envoy/patch.ts');
    const common = {
      location,
      dryRun: flags['dry-run'],
      force: flags.force,
      restart: !flags['no-restart'],
      timeoutMs,
      signal: this.interrupt.signal,
      progress: (line: string) => this.note(line),
    };
    let result;
    try {
      result = flags.rollback
        ? await rollbackEnvoy(kube, common)
        : await patchEnvoy(kube, {...common, preset: (flags.preset ?? 'ai-gateway') as 'ai-gateway' | 'service-backend', backendResources});
    } finally {
      kube.close();
    }
    if (flags.output === 'json') {
      this.printJson({kind: 'PatchEnvoyResult', ...result});
      process.exitCode = result.exitCode;
      return;
    }
    const {renderPatchEnvoy} = await import('../envoy/render.ts');
    const text = renderPatchEnvoy(result);
    if (result.exitCode === 0) {
      this.print(text);
      return;
    }
    // The report goes to stdout; the verdict is the error line (stderr) with the documented exit code.
    this.print(text.slice(0, text.lastIndexOf('\n')));
    throw new InfgwError(result.message, {exitCode: result.exitCode});
  }
}
