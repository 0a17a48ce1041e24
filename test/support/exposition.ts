// A small reader of the Prometheus text format (0.0.4) for comparing expositions in tests.
export interface Family {
  type: string;
  help: string;
  labelNames: Set<string>;
  samples: number;
}

function labelNamesOf(body: string): string[] {
  const names: string[] = [];
  // label="value" pairs; values may contain escaped quotes and backslashes.
  for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) names.push(m[1]!);
  return names;
}

export function parseExposition(text: string): Record<string, Family> {
  const fams: Record<string, Family> = {};
  const suffixes = ['_bucket', '_sum', '_count'];
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) {
      const [, , name, ...help] = line.split(' ');
      fams[name!] ??= { type: 'untyped', help: '', labelNames: new Set(), samples: 0 };
      fams[name!]!.help = help.join(' ');
    } else if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      fams[name!] ??= { type: 'untyped', help: '', labelNames: new Set(), samples: 0 };
      fams[name!]!.type = type!;
    } else if (line && !line.startsWith('#')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+\S+/.exec(line);
      if (!m) throw new Error(`unparsable sample line: ${line}`);
      let name = m[1]!;
      if (!fams[name]) {
        const s = suffixes.find((x) => name.endsWith(x) && fams[name.slice(0, -x.length)]);
        if (s) name = name.slice(0, -s.length);
      }
      const fam = fams[name];
      if (!fam) throw new Error(`sample ${m[1]} before its TYPE line`);
      fam.samples++;
      for (const l of labelNamesOf(m[2] ?? '')) if (l !== 'le' && l !== 'quantile') fam.labelNames.add(l);
    }
  }
  return fams;
}
