/*
 * A ConfigMap rendered by Helm is rewritten by the next `helm upgrade` of its release, which
 * reverts any hand-made patch. Helm marks what it manages with the label
 * app.kubernetes.io/managed-by=Helm and the annotations meta.helm.sh/release-name /
 * release-namespace (helm pkg/action/validate.go, the ownership check). The Envoy Gateway chart
 * renders its config from `config.envoyGateway` (charts/gateway-helm/templates/
 * envoy-gateway-config.yaml); the AI Gateway values files in ../shared/fixtures set
 * `config.envoyGateway.extensionManager` there — so the lasting fix is a values snippet.
 */
import {stringify} from 'yaml';

export interface HelmOwnership {
  managed: boolean;
  release?: string;
  namespace?: string;
}

export function helmOwnership(meta: {labels?: Record<string, string>; annotations?: Record<string, string>} | undefined): HelmOwnership {
  const release = meta?.annotations?.['meta.helm.sh/release-name'];
  const namespace = meta?.annotations?.['meta.helm.sh/release-namespace'];
  const managed = meta?.labels?.['app.kubernetes.io/managed-by'] === 'Helm' || release !== undefined;
  return {managed, ...(release ? {release} : {}), ...(namespace ? {namespace} : {})};
}

/**
 * The Envoy Gateway chart values that render the same extension settings as `config` (the
 * merged EnvoyGateway object): `config.envoyGateway.extensionManager` or `extensionManagers`.
 */
export function helmValuesSnippet(config: Record<string, unknown>): string {
  const envoyGateway: Record<string, unknown> = {};
  if (config.extensionManager !== undefined && config.extensionManager !== null) envoyGateway.extensionManager = config.extensionManager;
  if (config.extensionManagers !== undefined && config.extensionManagers !== null) envoyGateway.extensionManagers = config.extensionManagers;
  return stringify({config: {envoyGateway}}, {indentSeq: true, lineWidth: 0});
}

/** The command that applies the snippet, in the style of the AI Gateway install docs. */
export function helmUpgradeHint(own: HelmOwnership, valuesFile: string): string {
  const release = own.release ?? '<release>';
  const ns = own.namespace ?? 'envoy-gateway-system';
  return `helm upgrade ${release} oci://docker.io/envoyproxy/gateway-helm -n ${ns} --reuse-values -f ${valuesFile}`;
}
