/*
 * The kubectl connection options (--kubeconfig, --context, -n, --token, ...) as the kube layer
 * takes them. The CLI declares the flags (src/cli/flags.ts); the kube layer only reads the values,
 * so it does not depend on the CLI.
 */
export type KubeFlagValues = {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  cluster?: string | undefined;
  user?: string | undefined;
  namespace?: string | undefined;
  'request-timeout'?: string | undefined;
  as?: string | undefined;
  'as-group'?: string[] | undefined;
  token?: string | undefined;
  server?: string | undefined;
  'certificate-authority'?: string | undefined;
  'insecure-skip-tls-verify'?: boolean | undefined;
  'tls-server-name'?: string | undefined;
};
