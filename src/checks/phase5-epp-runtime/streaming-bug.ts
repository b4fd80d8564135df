/* Phase 5 — EPP versions with a known streaming bug, judged from the image tag. */
import {imageTag} from '../../snapshot/versions.ts';
import {eppDeployRef, eppFlavour, versionBelow} from '../helpers.ts';
import {info, type Check, type Draft} from '../types.ts';

export const eppStreamingBug: Check = {
  code: 'IGW-503',
  phase: 5,
  scope: 'chain',
  title: 'EPP version does not truncate streamed responses',
  readme: {checks: 'EPP ≤ GIE 1.5.0 copies transfer-encoding (GIE#2993)', failure: 'streams cut over HTTP/2'},
  symptoms: {'no-streaming': 3},
  reads: [],
  run({chain}) {
    const streamed = chain.eppPolicies.some((l) => {
      const body = l.policy.spec?.extProc?.[l.extProcIndex]?.processingMode?.response?.body;
      return body === 'Streamed' || body === 'FullDuplexStreamed';
    });
    const out: Draft[] = [];
    for (const e of chain.epps) {
      const img = e.container?.image;
      const tag = img ? imageTag(img) : undefined;
      // GIE#2993 (fixed by #2994/#2995, July 2026): GIE EPPs up to v1.5.0 copy transfer-encoding from
      // the model server's response; over an HTTP/2 hop Envoy then cuts streamed responses short.
      if (eppFlavour(img) === 'gie' && (versionBelow(tag, 1, 5) || /^v?1\.5\.0$/.test(tag ?? '')) && (streamed || chain.routes.length > 0)) {
        out.push(info(`EPP ${e.deployment.metadata.name} runs ${tag}, which copies the model server's transfer-encoding header into responses (GIE#2993): behind an HTTP/2 hop (e.g. another gateway in front) streamed responses are cut off after the first events`, eppDeployRef(e)));
      }
    }
    return out;
  },
};
