// Prometheus' hashmod relabel action, computed here to know which shard must scrape a target: the last 8 bytes
// of the MD5 of the source label values (joined by ";"), big-endian, modulo the modulus.
import { createHash } from 'node:crypto';

export function hashmod(value: string, modulus: number): number {
  const sum = createHash('md5').update(value).digest();
  return Number(sum.readBigUInt64BE(8) % BigInt(modulus));
}
