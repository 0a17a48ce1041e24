/** A problem in the catalog that only the Kubernetes target runs into (names, sizes). */
export class KubernetesTargetError extends Error {}
