import {Flags} from '@oclif/core';
import {InfgwCommand} from '../cli/base-command.ts';
import {kubeFlags} from '../cli/flags.ts';
import {ExitCode, UsageError} from '../errors.ts';

export default class Doctor extends InfgwCommand {
  static override summary = 'Check every prerequisite and object of the inference gateway, root cause first, with the exact fix.';
  static override description = `Reads the cluster once (one list call per kind, in parallel) and checks, pool by pool, the chain Gateway → HTTPRoute → InferencePool → EPP → model server pods → InferenceService, plus Envoy Gateway and its config, and the releases of the inference-gateway chart (read from their Helm release Secrets). Each result has a stable code (IGW-nnn), the object it is about and, for a problem, the fix with the real names filled in. A broken link is reported once; the checks below it show "blocked by IGW-nnn".

Phases: 1xx cluster & CRDs, 2xx Envoy Gateway, 3xx model serving, 4xx this chart (5xx EPP runtime, 6xx scheduling config, 7xx LiteLLM when present), 8xx one real request and the Envoy proxy's own view (only with --request / --envoy-admin).

Without -n or -A the namespace of the current context is checked. --from-file analyses manifests (e.g. "helm template" output) offline; with --overlay they are laid over the live cluster. --from-bundle analyses a support bundle written by "kubectl infgw collect" offline, as of the time it was collected.

A finding can be suppressed on the object it names with the annotation infgw.io/suppress: IGW-412 (comma-separated codes): it is still shown, marked suppressed, and does not count for the exit code. --skip leaves checks out of a run.

Exit codes: 0 healthy (warnings allowed; with --failure-threshold warning, none), 1 problems found, 2 usage, 3 cluster unreachable or credentials rejected, 130 interrupted.`;
  static override examples = [
    'kubectl infgw doctor -n inference -r my-gateway',
    'kubectl infgw doctor -A',
    'kubectl infgw doctor -n inference --pool qwen3-8b-pool',
    'kubectl infgw doctor --symptom 503 -n inference',
    'kubectl infgw doctor --symptom list',
    'kubectl infgw doctor -n inference --wait 2m',
    'kubectl infgw doctor -A -o json',
    'kubectl infgw doctor -A -o short --only IGW-2,IGW-3',
    'helm template igw charts/inference-gateway -n inference --set epp.poolName=qwen | kubectl infgw doctor --from-file - ',
    'kubectl infgw doctor -n inference --from-file rendered.yaml --overlay',
    'kubectl infgw doctor -A --junit doctor.xml',
    'kubectl infgw doctor --from-bundle bundle.tar.gz',
    'kubectl infgw doctor -n inference --failure-threshold warning',
    'kubectl infgw doctor -n inference --map',
    'kubectl infgw doctor -n inference --report report.html',
    'kubectl infgw doctor -n inference --request',
    'kubectl infgw doctor -n inference --symptom 503 --request --request-max-time 60s',
    'kubectl infgw doctor -n inference --envoy-admin',
  ];
  static override flags = {
    ...kubeFlags,
    output: Flags.string({char: 'o', description: 'Output format: text, json (a stable contract), short (problems only, one line each).', options: ['text', 'json', 'short'], default: 'text', helpGroup: 'OUTPUT'}),
    release: Flags.string({char: 'r', description: 'Only the InferencePool served by this inference-gateway release (in -n).'}),
    pool: Flags.string({description: 'Only the InferencePool(s) of this name.'}),
    'all-namespaces': Flags.boolean({char: 'A', description: 'Every release and InferencePool in the cluster.', exclusive: ['namespace']}),
    only: Flags.string({description: 'Run only these checks: codes or prefixes (IGW-303, IGW-2), comma-separated or repeated.', multiple: true}),
    skip: Flags.string({description: 'Skip these checks: codes or prefixes, comma-separated or repeated.', multiple: true}),
    symptom: Flags.string({description: 'Run the playbook for one symptom and conclude ("list" explains them): epp-not-starting, gateway-not-programmed, ext-proc-not-routing, 503, 500, no-streaming, high-latency, config-not-applied, metrics-unauthorized.'}),
    wait: Flags.string({description: 'Re-run until healthy or this long has passed (90s, 2m).'}),
    'from-file': Flags.string({char: 'f', description: 'Analyse manifests from this file (multi-document YAML; - = stdin). Repeatable.', multiple: true}),
    overlay: Flags.boolean({description: 'With --from-file: lay the manifests over the live cluster instead of analysing them alone.', dependsOn: ['from-file']}),
    junit: Flags.string({description: 'Also write the results as JUnit XML to this file.'}),
    'from-bundle': Flags.string({description: 'Analyse a support bundle written by "kubectl infgw collect" (offline, as of the time it was collected).', exclusive: ['from-file', 'overlay', 'wait']}),
    map: Flags.boolean({description: 'Also draw the traffic map of each pool (client → load balancer → gateways → LiteLLM → EPP → InferencePool → InferenceService → vLLM pods) with each hop\'s health and the finding that breaks it: after the findings in text, as "map" in JSON.', helpGroup: 'OUTPUT'}),
    report: Flags.string({description: 'Also write a self-contained HTML report (traffic map as SVG, findings with fixes; no network needed to open it) to this file.', helpGroup: 'OUTPUT'}),
    request: Flags.boolean({description: "Also send ONE OpenAI-style request through the pool's Gateway (its status address, else a port-forward to the Envoy proxy pod) with the model the pool serves, and judge the answer: status, time to first token, the pod that served it, the cause of a 404/429/500/503/504 (IGW-801…810). Reads the Envoy proxy's admin view too (--envoy-admin).", exclusive: ['from-bundle', 'wait']}),
    'request-max-time': Flags.string({description: 'With --request: the time limit of the request (default 30s; 90s, 2m).', dependsOn: ['request']}),
    'request-model': Flags.string({description: "With --request: the model name to send (default: the pool's, from a model server's /v1/models or the InferenceService).", dependsOn: ['request']}),
    'request-via': Flags.string({description: "With --request: how to reach the Gateway — auto (default: the first address in the Gateway's status that accepts a connection, else a port-forward to the Envoy proxy pod), address, or port-forward (the proxy pod itself, skipping whatever sits in front of it).", options: ['auto', 'address', 'port-forward'], dependsOn: ['request']}),
    'envoy-admin': Flags.boolean({description: "Also read the Envoy proxy's own config and stats from its admin endpoint (port-forward to 127.0.0.1:19000 in the proxy pod): the pool's ext_proc filter, the EPP and ORIGINAL_DST clusters, ext_proc errors, connect failures (IGW-821…826).", exclusive: ['from-bundle']}),
    'failure-threshold': Flags.string({description: 'The lowest severity that makes the exit code 1: error (default; warnings allowed) or warning. Suppressed findings never count.', options: ['error', 'warning'], default: 'error'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Doctor);
    // --debug: where the time goes, phase by phase (performance.now() counts from process start)
    const debug = flags.debug || process.env.DEBUG === 'infgw';
    const phase = (name: string, since: number): void => {
      if (debug) this.note(`debug: phase ${name}: ${Math.round(performance.now() - since)} ms (at ${Math.round(performance.now())} ms since process start)`);
    };
    phase('process start → doctor parsed its flags (Node, modules)', 0);
    if (flags.symptom === 'list') {
      const {SYMPTOMS, renderSymptomList} = await import('../doctor/symptoms.ts');
      if (flags.output === 'json') this.printJson({symptoms: SYMPTOMS});
      else this.print(renderSymptomList());
      return;
    }
    const waitMs = flags.wait ? (await import('../doctor/session.ts')).parseWait(flags.wait) : undefined;
    const files = flags['from-file'] ?? [];
    const bundle = flags['from-bundle'];
    const live = (files.length === 0 && !bundle) || flags.overlay;
    let kube: import('../kube/client.ts').KubeClient | undefined;
    if (live) {
      const t0 = performance.now();
      const {connect} = await import('../kube/client.ts');
      kube = await connect(flags);
      phase('kubeconfig (client module, kubeconfig read)', t0);
    }
    // kubectl's rule: -A = all, -n = that one, else the context's namespace (offline: every namespace in the files)
    const namespace = flags['all-namespaces'] ? undefined : (flags.namespace ?? (kube ? kube.namespace : undefined));

    // the listr2 tree only on a terminal: -o json/short and pipes never load listr2
    const tree = process.stderr.isTTY && flags.output === 'text' && !waitMs ? (await import('../render/doctor-progress.ts')).treeProgress(process.stderr) : undefined;
    const lines = tree ? undefined : (await import('../render/doctor-lines.ts')).lineProgress((l) => this.note(l));
    let progress = (tree ?? lines)!;
    // Start reading the cluster now: the requests are in flight while the checks' modules load
    // (takeSnapshot picks this read up). Not when the run is about to stop on a usage error.
    if (kube && (!flags.symptom || (await import('../doctor/symptoms.ts')).symptomByName(flags.symptom))) {
      const {prefetchSnapshot} = await import('../snapshot/take.ts');
      const onRequest = progress.request?.bind(progress);
      prefetchSnapshot(kube, {namespace, signal: this.interrupt.signal, ...(onRequest ? {onRequest} : {})});
    }
    const {doctorRun} = await import('../doctor/session.ts');
    if (debug) {
      let gatheredAt = 0;
      const inner = progress;
      progress = {
        ...inner,
        gathered(snap) {
          gatheredAt = performance.now();
          inner.gathered?.(snap);
        },
        analysed(report) {
          phase('checks', gatheredAt);
          inner.analysed?.(report);
        },
      };
    }
    let report;
    const runT0 = performance.now();
    try {
      report = await doctorRun(
        {
          namespace,
          defaultNamespace: flags.namespace ?? kube?.namespace ?? 'default',
          release: flags.release,
          pool: flags.pool,
          only: flags.only,
          skip: flags.skip,
          symptom: flags.symptom,
          fromFiles: files,
          overlay: flags.overlay,
          fromBundle: bundle,
          failureThreshold: flags['failure-threshold'] === 'warning' ? 'warning' : 'error',
          map: flags.map || flags.report !== undefined,
          waitMs,
          signal: this.interrupt.signal,
          progress,
          ...(flags.request ? {request: {timeLimitMs: (await import('../doctor/session.ts')).parseWait(flags['request-max-time'] ?? '30s', '--request-max-time'), model: flags['request-model'], via: flags['request-via'] as 'auto' | 'address' | 'port-forward' | undefined}} : {}),
          envoyAdmin: flags['envoy-admin'],
        },
        async () => kube!,
      );
    } catch (error) {
      await tree?.fail(error as Error);
      throw error;
    }
    await tree?.done();
    phase('snapshot + checks', runT0);

    const renderT0 = performance.now();
    const render = await import('../render/doctor.ts');
    if (flags.junit) {
      const {writeFileSync} = await import('node:fs');
      writeFileSync(flags.junit, render.renderJunit(report));
    }
    if (flags.output === 'json') this.printJson(render.jsonDocument(report, {map: flags.map}));
    else if (flags.output === 'short') process.stdout.write(render.renderShort(report));
    else this.print(render.renderText(report, {unicode: render.unicodeSupported()}));
    // --map: after the findings, as the last thing on screen (kubectl describe puts the overview last too)
    if (flags.map && flags.output !== 'json' && report.map) this.print((await import('../render/traffic-map.ts')).renderMapText(report.map, {unicode: render.unicodeSupported()}));
    if (flags.report) {
      // written next to the target and renamed: a browser never opens half a report
      const {renderReportHtml} = await import('../render/report-html.ts');
      const {renameSync, rmSync, writeFileSync} = await import('node:fs');
      const tmp = `${flags.report}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, renderReportHtml(report, {version: this.config.version, generatedAt: new Date().toISOString()}));
        renameSync(tmp, flags.report);
      } catch (error) {
        rmSync(tmp, {force: true});
        throw new UsageError(`cannot write the report to ${flags.report}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    const {failing} = await import('../checks/runner.ts');
    process.exitCode = failing(report.findings, flags['failure-threshold'] === 'warning' ? 'warning' : 'error') ? ExitCode.problems : ExitCode.ok;
    phase(`render (${flags.output})`, renderT0);
  }
}
