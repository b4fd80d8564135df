/*
 * Phase 5 — is the EPP shedding load? (issue 11, NF11). llm-d-router's flow control counts every
 * request by outcome: Dispatched, RejectedCapacity, RejectedNoEndpoints, RejectedOther, EvictedTTL,
 * EvictedContextCancelled, EvictedOther (pkg/epp/flowcontrol/types/outcomes.go) in
 * `llm_d_epp_flow_control_requests_total{outcome, priority, inference_pool}` and exposes
 * `llm_d_epp_flow_control_pool_saturation` (pkg/epp/metrics/llm_d_router_metrics.go). A rejected
 * request gets an ImmediateResponse — 429 for ResourceExhausted, 503 for no endpoints — with the
 * header x-llm-d-request-dropped-reason (pkg/common/error/error.go BuildErrResponse).
 * One scrape only: counters are totals since the EPP started, so past shedding is reported as info;
 * a saturation gauge at or above 1 is the present tense.
 */
import {perEpp, podRef} from '../helpers.ts';
import {info, ok, skipped, warning, type Check} from '../types.ts';

export const eppShedding: Check = {
  code: 'IGW-508',
  phase: 5,
  scope: 'chain',
  title: 'EPP flow control is not rejecting or evicting requests (429/503 with x-llm-d-request-dropped-reason)',
  readme: {checks: 'EPP flow control is not rejecting or evicting requests (429/503 with x-llm-d-request-dropped-reason)', failure: '429/503 with x-llm-d-request-dropped-reason'},
  dependsOn: ['IGW-504'],
  symptoms: {'high-latency': 20, '503': 20, '429': 1},
  reads: ['Pod', 'Deployment'],
  run(ctx) {
    return perEpp(ctx, (r) => {
      if (r.metrics.outcome !== 'ok') return [skipped(`EPP ${r.namespace}/${r.pod} /metrics not read (${r.metrics.outcome})`, podRef(r))];
      const fc = r.metrics.reading.flowControl;
      if (!fc.found) return []; // GIE's EPP and llm-d-router without flow control expose neither
      const shed = fc.outcomes.filter((o) => /^(Rejected|Evicted)/.test(o.outcome) && o.value > 0);
      const total = shed.reduce((n, o) => n + o.value, 0);
      const detail = shed.map((o) => `${o.outcome}${o.priority ? ` (priority ${o.priority})` : ''}: ${o.value}`).join(', ');
      const saturated = fc.saturation !== undefined && fc.saturation >= 1;
      const fix = `kubectl logs ${r.pod} -n ${r.namespace} | grep -i -e saturat -e reject   # then add model-server replicas to pool ${ctx.chain.key}, or raise the saturation detector's thresholds in the EndpointPickerConfig (flowControl.saturationDetector)`;
      if (saturated) {
        return [
          warning(
            `EPP ${r.namespace}/${r.pod} reports pool ${ctx.chain.key} saturated (llm_d_epp_flow_control_pool_saturation ${fc.saturation}): new requests queue, sheddable ones (negative priority) get 429${total ? `; since start: ${detail}` : ''}`,
            podRef(r),
            fix,
          ),
        ];
      }
      if (total) return [info(`EPP ${r.namespace}/${r.pod} has shed ${total} request(s) since it started (${detail}); clients saw 429/503 with x-llm-d-request-dropped-reason. Not saturated now`, podRef(r), fix)];
      return [ok(`EPP ${r.namespace}/${r.pod}: flow control has rejected and evicted nothing${fc.saturation !== undefined ? ` (saturation ${fc.saturation})` : ''}`, podRef(r))];
    });
  },
};
