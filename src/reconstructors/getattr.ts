/**
 * `getattr(owner, name)`: how a pickle names an attribute of a class. CPython
 * writes it for a nested class below protocol 4 (`getattr(Outer, 'Inner')`),
 * for a classmethod or a method of a built-in type at every protocol
 * (`getattr(dict, 'fromkeys')`), and, from Python 3.11.2 to 3.11.4, for every
 * enum member (`getattr(Status, 'ACTIVE')`).
 *
 * Only a static lookup of a name on a global is accepted: a registered
 * owner's `attribute` hook answers first (an enum declared with `defineEnum`
 * gives its member), then a registered dotted global `Owner.name`; anything
 * else stays inert, as a {@link GetattrGlobal} that dumps back in the getattr
 * form it was read in.
 *
 * `_operator.or_(a, b)`: how Python 3.11.2 to 3.11.4 pickle a combination
 * of Flag members (`Perm.R | Perm.W`), each operand a member or a combination
 * pickled the same way. Only members of an enum registered with
 * `registerEnum` are combined (their values' bitwise or, which the enum's
 * own reconstructor turns into its member or a nameless value); any other
 * operands leave the call inert: `or_` is never applied to anything else.
 *
 * @module
 */

import type { Reconstructor } from '../reconstruct.js';
import { PyEnum, setEnumForm } from '../types/enum.js';
import { G_GETATTR, PyGlobal } from '../types/py-global.js';
import { tuple } from '../types/tuple.js';

/**
 * An attribute of a global, read as `getattr(owner, name)` and not
 * reconstructed: a `PyGlobal` named `Owner.name` (so it reads and compares
 * like the dotted global) that dumps back as the same `getattr` call, at
 * every protocol, where a plain dotted `PyGlobal` is written as a
 * STACK_GLOBAL at protocol 4 and 5.
 * @internal
 */
export class GetattrGlobal extends PyGlobal {
  /** The object whose attribute this is. */
  readonly owner: PyGlobal;
  /** The attribute's name. */
  readonly attribute: string;
  constructor(owner: PyGlobal, attribute: string) {
    super(owner.module, `${owner.name}.${attribute}`);
    this.owner = owner;
    this.attribute = attribute;
  }
}

function quote(text: string): string {
  return `'${text.replace(/[\\']/g, '\\$&')}'`;
}

/** The strict-mode refusal of `getattr(owner, name)`, with what to register. */
function refusal(owner: PyGlobal, attribute: string, enumMember: boolean): string {
  const { module, name } = owner;
  const dotted = `${module}.${name}.${attribute}`;
  if (enumMember) {
    return `getattr(${module}.${name}, ${quote(attribute)}) is not allowed in strict mode: the enum ${module}.${name} registered with registerEnum has no member ${quote(attribute)}; add it to defineEnum(${quote(module)}, ${quote(name)}, { ... }), or load it inert with allowGlobals: [${quote(dotted)}]`;
  }
  const short = name.slice(name.lastIndexOf('.') + 1);
  const jsName = /^[A-Za-z_$][\w$]*$/.test(short) ? short : 'YourEnum';
  return `getattr(${module}.${name}, ${quote(attribute)}) is not allowed in strict mode: it is the attribute ${quote(attribute)} of ${module}.${name} (an enum member, a nested class or a method); for an enum, declare it with \`const ${jsName} = defineEnum(${quote(module)}, ${quote(name)}, { ${/^[A-Za-z_$][\w$]*$/.test(attribute) ? attribute : quote(attribute)}: ... })\` and \`registry.registerEnum(${jsName})\`, for a nested class register ${quote(`${module}.${name}.${attribute}`)}, or load it inert with allowGlobals: [${quote(dotted)}]`;
}

/**
 * The form a reconstructed value that is a shared object (an enum's member)
 * was read in, which `dumps` of the loaded value writes again:
 * `getattr(owner, attribute)`, or `_operator.or_(a, b)` of Flag members.
 * @internal
 */
