/*
 * The only module that imports @kubernetes/client-node. Importing just these names lets esbuild
 * drop most of the 19 MB library (domain-facts §9: ~2.4 MB instead), and commands load this file
 * lazily so `--help` never pays for it.
 */
export {KubeConfig, PortForward, Watch, RequestContext, HttpMethod} from '@kubernetes/client-node';
export type {Cluster, User, Context} from '@kubernetes/client-node';
