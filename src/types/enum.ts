/**
 * Python `enum` members. Python pickles a member as its class called with its
 * value (`Color(1)`); brine cannot know which classes are enums, so an enum
 * class is declared once with {@link defineEnum} and registered
 * (`registry.registerEnum`).
 *
 * @module
 */

import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REDUCE, PY_REPR, type Reduction } from './protocol.js';
import { PyGlobal } from './py-global.js';
import { pyRepr, type ReprFn } from './py-repr.js';

/**
 * One member of a Python enum (or a value of it that is not a named member,
 * such as a Flag combination). `V` and `N` are the member's value and name
 * types: a member of a class declared with {@link defineEnum} has them from
 * its declaration (`Color.members.RED.value` is `1`).
 */
export class PyEnum<V = unknown, N extends string = string> {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** The enum class. */
  readonly enumClass: PyGlobal;
  /** The member's name, or `null` for a value with no member of its own. */
  readonly name: N | null;
  /** The member's value (`_value_`). */
  readonly value: V;

  constructor(enumClass: PyGlobal, name: N | null, value: V) {
    this.enumClass = enumClass;
    this.name = name;
    this.value = value;
    Object.freeze(this);
  }

  /** `Color.RED`; a Flag combination `Perm.R|W`, as Python's `str`. */
  toString(): string {
    const cls = this.enumClass.name.slice(this.enumClass.name.lastIndexOf('.') + 1);
    const name = this.name ?? flagNames.get(this);
    return name === undefined ? `${cls}(${pyRepr(this.value)})` : `${cls}.${name}`;
  }

  /** The member's value, so that int and str enums compare like their values. */
  valueOf(): V {
    return this.value;
  }

  toJSON(): V {
    return this.value;
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    const cls = this.enumClass.name.slice(this.enumClass.name.lastIndexOf('.') + 1);
    const name = this.name ?? flagNames.get(this);
    // Python: <Perm.R: 4>, a combination <Perm.R|W: 6>, a value no member's bit is in <Perm: 0>.
    return `<${cls}${name === undefined ? '' : `.${name}`}: ${repr(this.value)}>`;
  }

  [PY_REDUCE](): Reduction {
    // The form a loaded Flag combination was read in (`_operator.or_(a, b)`), else Enum.__reduce_ex__: (cls, (value,))
    return forms.get(this) ?? { callable: this.enumClass, args: [this.value] };
  }
}

/** The names Python gives nameless Flag values (`R|W`, `R|8`), from {@link flagValue}. */
const flagNames = /* @__PURE__ */ new WeakMap<PyEnum, string>();

/**
 * A value of `enumClass` with no member of its own (a Flag combination such
 * as `Perm.R | Perm.W`): a nameless {@link PyEnum} whose repr names the
 * single-bit members in it, in their declaration order, then the bits no
 * member names (`<Perm.R|W: 6>`, `<Perm.R|8: 12>`), as Python's Flag does;
 * `<Perm: 0>` when no member's bit is set. @internal
 */
export function flagValue(enumClass: EnumClass, value: unknown): PyEnum {
  const result = new PyEnum(enumClass.pyClass, null, value);
  const bits =
    typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value as number) : -1n;
  if (bits <= 0n) return result;
  const names: string[] = [];
  let known = 0n;
  for (const member of Object.values(enumClass.members) as PyEnum[]) {
    const v = member.value;
    const bit = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v as number) : 0n;
    // Single-bit members only (multi-bit ones are aliases Python leaves out), each bit once.
    if (bit <= 0n || (bit & (bit - 1n)) !== 0n || (bits & bit) === 0n || (known & bit) !== 0n) continue;
    names.push(member.name as string);
    known |= bit;
  }
  if (known === 0n) return result;
  if (bits !== known) names.push(String(bits ^ known));
  flagNames.set(result, names.join('|'));
  return result;
}

/** How loaded nameless values were written, where it was not `Class(value)` (Flag combinations of Python 3.11.2-3.11.4). */
const forms = /* @__PURE__ */ new WeakMap<PyEnum, Reduction>();

/** Keeps the reduction a loaded nameless value was read from, which `dumps` writes again. @internal */
export function setEnumForm(value: PyEnum, callable: PyGlobal, args: readonly unknown[]): void {
  forms.set(value, { callable, args });
}

/**
 * A Python enum class declared in JS: its members by name, and lookup by
 * value. `Names` are the member names and `Values` their values by name, as
 * {@link defineEnum} infers them from the declaration.
 */
export interface EnumClass<
  Names extends string = string,
  Values extends { readonly [N in Names]: unknown } = { readonly [N in Names]: unknown },
> {
  /** The Python class. */
  readonly pyClass: PyGlobal;
  /** The members by name. */
  readonly members: { readonly [N in Names]: PyEnum<Values[N], N> };
  /** The member with this value (the first, as Python's aliases), or `undefined`. */
  of(value: unknown): EnumMember<Names, Values> | undefined;
  /**
   * True when `value` is one of the named members (a loaded member is the
   * very object of `members`): narrows a loaded value to this enum's members.
   */
  isMember(value: unknown): value is EnumMember<Names, Values>;
}

/** Any named member of an enum class: `PyEnum<1, 'RED'> | PyEnum<2, 'GREEN'>`. */
export type EnumMember<
  Names extends string = string,
  Values extends { readonly [N in Names]: unknown } = { readonly [N in Names]: unknown },
> = { [N in Names]: PyEnum<Values[N], N> }[Names];

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    try {
      return BigInt(a as bigint) === BigInt(b as bigint);
    } catch {
      return false;
    }
  }
  return Object.is(a, b) || a === b;
}

/**
 * Declares a Python enum class: `defineEnum('myapp.colors', 'Color', { RED: 1,
 * GREEN: 2 })`. A TypeScript enum object works too (its reverse mappings are
 * skipped). Register it with `registry.registerEnum(Color)` so that pickled
 * members load as these {@link PyEnum} members; members dump as `Color(value)`.
 *
 * @example
 * ```ts
 * import { defineEnum, Registry, dumps, loads } from 'brine';
 * const Color = defineEnum('myapp.colors', 'Color', { RED: 1, GREEN: 2 });
 * const registry = new Registry().registerEnum(Color);
 * loads(dumps(Color.members.RED), { registry }) === Color.members.RED; // true
 * ```
 */
export function defineEnum<const M extends Record<string, unknown>>(
  module: string,
  name: string,
  members: M,
): EnumClass<Extract<keyof M, string>, { readonly [N in Extract<keyof M, string>]: M[N] }> {
  const pyClass = new PyGlobal(module, name);
  const table: Record<string, PyEnum> = {};
  const list: PyEnum[] = [];
  for (const [key, value] of Object.entries(members)) {
    // A TypeScript numeric enum maps values back to names: skip those entries.
    if (/^-?\d+$/.test(key) && typeof value === 'string' && members[value] === Number(key)) continue;
    const member = new PyEnum(pyClass, key, value);
    table[key] = member;
    list.push(member);
  }
  type Names = Extract<keyof M, string>;
  type Member = EnumMember<Names, { readonly [N in Names]: M[N] }>;
  return Object.freeze({
    pyClass,
    members: Object.freeze(table) as unknown as { readonly [N in Names]: PyEnum<M[N], N> },
    of: (value: unknown) => list.find((m) => sameValue(m.value, value)) as Member | undefined,
    isMember: (value: unknown): value is Member => list.includes(value as PyEnum),
  });
}
