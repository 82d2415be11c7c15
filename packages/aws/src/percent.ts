/**
 * AWS Backup's PercentDone is a string whose form varies ("0.0", "50.0", "12.34%"): the number, or
 * undefined when it cannot be read. AWS's percentages are estimates.
 */
export function parsePercentDone(value: string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim().replace(/%$/, '').trim();
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n <= 100 ? n : undefined;
}
