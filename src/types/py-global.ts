import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REPR } from './protocol.js';

/**
 * A Python global (a class, function or other module attribute) that a pickle
 * names and brine does not reconstruct. It is inert: nothing is imported or
 * called. Dumping it writes the same `module.name` reference back.
 */
export class PyGlobal {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** The module, after the Python 2 name mapping (`__builtin__` -> `builtins`) when it applies. */
  readonly module: string;
  /** The attribute name; dotted for nested classes (`Outer.Inner`). */
  readonly name: string;
  constructor(module: string, name: string) {
    this.module = module;
    this.name = name;
  }
  /** `module.name`, as Python spells the qualified name. */
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
  toString(): string {
    return this.qualifiedName;
  }
  /** brine's text for a class or function it never imported: `<global module.name>`. */
  [PY_REPR](): string {
    return `<global ${this.qualifiedName}>`;
  }
}

/** `copyreg._reconstructor`: how `object.__reduce_ex__` creates an instance below protocol 2. */
export const G_RECONSTRUCTOR: PyGlobal = /* @__PURE__ */ new PyGlobal('copyreg', '_reconstructor');

/** `builtins.object`: the base class `copyreg._reconstructor` is given for a plain instance. */
export const G_OBJECT: PyGlobal = /* @__PURE__ */ new PyGlobal('builtins', 'object');

/** `builtins.getattr`: how a pickle names a method or a nested attribute (`getattr(cls, name)`). */
export const G_GETATTR: PyGlobal = /* @__PURE__ */ new PyGlobal('builtins', 'getattr');