export interface GetattrForm {
  readonly callable: PyGlobal;
  readonly args: readonly unknown[];
}

/** Values the current load got from `getattr` (or `or_`) through a registered owner (enum members), with their form. */
let forms: Map<object, GetattrForm> | null = null;

/**
 * Takes the values the load that just ran read through `getattr` (and starts
 * a new collection); give the previous collection back with
 * {@link restoreGetattrForms} when a load ends (loads may nest). @internal
 */
export function takeGetattrForms(): Map<object, GetattrForm> | null {
  const taken = forms;
  forms = null;
  return taken;
}

function remember(value: object, callable: PyGlobal, args: readonly unknown[]): void {
  forms ??= new Map();
  forms.set(value, { callable, args });
}

/** @internal */
export function restoreGetattrForms(saved: Map<object, GetattrForm> | null): void {
  forms = saved;
}

/** `builtins.getattr`, as the table of built-in types holds it. */
export const getattrReconstructor: Reconstructor = {
  call(args, context) {
    const [owner, attribute] = args;
    if (
      args.length !== 2 ||
      !(owner instanceof PyGlobal) ||
      typeof attribute !== 'string' ||
      attribute === ''
    ) {
      return context.inert('reduce', context.global, args);
    }
    const registered = context.registry.get(owner.module, owner.name);
    let enumMember = false;
    if (registered?.attribute !== undefined) {
      const value = registered.attribute(attribute, context);
      if (value !== undefined) {
        // Remembered so that the value dumps back in this form (byte identity), not the owner's usual one.
        if (typeof value === 'object' && value !== null) remember(value, G_GETATTR, [owner, attribute]);
        return value;
      }
      enumMember = true;
    }
    const dotted = `${owner.name}.${attribute}`;
    // Registered dotted names (a nested class) resolve as a global; the strict mode and allow-list apply.
    const value = context.resolve(owner.module, dotted, refusal(owner, attribute, enumMember));
    if (context.registry.has(owner.module, dotted) || !(value instanceof PyGlobal)) return value;
    return new GetattrGlobal(owner, attribute);
  },
};

const G_OR = /* @__PURE__ */ new PyGlobal('_operator', 'or_');

/** An int value as a bigint (a bool is not one here), else `undefined`. */
function intOf(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return undefined;
}

/**
 * `_operator.or_(a, b)` of a registered Flag: `a` a member (or combination)
 * of an enum the registry declares, `b` another of the same enum or an int
 * (the bits no member names, `or_(Perm(4), 8)`). The result is what the
 * enum's reconstructor gives for the combined value: the declared member
 * with that value, or a nameless {@link PyEnum}. It dumps back as this call.
 */
export const operatorOrReconstructor: Reconstructor = {
  call(args, context) {
    const [a, b] = args;
    if (args.length !== 2 || !(a instanceof PyEnum)) return context.inert('reduce', context.global, args);
    const cls = a.enumClass;
    const sameClass =
      b instanceof PyEnum && b.enumClass.module === cls.module && b.enumClass.name === cls.name;
    const left = intOf(a.value);
    const right = sameClass ? intOf(b.value) : b instanceof PyEnum ? undefined : intOf(b);
    const enumReconstructor = context.registry.get(cls.module, cls.name);
    if (left === undefined || right === undefined || enumReconstructor?.call === undefined)
      return context.inert('reduce', context.global, args);
    const bits = left | right;
    const value = bits >= -0x1fffffffffffffn && bits <= 0x1fffffffffffffn ? Number(bits) : bits;
    const result = enumReconstructor.call(tuple(value), context);
    if (!(result instanceof PyEnum)) return context.inert('reduce', context.global, args);
    // A nameless value is a new object: it carries its form. A declared member is shared: the load remembers it.
    if (result.name === null) setEnumForm(result, G_OR, [a, b]);
    else remember(result, G_OR, [a, b]);
    return result;
  },
};
