import type { MetricType } from './catalog.js';
import { dict } from '../util/dict.js';

/** What the exporter runtime records by itself, and which metric types can hold it. */
export const ROLES: Readonly<Record<string, { types: readonly MetricType[]; doc: string; system?: true }>> = dict({
  http_requests: { types: ['counter'], doc: 'every HTTP request (labels: method, endpoint, status)' },
  http_duration: { types: ['histogram', 'summary'], doc: 'HTTP request latency in seconds (method, endpoint)' },
  http_in_flight: { types: ['gauge'], doc: 'HTTP requests being served' },
  http_request_size: { types: ['histogram', 'summary'], doc: 'request body bytes' },
  http_response_size: { types: ['histogram', 'summary'], doc: 'response body bytes' },
  http_errors: { types: ['counter'], doc: 'responses with status >= 400 (error_type, endpoint)' },
  exceptions: { types: ['counter'], doc: 'unhandled exceptions (exception_type)' },
  health_status: { types: ['enum'], doc: 'overall health, also served on /health' },
  component_health: { types: ['gauge'], doc: 'per-component health, 1 or 0 (one label)' },
  platform_info: { types: ['info'], doc: 'build and platform info' },
  system_cpu_percent: { types: ['gauge'], doc: 'host CPU busy %', system: true },
  system_cpu_count: { types: ['gauge'], doc: 'logical CPUs', system: true },
  system_memory_used_bytes: { types: ['gauge'], doc: 'memory in use', system: true },
  system_memory_available_bytes: { types: ['gauge'], doc: 'memory available', system: true },
  system_memory_percent: { types: ['gauge'], doc: 'memory in use %', system: true },
  system_disk_used_bytes: { types: ['gauge'], doc: 'disk used', system: true },
  system_disk_free_bytes: { types: ['gauge'], doc: 'disk free', system: true },
  system_disk_percent: { types: ['gauge'], doc: 'disk used %', system: true },
  system_network_sent_bytes: { types: ['counter'], doc: 'bytes sent, all interfaces but loopback', system: true },
  system_network_received_bytes: { types: ['counter'], doc: 'bytes received, all interfaces but loopback', system: true },
  uptime_seconds: { types: ['gauge'], doc: 'seconds since the process started', system: true },
});
