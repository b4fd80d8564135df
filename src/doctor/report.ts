/*
 * What one doctor run produces: the summary, what was examined, the findings in order and, for
 * --symptom, the playbook's conclusion. The renderers (src/render/doctor.ts) turn it into text,
 * JSON, short lines or JUnit; its JSON form is the stable contract (README "doctor JSON").
 */
import type {Summary} from '../checks/runner.ts';
import type {Finding} from '../checks/types.ts';
import type {TrafficMap} from './traffic-map.ts';
import type {GatewayRequestRead} from '../snapshot/types.ts';

/** The annotation that suppresses findings on the object it is set on (src/doctor/suppress.ts). */
export const SUPPRESS_ANNOTATION = 'infgw.io/suppress';

/**
 * The Gateway in front of a pool and the implementation behind its class (issue 13): the first of
 * the chain's Gateways whose class is known (else the first). `implementation` is one of
 * envoy-gateway, istio, kgateway, agentgateway, nginx-gateway-fabric, gke, or "unknown"; absent
 * when the Gateway or its GatewayClass is missing.
 */
export interface PoolGateway {
  name: string;
  namespace: string;
  className?: string | undefined;
  controllerName?: string | undefined;
  implementation?: string | undefined;
}

export interface DoctorReport {
  summary: Summary & {durationMs: number; apiRequests: number};
  target: {
    source: 'cluster' | 'files' | 'overlay';
    context?: string | undefined;
    server?: string | undefined;
    namespace?: string | undefined;
    releases: {namespace: string; name: string; revision: number; chart: string; status: string}[];
    pools: {namespace: string; name: string; group: string; release?: string | undefined; wiring?: string | undefined; gateway?: PoolGateway | undefined}[];
    symptom?: string | undefined;
    /** set when the snapshot came from a support bundle (`doctor --from-bundle`) */
    bundle?: {file: string; takenAt: string} | undefined;
    /** doctor --request: the request as sent and answered (status, ttftMs, servedBy, headers, body start) */
    request?: GatewayRequestRead | undefined;
    /** doctor --envoy-admin / --request: the Envoy proxies read, and why one could not be */
    envoyProxies?: {gateway: string; proxy?: string | undefined; read: boolean; reason?: string | undefined}[] | undefined;
  };
  findings: Finding[];
  /** for --symptom: the playbook's conclusion */
  conclusion?: string | undefined;
  /** with --map / --report: each pool's traffic path, hop by hop (src/doctor/traffic-map.ts) */
  map?: TrafficMap | undefined;
}
