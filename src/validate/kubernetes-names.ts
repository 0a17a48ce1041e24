// Kubernetes naming rules (k8s.io/apimachinery/pkg/util/validation) for what the catalog's `kubernetes` section
// writes into the operator target: checked at validate time, with positions, every problem in one run. The
// kubernetes emitter keeps its own checks of the names it derives as a backstop.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Grafana dashboard and datasource uids: at most 40 of these characters. */
const GRAFANA_UID = /^[a-zA-Z0-9_-]{1,40}$/;

/** Why a name is not a namespace (an RFC 1123 label), or undefined when it is one. */
export function namespaceProblem(name: string): string | undefined {
  if (name.length > 63) return `is ${name.length} characters; a Kubernetes namespace has at most 63`;
  if (!DNS1123_LABEL.test(name)) return 'is not a Kubernetes namespace name (an RFC 1123 label: lowercase letters, digits and -, starting and ending with a letter or digit)';
  return undefined;
}

/** Why a text is not a label key ([prefix/]name), or undefined when it is one. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return `has the prefix "${prefix}", which is not a DNS subdomain (lowercase letters, digits, - and ., at most 253)`;
  if (name.length > 63) return `has a name part of ${name.length} characters; at most 63`;
  if (!QUALIFIED_NAME.test(name)) return `is not a Kubernetes label key (an optional DNS-subdomain prefix and /, then at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit)`;
  return undefined;
}

/** Why a text is not a label value, or undefined when it is one. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters; a Kubernetes label value has at most 63`;
  if (!LABEL_VALUE.test(value)) return `is not a Kubernetes label value (empty, or at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit)`;
  return undefined;
}

export function grafanaUidProblem(uid: string): string | undefined {
  return GRAFANA_UID.test(uid) ? undefined : 'is not a Grafana uid (1 to 40 letters, digits, - and _)';
}
