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
 * @module
 */

import type { Reconstructor } from '../reconstruct.js';
import { PyGlobal } from '../types/py-global.js';

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

/** The form a reconstructed attribute was read in: `getattr(owner, attribute)`. @internal */
export interface GetattrForm {
  readonly owner: PyGlobal;
  readonly attribute: string;
}

/** Values the current load got from `getattr` through a registered owner (enum members), with their form. */
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
        if (typeof value === 'object' && value !== null) {
          forms ??= new Map();
          forms.set(value, { owner, attribute });
        }
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
