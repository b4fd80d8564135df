/*
 * Two small readers doctor needs before src/envoy/cluster.ts (patch-envoy's, same purpose) is
 * committed; when it is, import from there and delete this file (noted for the lead).
 */

/** `<service>.<namespace>.svc[.<zone>]` → the Service (kubernetes/dns docs/specification.md). */
export function serviceFromHostname(hostname: string): {namespace: string; name: string} | undefined {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.[a-z0-9.-]+)?\.?$/.exec(hostname.toLowerCase());
  return m ? {name: m[1]!, namespace: m[3]!} : undefined;
}

/**
 * The controller's own complaint in a log tail: Envoy Gateway logs JSON lines
 * ({"level":"error","msg":…,"error":…}); a config it cannot load at start ends the process with
 * the plain error printed by cmd/envoy-gateway/main.go. The last line that reads like an error.
 */
export function controllerErrorFromLog(log: string): string | undefined {
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean);
  const looksBad = /error|fail|invalid|unspecified|no hooks|must|unsupported|required|cannot|panic/i;
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
