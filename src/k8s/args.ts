/*
 * Container command-line flags and environment values, and the one rule for "which container is
 * the EPP": doctor, version, restart, probe-cache and the snapshot's runtime reads all use it, so
 * they agree about which Deployment is the EPP.
 */

/** What a flag reader needs of a container. */
export interface ArgsLike {
  command?: string[] | undefined;
  args?: string[] | undefined;
}

/** `--flag=value`, `--flag value`, `-flag value` (Go's flag package accepts all of them). */
export function argValue(c: ArgsLike | undefined, flag: string): string | undefined {
  if (!c) return undefined;
  const args = [...(c.command ?? []), ...(c.args ?? [])];
  const bare = flag.replace(/^-+/, '');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(a);
    if (!m || m[1] !== bare) continue;
    if (m[2] !== undefined) return m[2];
    const next = args[i + 1];
    return next === undefined || next.startsWith('-') ? 'true' : next;
  }
  return undefined;
}

export function envValue(c: {env?: {name: string; value?: string}[] | undefined} | undefined, name: string): string | undefined {
  return c?.env?.find((e) => e.name === name)?.value;
}

/**
 * The EPP container of a pod spec: the one that names its InferencePool with --pool-name or — GIE /
 * llm-d-router "standalone" mode — selects its endpoints itself with --endpoint-selector, in any
 * spelling Go's flag package accepts (GIE v1.5.0 and llm-d-router v0.10.0 pkg/epp/server/options.go;
 * domain-facts §2).
 */
export function eppContainerIn<C extends ArgsLike>(spec: {containers?: C[] | undefined} | undefined): C | undefined {
  return (spec?.containers ?? []).find((c) => argValue(c, '--pool-name') !== undefined || argValue(c, '--endpoint-selector') !== undefined);
}

/** The EPP container of a Deployment (see eppContainerIn), or undefined when it runs none. */
export function eppContainer<C extends ArgsLike>(d: {spec?: {template?: {spec?: {containers?: C[] | undefined} | undefined} | undefined} | undefined}): C | undefined {
  return eppContainerIn(d.spec?.template?.spec);
}

/** The flags by which an EPP finds its pool and endpoints (GIE cmd/epp/runner/runner.go flags). */
export interface EppArgs {
  poolName?: string | undefined;
  poolNamespace?: string | undefined;
  poolGroup?: string | undefined;
  /** --endpoint-selector: standalone mode, the EPP reads no InferencePool */
  endpointSelector?: string | undefined;
}

export function eppArgs(c: ArgsLike | undefined): EppArgs {
  return {
    poolName: argValue(c, '--pool-name'),
    poolNamespace: argValue(c, '--pool-namespace'),
    poolGroup: argValue(c, '--pool-group'),
    endpointSelector: argValue(c, '--endpoint-selector'),
  };
}
