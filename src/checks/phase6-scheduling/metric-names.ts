/* Phase 6 — the metric names the scheduling config reads exist in this EPP version. */
import {argValue} from '../../k8s/args.ts';
import {imageTag} from '../../snapshot/versions.ts';
import {eppDeployRef, eppFlavour, versionBelow} from '../helpers.ts';
import {error, notApplicable, type Check, type Draft} from '../types.ts';

/**
 * The KV-cache metric the EPP reads must exist in the model server's version (domain-facts §2/§3):
 * GIE EPPs up to 1.2 read vllm:gpu_cache_usage_perc by default, which vLLM removed in 0.12
 * (renamed vllm:kv_cache_usage_perc). Judged from image tags (EPP and vLLM), and from the EPP's
 * --kv-cache-usage-percentage-metric flag when set.
 */
export const metricNamesExist: Check = {
  code: 'IGW-603',
  phase: 6,
  scope: 'chain',
  title: "The metrics the EPP reads exist in the model server's version",
  readme: {checks: "the KV-cache metric the EPP reads exists in the model server's vLLM version (GIE ≤ 1.2 reads vllm:gpu_cache_usage_perc, gone in vLLM 0.12)", failure: 'KV-cache scoring blind'},
  symptoms: {'503': 14, 'high-latency': 8},
  reads: [],
  run({chain}) {
    const out: Draft[] = [];
    const vllm = chain.modelPods
      .flatMap((p) => p.spec.containers.map((c) => c.image ?? ''))
      .find((img) => /vllm\/vllm-openai|vllm-openai|\/vllm:/.test(img));
    const vllmTag = vllm ? imageTag(vllm) : undefined;
    if (!vllm || !vllmTag || versionBelow(vllmTag, 0, 12) || !/^v?\d/.test(vllmTag)) return [notApplicable('no vLLM v0.12+ model server image to compare metric names with')];
    for (const e of chain.epps) {
      const tag = imageTag(e.container?.image ?? '');
      const flag = argValue(e.container, '--kv-cache-usage-percentage-metric') ?? argValue(e.container, '--kvCacheUsagePercentageMetric');
      const reads = flag ?? (eppFlavour(e.container?.image) === 'gie' && versionBelow(tag, 1, 3) ? 'vllm:gpu_cache_usage_perc' : undefined);
      if (reads !== 'vllm:gpu_cache_usage_perc') continue;
      const ci = e.deployment.spec.template.spec.containers.indexOf(e.container!);
      out.push(
        error(
          `EPP ${e.deployment.metadata.name} (${tag ?? e.container?.image}) reads vllm:gpu_cache_usage_perc${flag ? ' (--kv-cache-usage-percentage-metric)' : ' by default'}, which vLLM ${vllmTag} no longer exposes (renamed vllm:kv_cache_usage_perc in 0.12): KV-cache scoring and saturation see nothing`,
          eppDeployRef(e),
          `kubectl patch deployment ${e.deployment.metadata.name} -n ${e.deployment.metadata.namespace} --type json -p '${JSON.stringify([{op: 'add', path: `/spec/template/spec/containers/${ci}/args/-`, value: '--kv-cache-usage-percentage-metric=vllm:kv_cache_usage_perc'}])}'   # or upgrade the EPP`,
        ),
      );
    }
    return out;
  },
};
