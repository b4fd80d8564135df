/*
 * Small pure helpers patch-envoy applies to what it reads from the cluster: the extension
 * service's readiness, the controller's own error line from its logs.
 */
import type {ExtensionServiceTarget} from './presets.ts';

export interface ExtensionServiceStatus {
  /** What the config points at, e.g. "fqdn ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063". */
  target: string;
  /** Resolved in-cluster Service, when the target is a Service DNS name. */
  service?: {namespace: string; name: string; port: number};
  exists?: boolean;
  /** The Service has a port with that number. */
  portFound?: boolean;
  readyEndpoints?: number;
  /** Set when something is wrong or could not be checked. */
  warning?: string;
}

/**
 * `<service>.<namespace>.svc[.<cluster domain>]` → the Service (Kubernetes DNS spec,
 * kubernetes/dns docs/specification.md: `<service>.<ns>.svc.<zone>`). Other names are outside
 * the cluster or not a Service: we do not check them.
 */
export function serviceFromHostname(hostname: string): {namespace: string; name: string} | undefined {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.[a-z0-9.-]+)?\.?$/.exec(hostname.toLowerCase());
  return m ? {name: m[1]!, namespace: m[3]!} : undefined;
}

interface ServiceLike {
  spec?: {ports?: {port?: number; name?: string}[]; type?: string; externalName?: string};
}
interface EndpointSliceLike {
  endpoints?: {conditions?: {ready?: boolean | null}}[];
  ports?: {port?: number; name?: string}[];
}

/**
 * Judge the extension service: missing Service, missing port, or no ready endpoint are each a
 * warning (Envoy Gateway then fails every translation that calls the extension, or — with
 * failOpen — silently skips it). An EndpointSlice endpoint whose `ready` condition is unset counts
 * as ready (discovery.k8s.io/v1 EndpointConditions: "nil ... should be interpreted as true").
 */
export function judgeExtensionService(
  target: ExtensionServiceTarget | Record<string, unknown> | undefined,
  service: ServiceLike | undefined,
  slices: EndpointSliceLike[] | undefined,
  describe: string,
): ExtensionServiceStatus {
  const fqdn = (target as {fqdn?: {hostname?: unknown; port?: unknown}} | undefined)?.fqdn;
  const host = typeof fqdn?.hostname === 'string' ? fqdn.hostname : undefined;
  const port = typeof fqdn?.port === 'number' ? fqdn.port : undefined;
  const ref = host ? serviceFromHostname(host) : undefined;
  if (!ref || port === undefined) return {target: describe};
  const status: ExtensionServiceStatus = {target: describe, service: {...ref, port}};
  if (!service) {
    return {...status, exists: false, warning: `the extension service ${ref.namespace}/${ref.name} does not exist: Envoy Gateway cannot reach its extension server (is Envoy AI Gateway installed?)`};
  }
  status.exists = true;
  if (service.spec?.type === 'ExternalName') return {...status, warning: `the extension service ${ref.namespace}/${ref.name} is an ExternalName (${service.spec.externalName ?? ''}); not checked`};
  status.portFound = (service.spec?.ports ?? []).some((p) => p.port === port);
  const ready = (slices ?? []).reduce((n, s) => n + (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length, 0);
  status.readyEndpoints = ready;
  if (!status.portFound) {
    status.warning = `the extension service ${ref.namespace}/${ref.name} has no port ${port} (ports: ${(service.spec?.ports ?? []).map((p) => p.port).join(', ') || 'none'})`;
  } else if (ready === 0) {
    status.warning = `the extension service ${ref.namespace}/${ref.name} has no ready endpoints: is the extension server (e.g. the AI Gateway controller) running?`;
  }
  return status;
}

/**
 * The controller's own complaint from the tail of its log. Envoy Gateway logs JSON lines
 * ({"level":"error","msg":...,"error":...}); a config it cannot load ends the process with the
 * plain error text printed by cobra/main (cmd/envoy-gateway/main.go: fmt.Fprintln(os.Stderr, err)).
 * We take the last line that reads like an error, preferring JSON error fields.
 */
export function controllerErrorFromLog(log: string): string | undefined {
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean);
  const looksBad = /error|fail|invalid|unspecified|no hooks|must|mutually exclusive|unsupported|required|cannot|panic/i;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line.startsWith('{')) {
      try {
        const j = JSON.parse(line) as {level?: string; msg?: string; error?: string};
        if (j.level === 'error' || j.level === 'fatal' || j.error) return [j.msg, j.error].filter(Boolean).join(': ');
        continue;
      } catch {
        /* not JSON after all */
      }
    }
    if (looksBad.test(line)) return line.replace(/^Error:\s*/, '');
  }
  return undefined;
}
