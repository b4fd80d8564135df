import {InfgwCommand} from '../cli/base-command.ts';
import {kubeFlags} from '../cli/flags.ts';
import {Flags} from '@oclif/core';

export default class Version extends InfgwCommand {
  static override summary = 'Print the client version and, with a cluster, the versions of what runs in it.';
  static override description =
    'Shows the kubectl-infgw version. Unless --client is given it also asks the cluster for the Kubernetes server version and the versions found for the Gateway API CRDs, the InferencePool API groups, Envoy Gateway and each Endpoint Picker.';
  static override examples = ['kubectl infgw version', 'kubectl infgw version --client', 'kubectl infgw version -o json'];
  static override flags = {
    ...kubeFlags,
    client: Flags.boolean({description: 'Client version only; do not contact the cluster.'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Version);
    const client = {version: this.config.version, node: process.versions.node, platform: `${process.platform}/${process.arch}`};
    if (flags.client) {
      if (flags.output === 'json') this.printJson({client});
      else this.print(`Client Version: v${client.version}`);
      return;
    }
    const {clusterVersions} = await import('../snapshot/versions.ts');
    const {connect} = await import('../kube/client.ts');
    const kube = await connect(flags);
    const cluster = await clusterVersions(kube);
    if (flags.output === 'json') {
      this.printJson({client, cluster});
      return;
    }
    const {renderVersions} = await import('../render/versions.ts');
    this.print(renderVersions(client, cluster));
  }
}
