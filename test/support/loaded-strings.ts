/** The UTF-16 code units of a string, as python3 reports them (`utf-16-le` with surrogates passed through). */
export function unitsOf(s: string): number[] {
  return Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
}

/** The strings of a loaded str, list of str, or dict of str to str (a plain object or a Map), keys and values in order. */
export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value as string[];
  if (value instanceof Map) return [...value].flat() as string[];
  return Object.entries(value as Record<string, string>).flat();
}
