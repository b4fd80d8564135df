import {Flags} from '@oclif/core';

/**
 * kubectl's global connection flags, spelled as kubectl spells them
 * (k8s.io/client-go/tools/clientcmd/overrides.go RecommendedConfigOverrideFlags, plus
 * --kubeconfig from cli-runtime genericclioptions/config_flags.go). Every command that talks to a
 * cluster spreads these; src/kube/kubeconfig.ts applies them exactly as kubectl does.
 */
export const kubeFlags = {
  kubeconfig: Flags.string({description: 'Path to the kubeconfig file to use for CLI requests.', helpGroup: 'KUBECTL'}),
  context: Flags.string({description: 'The name of the kubeconfig context to use.', helpGroup: 'KUBECTL'}),
  cluster: Flags.string({description: 'The name of the kubeconfig cluster to use.', helpGroup: 'KUBECTL'}),
  user: Flags.string({description: 'The name of the kubeconfig user to use.', helpGroup: 'KUBECTL'}),
  namespace: Flags.string({char: 'n', description: 'If present, the namespace scope for this CLI request.', helpGroup: 'KUBECTL'}),
  'request-timeout': Flags.string({
    description: 'The length of time to wait before giving up on a single server request (e.g. 1s, 2m, 3h; 0 = no timeout).',
    default: '0',
    helpGroup: 'KUBECTL',
  }),
  as: Flags.string({description: 'Username to impersonate for the operation.', helpGroup: 'KUBECTL'}),
  'as-group': Flags.string({description: 'Group to impersonate for the operation (repeatable).', multiple: true, helpGroup: 'KUBECTL'}),
  token: Flags.string({description: 'Bearer token for authentication to the API server.', helpGroup: 'KUBECTL'}),
  server: Flags.string({char: 's', description: 'The address and port of the Kubernetes API server.', helpGroup: 'KUBECTL'}),
  'certificate-authority': Flags.string({description: 'Path to a cert file for the certificate authority.', helpGroup: 'KUBECTL'}),
  'insecure-skip-tls-verify': Flags.boolean({
    description: "If true, the server's certificate will not be checked for validity (insecure).",
    helpGroup: 'KUBECTL',
  }),
  'tls-server-name': Flags.string({
    description: 'Server name to use for server certificate validation.',
    helpGroup: 'KUBECTL',
  }),
};

/** Output flags shared by every command. */
export const outputFlags = {
  output: Flags.string({
    char: 'o',
    description: 'Output format.',
    options: ['text', 'json'],
    default: 'text',
    helpGroup: 'OUTPUT',
  }),
  'no-color': Flags.boolean({description: 'Disable colour (also: NO_COLOR=1).', helpGroup: 'OUTPUT'}),
  debug: Flags.boolean({description: 'Show stack traces and request logs on errors.', helpGroup: 'OUTPUT', hidden: false}),
};

