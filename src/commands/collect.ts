import {Flags} from '@oclif/core';
import {InfgwCommand} from '../cli/base-command.ts';
import {kubeFlags} from '../cli/flags.ts';

export default class Collect extends InfgwCommand {
  static override summary = 'Write a support bundle: what doctor reads, EPP and Envoy Gateway logs, EPP metrics and doctor\'s report, with secrets removed.';
  static override description = `Reads the cluster once, exactly as doctor does (the same lists, CRDs, Helm releases, EPP log tails and /metrics) plus the Envoy Gateway controllers' log tails, removes what must not leave the cluster, and writes one .tar.gz: manifest.json (tool version, time, context, scope, each kind's read outcome, what was removed), snapshot.json, doctor.json and doctor.txt (doctor's report), objects/<Kind>.yaml, logs/ and metrics/.

Removed before anything is written: Secret data (metadata and type kept; Helm releases are kept decoded without credential values), ServiceAccount and other bearer tokens, Authorization and API-key header values, credential values in ConfigMaps (e.g. LiteLLM api_key, master_key), Helm values, container env and flags, last-applied-configuration annotations, and user prompts in logs. Nothing from the kubeconfig but the context name and server address.

"kubectl infgw doctor --from-bundle FILE" gives the same diagnosis offline.

Exit codes: 0 bundle written (whatever doctor found), 2 usage or the file cannot be written, 3 cluster unreachable or credentials rejected, 130 interrupted.`;
  static override examples = ['kubectl infgw collect -n inference -o bundle.tar.gz', 'kubectl infgw collect -A -o bundle.tar.gz', 'kubectl infgw doctor --from-bundle bundle.tar.gz'];
  static override flags = {
    ...kubeFlags,
    output: Flags.string({char: 'o', description: 'The bundle file to write (.tar.gz); default infgw-bundle-<time>.tar.gz in the current directory.', helpGroup: 'OUTPUT'}),
    'all-namespaces': Flags.boolean({char: 'A', description: 'Collect for every namespace.', exclusive: ['namespace']}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Collect);
    const {connect} = await import('../kube/client.ts');
    const {collect, writeBundleFile} = await import('../bundle/collect.ts');
    const kube = await connect(flags);
    const namespace = flags['all-namespaces'] ? undefined : (flags.namespace ?? kube.namespace);
    const file = flags.output ?? `infgw-bundle-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 15)}Z.tar.gz`;
    this.note(`collect: reading ${kube.server}${namespace ? ` (namespace ${namespace})` : ' (all namespaces)'} …`);
    const {data, manifest, report} = await collect(kube, {namespace, signal: this.interrupt.signal, tool: {name: this.config.name, version: this.config.version}});
    writeBundleFile(file, data);
    const s = report.summary;
    const removed = manifest.redactions.map((r) => `${r.count} × ${r.what}`);
    this.print(
      [
        `wrote ${file} (${(data.length / 1024).toFixed(1)} KiB, ${manifest.files.length} files): ${manifest.kinds.length} kinds, ${manifest.logs.length} logs, ${manifest.eppRuntime.filter((e) => e.metrics === 'ok').length} EPP metrics`,
        `removed: ${removed.length ? removed.join('; ') : 'nothing sensitive found'} (see manifest.json)`,
        `doctor: ${s.errors} errors, ${s.warnings} warnings${s.suppressed ? `, ${s.suppressed} suppressed` : ''} — the same offline: kubectl infgw doctor --from-bundle ${file}`,
      ].join('\n'),
    );
  }
}
