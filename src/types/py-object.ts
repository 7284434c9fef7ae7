import { PY_REPR_RECURSIVE, pyRepr } from '../repr.js';
import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REPR } from './protocol.js';
import { PyGlobal } from './py-global.js';
import type { ReprFn } from './py-repr.js';
import type { Tuple } from './tuple.js';

/**
 * How a {@link PyObject} was built, named after the opcode that built it:
 * `reduce` is `callable(*args)`, `newobj` is `cls.__new__(cls, *args)`,
 * `newobj_ex` adds keyword arguments, `inst` and `obj` are the protocol 0 and 1
 * instance opcodes of Python 2's old-style classes.
 */
export type PyObjectKind = 'reduce' | 'newobj' | 'newobj_ex' | 'inst' | 'obj';

/**
 * An instance of a Python class that brine does not reconstruct, kept inert and
 * complete: what was called, with which arguments, and everything the pickle
 * did to it afterwards (BUILD state, list items, dict items, set items).
 * Nothing in it was executed. Dumping it writes the same opcodes back.
 */
export class PyObject {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** The opcode that built the object. */
  kind: PyObjectKind;
  /** What was called: usually a `PyGlobal`, but a pickle may call any value. */
  callable: unknown;
  /** Positional arguments. */
  args: Tuple;
  /** Keyword arguments (`newobj_ex` only), else `null`. */
  kwargs: unknown;
  /** The state given by BUILD (`__setstate__` argument or `__dict__` update), `undefined` when none. */
  state: unknown;
  /** Items appended by APPEND / APPENDS (list subclasses), else `null`. */
  listitems: unknown[] | null;
  /** Key/value pairs set by SETITEM / SETITEMS (dict subclasses), else `null`. */
  dictitems: [unknown, unknown][] | null;
  /** Items added by ADDITEMS (set subclasses), else `null`. */
  setitems: unknown[] | null;
  /**
   * The state setter of a `__reduce__` with six items: the pickle calls
   * `stateSetter(obj, state)` instead of BUILD. `undefined` when BUILD is used.
   */
  stateSetter: unknown;

  constructor(kind: PyObjectKind, callable: unknown, args: Tuple, kwargs: unknown = null) {
    this.kind = kind;
    this.callable = callable;
    this.args = args;
    this.kwargs = kwargs;
    this.state = undefined;
    this.listitems = null;
    this.dictitems = null;
    this.setitems = null;
    this.stateSetter = undefined;
  }

  /**
   * brine's text for an inert instance, never Python's (which would run the
   * class's `__repr__`): `<PyObject newobj module.Class(args) state=...>`,
   * then `listitems=`, `dictitems=`, `setitems=` when the pickle had them.
   */
  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    const callable = this.callable;
    let out = `<PyObject ${this.kind} ${
      callable instanceof PyGlobal ? callable.qualifiedName : repr(callable)
    }(${this.args.map((a) => repr(a)).join(', ')}`;
    if (this.kwargs !== null && this.kwargs !== undefined)
      out += `${this.args.length > 0 ? ', **' : '**'}${repr(this.kwargs)}`;
    out += ')';
    if (this.state !== undefined) out += ` state=${repr(this.state)}`;
    if (this.listitems !== null) out += ` listitems=[${this.listitems.map((v) => repr(v)).join(', ')}]`;
    if (this.dictitems !== null)
      out += ` dictitems={${this.dictitems.map(([k, v]) => `${repr(k)}: ${repr(v)}`).join(', ')}}`;
    if (this.setitems !== null) out += ` setitems={${this.setitems.map((v) => repr(v)).join(', ')}}`;
    return `${out}>`;
  }

  /** An instance met again inside itself. */
  get [PY_REPR_RECURSIVE](): string {
    return '<PyObject ...>';
  }

  /**
   * The class of the instance when the pickle says it: the callable for
   * `newobj`, `newobj_ex`, `inst` and `obj`, and the first argument of
   * `copyreg._reconstructor`, `copyreg.__newobj__` and `copyreg.__newobj_ex__`.
   * For any other `reduce`, the callable (a factory function or a class).
   */
  get cls(): unknown {
    if (this.kind === 'reduce' && isCopyregConstructor(this.callable) && this.args.length > 0)
      return this.args[0];
    return this.callable;
  }
}

function isCopyregConstructor(callable: unknown): boolean {
  if (typeof callable !== 'object' || callable === null) return false;
  const { module, name } = callable as { module?: unknown; name?: unknown };
  return (
    module === 'copyreg' && (name === '_reconstructor' || name === '__newobj__' || name === '__newobj_ex__')
  );
}
