// The shape of a Prometheus rule file, as typed objects serialised by `yaml`.
export interface PromAlertRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PromRecordRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export type PromRule = PromAlertRule | PromRecordRule;

export interface PromRuleGroup {
  name: string;
  interval?: string;
  rules: PromRule[];
}

export interface PromRuleFile {
  groups: PromRuleGroup[];
}
