// Service names, hosts, paths, images and links are checked for what they become in generated files: a file
// name (prometheus/targets/<name>.json), a Compose service and a scrape job, a scrape target host:port, a URL
// path, a pinned image reference, a link people click in an alert.

/** A Compose service name that is also a safe file name and a readable job name. */
export const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Names the generated stack already uses for its own services and target files. */
export const RESERVED_SERVICE_NAMES = ['prometheus', 'alertmanager', 'grafana'];
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?';
/** A DNS name, an IPv4 address or a bracketed IPv6 address: what Prometheus accepts before ":port". */
export const HOST = new RegExp(`^(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9A-Fa-f:.]+\\])$`);
/** An absolute URL path of unreserved and sub-delimiter characters, percent-escapes allowed; no query or fragment. */
export const URL_PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
export const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Why an image reference is not pinned, or undefined when it has a version tag (not latest) or a digest. */
export function unpinnedImage(ref: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9._\-/:]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/.test(ref)) return 'is not an image reference (name[:tag][@sha256:digest])';
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return undefined;
  const lastSlash = ref.lastIndexOf('/');
  const tagAt = ref.indexOf(':', lastSlash + 1);
  if (tagAt < 0) return 'has no tag, so it means :latest and changes under you';
  if (ref.slice(tagAt + 1) === 'latest') return 'is :latest, which changes under you';
  return undefined;
}

/** Why a link is refused, or undefined for http(s) URLs and relative links. */
export function unsafeLink(url: string): string | undefined {
  // Browsers ignore tabs and newlines inside a scheme ("java\tscript:"); so do we when reading it.
  const scheme = /^\s*([A-Za-z][A-Za-z0-9+.\-\t\n\r]*):/.exec(url)?.[1]?.replace(/[\t\n\r]/g, '').toLowerCase();
  if (/[\u0000-\u001f\u007f\s]/.test(url.trim())) return 'contains spaces or control characters';
  if (scheme === undefined) return undefined;
  if (scheme === 'http' || scheme === 'https') return undefined;
  return `uses the ${scheme}: scheme; only http, https and relative links are allowed`;
}
