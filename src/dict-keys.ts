/**
 * Plain-object dicts: which string keys a JS object keeps in insertion order,
 * and how to store a key without ever reaching a prototype. Shared by the
 * loader (which makes such dicts) and the JSON view (which writes them).
 *
 * @module
 */

/** True when JS would treat `key` as an array index (and so move it ahead of the other keys of an object). */
export function isArrayIndexKey(key: string): boolean {
  const n = key.length;
  if (n === 0 || n > 10) return false;
  const c0 = key.charCodeAt(0);
  if (c0 < 0x30 || c0 > 0x39) return false;
  if (n === 1) return true;
  if (c0 === 0x30) return false;
  for (let i = 1; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(key) <= 4294967294;
}

/** Stores `key: value` in a plain-object dict without ever reaching a prototype (`__proto__` is an own property). */
export function defineKey<T>(dict: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(dict, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    dict[key] = value;
  }
}

const fieldDescriptor: PropertyDescriptor = {
  value: undefined,
  writable: true,
  enumerable: true,
  configurable: true,
};

/** As {@link defineKey}, through `Object.defineProperty`. */
export function defineField<T>(dict: Record<string, T>, key: string, value: T): void {
  fieldDescriptor.value = value;
  Object.defineProperty(dict, key, fieldDescriptor);
  fieldDescriptor.value = undefined;
}
