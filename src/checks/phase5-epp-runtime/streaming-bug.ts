/*
 * Phase 5 — the EPP's transfer-encoding bug (GIE#2993), which no released EPP has fixed (issue 11
 * item 3). The EPP's response-headers handler, (*StreamingServer).generateResponseHeaders() in
 * pkg/epp/handlers/response.go, sends every model-server response header back as an ext_proc
 * SetHeader mutation except the "system owned" ones (pkg/epp/util/request/headers.go
 * IsSystemOwnedHeader; ProtocolHeaders = {"content-length"} only). So vLLM's
 * `transfer-encoding: chunked` is re-set; over an HTTP/2 hop in front of the inference Gateway that
 * header is illegal, Envoy derives a content-length from the first chunk, and a streamed response
 * (seen with /v1/responses stream: true) stops after the first events.
 * Verified in: GIE v0.5.0–v1.2.x (copies every header), v1.3.0–v1.5.0 (skips content-length only;
 * GIE v1.6.0 has no EPP); llm-d-inference-scheduler v0.6.1–v0.8.0 (imports GIE); llm-d-router v0.9.0,
 * v0.10.0 and main (own copy of headers.go). The fix PRs (GIE #2994, #2995, #2996) were closed
 * unmerged — so no version check can say "upgrade to fix it".
 */
import {eppDeployRef, eppFlavour} from '../helpers.ts';
import {imageTag} from '../../snapshot/versions.ts';
import {info, type Check, type Draft} from '../types.ts';

export const TRANSFER_ENCODING_FIX =
  'No EPP release strips transfer-encoding (GIE#2993; fix PRs #2994–#2996 were closed unmerged; llm-d-router v0.10.0 and main still copy it). Options:\n' +
  '# - keep the hop in front of the inference Gateway on HTTP/1.1 (e.g. LiteLLM or another gateway → this Gateway without h2/h2c)\n' +
  '# - or run an EPP built with "transfer-encoding" added to ProtocolHeaders in pkg/epp/util/request/headers.go (the one-line change of GIE#2994)\n' +
  "# (an HTTPRoute ResponseHeaderModifier removing transfer-encoding is not a sure fix: the EPP's ext_proc filter runs after the router on the response path and sets it again)";

export const eppStreamingBug: Check = {
  code: 'IGW-503',
  phase: 5,
  scope: 'chain',
  title: 'EPP version does not truncate streamed responses',
  readme: {checks: 'EPP ≤ GIE 1.5.0 copies transfer-encoding (GIE#2993)', failure: 'streams cut over HTTP/2'},
  symptoms: {'no-streaming': 3},
  reads: ['Deployment', 'EnvoyExtensionPolicy', 'HTTPRoute'],
  run({chain}) {
    const streamed = chain.eppPolicies.some((l) => {
      const body = l.policy.spec?.extProc?.[l.extProcIndex]?.processingMode?.response?.body;
      return body === 'Streamed' || body === 'FullDuplexStreamed';
    });
    if (!streamed && chain.routes.length === 0) return [];
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const img = e.container?.image;
      // the conformance-only lwepp (GIE v1.6 cmd/lwepp) is other code: nothing known about it
      if (img && /\/lwepp(?::|@|$)/.test(img)) continue;
      const tag = img ? imageTag(img) : undefined;
      const flavour = eppFlavour(img);
      const which = flavour === 'gie' ? 'GIE' : flavour === 'llm-d' ? 'llm-d' : 'EPP';
      out.push(
        info(
          `EPP ${e.deployment.metadata.name} runs ${which} ${tag ?? '(untagged image)'}, which copies the model server's transfer-encoding header into responses like every released EPP (GIE#2993, not fixed upstream): behind an HTTP/2 hop (e.g. another gateway in front) streamed responses are cut off after the first events`,
          eppDeployRef(e),
          TRANSFER_ENCODING_FIX,
        ),
      );
    }
    return out;
  },
};
