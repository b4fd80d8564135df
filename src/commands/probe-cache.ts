import {Flags} from '@oclif/core';
import {InfgwCommand} from '../cli/base-command.ts';
import {kubeFlags} from '../cli/flags.ts';
import {ExitCode} from '../errors.ts';

export default class ProbeCache extends InfgwCommand {
  static override summary = 'Measure whether prefix-cache affinity really works: identical prompts should stick to one pod and hit its cache.';
  static override description = `Sends N identical prompts with a long shared prefix through the gateway, then N unique prompts as a control, all streamed so time-to-first-token is measured. Before and after each phase it reads, through the Kubernetes API (port-forward, as kubectl does), every model-server pod's vLLM counters (requests, vllm:prefix_cache_queries/hits with or without _total, vllm:kv_cache_usage_perc) and the EPP's metrics in any name generation (picks per pod, prefix indexer hit ratio, ready pods). Requests are attributed to pods from counter deltas: no response says which pod served it.

Where to send: --url, else the Gateway of the pool (its status.addresses when reachable from here, else a port-forward to the Envoy proxy pod that Envoy Gateway made for it, closed afterwards). The model defaults to what the pool's pods list in /v1/models.

Verdict: working (the identical prompts landed on one pod and hit its prefix cache), not working (they spread, or stuck without cache hits), or cannot tell (one pod only, too many errors, counters unreadable, other traffic), with the reason and the next step.

Without a cluster: with --url and --model, no kubeconfig, no current context, an API server that is unreachable (15 s, or --request-timeout) or forbids reading the pool do not stop the probe: it warns, sends and times the prompts, and says "cannot tell" (exit 1) because which pod served each request and the hit ratios need the counters. A --context (--kubeconfig, --cluster, --user) that does not exist is still an error.

Limits: at most --max-requests requests and --max-duration in total; each request times out after --http-timeout. Ctrl-C stops at once and still reports.

Exit codes: 0 working; 1 not working or cannot tell (always, without a cluster); 2 usage; 3 cluster unreachable (without --url and --model); 130 interrupted (the report is still printed).`;
  static override examples = [
    'kubectl infgw probe-cache -n inference -r my-gateway',
    'kubectl infgw probe-cache -n models --pool llama --url http://10.0.0.7 --header "Authorization: Bearer $LITELLM_KEY"',
    'kubectl infgw probe-cache -n models -N 20 --prefix-tokens 2000 --concurrency 4 -o json',
    'kubectl infgw probe-cache -n models --path /v1/completions --model meta-llama/Llama-3.1-8B-Instruct',
    'kubectl infgw probe-cache --url http://127.0.0.1:8000 --model my-model -N 4',
  ];
  static override flags = {
    ...kubeFlags,
    release: Flags.string({char: 'r', description: 'Helm release whose InferencePool/Gateway to probe.'}),
    pool: Flags.string({description: 'InferencePool name (default: the release\'s, or the only one in the namespace).'}),
    gateway: Flags.string({description: 'Gateway name (or namespace/name) to send through (default: the parent of the HTTPRoute to the pool).'}),
    url: Flags.string({description: 'Gateway base URL to send to (e.g. http://10.0.0.7); skips finding the Gateway. With --model, works without a cluster (TTFT only).'}),
    path: Flags.string({description: 'Request path.', default: '/v1/chat/completions'}),
    model: Flags.string({description: "Model name (default: the pool's served model, from its pods' /v1/models or the InferenceService)."}),
    header: Flags.string({description: 'Extra request header "Name: value" (repeatable; e.g. an API key). Values are never printed.', multiple: true}),
    requests: Flags.integer({char: 'N', description: 'Identical prompts to send (and as many unique ones).', default: 10, min: 1}),
    prompt: Flags.string({description: 'Question that ends every prompt (default: "Summarise the text above in one sentence.").'}),
    'prefix-tokens': Flags.integer({description: 'Length of the shared prefix, in words (≈ tokens); 0 = none.', default: 800, min: 0}),
    concurrency: Flags.integer({description: 'Requests in flight at once (the first identical prompt is always sent alone).', default: 1, min: 1}),
    'max-tokens': Flags.integer({description: 'max_tokens of each request.', default: 16, min: 1}),
    'max-requests': Flags.integer({description: 'Hard limit on the number of requests in total.', default: 200, min: 1}),
    'max-duration': Flags.string({description: 'Hard limit on the time spent sending (Go duration or seconds).', default: '2m'}),
    'http-timeout': Flags.string({description: 'Timeout of each request to the gateway (Go duration or seconds).', default: '60s'}),
    'metrics-token': Flags.string({
      description: "Bearer token for the EPP's /metrics: auto = your kubeconfig token if any, else one minted for the EPP ServiceAccount; serviceaccount = always minted.",
      options: ['auto', 'serviceaccount'],
      default: 'auto',
    }),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(ProbeCache);
    const {parseDurationFlag, parseHeaders} = await import('../probe/options.ts');
    const headers = parseHeaders(flags.header);
    const maxDurationMs = parseDurationFlag('max-duration', flags['max-duration']);
    const httpTimeoutMs = parseDurationFlag('http-timeout', flags['http-timeout']);
    const {connect} = await import('../kube/client.ts');
    // With --url the client is made when the probe asks for it: with --model too, the cluster is
    // needed only for the counters, and a missing or unreachable cluster makes an offline probe
    // instead of an error (src/probe/offline.ts).
    let kube: Awaited<ReturnType<typeof connect>> | undefined;
    const cluster = async (): Promise<NonNullable<typeof kube>> => (kube = await connect(flags));
    const {probeCache} = await import('../probe/run.ts');
    const chatty = Boolean(process.stderr.isTTY);
    let report;
    try {
      report = await probeCache(flags.url ? cluster : await cluster(), {
        namespace: flags.namespace || undefined,
        explicitCluster: Boolean(flags.kubeconfig || flags.context || flags.cluster || flags.user),
        release: flags.release,
        pool: flags.pool,
        gateway: flags.gateway,
        url: flags.url,
        path: flags.path,
        model: flags.model,
        headers,
        requests: flags.requests,
        prompt: flags.prompt,
        prefixTokens: flags['prefix-tokens'],
        concurrency: flags.concurrency,
        maxTokens: flags['max-tokens'],
        maxRequests: flags['max-requests'],
        maxDurationMs,
        httpTimeoutMs,
        metricsToken: flags['metrics-token'] as 'auto' | 'serviceaccount',
        signal: this.interrupt.signal,
        progress: (line) => {
          if (chatty || !line.startsWith('  ')) this.note(line);
        },
      });
    } finally {
      kube?.close();
    }
    if (flags.output === 'json') this.printJson({probe: report});
    else {
      const {renderProbe} = await import('../probe/render.ts');
      this.print(renderProbe(report));
    }
    if (report.stopped?.by === 'interrupted') process.exitCode = ExitCode.interrupted;
    else process.exitCode = report.analysis.verdict.result === 'working' ? ExitCode.ok : ExitCode.problems;
  }
}
