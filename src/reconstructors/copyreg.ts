/**
 * `copyreg`'s object constructors, which pickles use to create instances of
 * classes: `_reconstructor` (protocols 0 and 1), `__newobj__` and
 * `__newobj_ex__` (what NEWOBJ and NEWOBJ_EX mean, written as calls).
 * An instance of a class the registry constructs is built through the
 * registry; any other stays an inert `PyObject` that records the call.
 *
 * @module
 */
import type { ReconstructContext, ReconstructorTable } from '../reconstruct.js';
import { PyGlobal } from '../types/py-global.js';
import { EMPTY_TUPLE, isTuple, markTuple, type Tuple } from '../types/tuple.js';
import { table } from './shared.js';

/** The default: keep the call to the copyreg function, inert. */
function keep(args: Tuple, context: ReconstructContext): unknown {
  return context.inert('reduce', context.global, args);
}

/** copyreg's object constructors, as a table for a registry. */
export const copyreg: ReconstructorTable = /* @__PURE__ */ table('copyreg', () => [
  [
    'copyreg',
    '_reconstructor',
    {
      // _reconstructor(cls, base, state): object.__new__(cls) when base is object.
      call(args, context) {
        const [cls, base, state] = args;
        if (args.length === 3 && base instanceof PyGlobal && base.module === 'builtins') {
          if (base.name === 'object' && state === null) {
            const made = context.construct(cls, EMPTY_TUPLE, null);
            if (made !== undefined) return made;
          }
          // tuple.__new__(cls, state): a tuple subclass (named tuples) gets its items as arguments.
          if (base.name === 'tuple' && isTuple(state)) {
            const made = context.construct(cls, state, null);
            if (made !== undefined) return made;
          }
          // dict.__init__(obj, state) / list.__init__(obj, state): a subclass filled with the base's items.
          if (
            (base.name === 'dict' && state instanceof Map) ||
            (base.name === 'list' && Array.isArray(state))
          ) {
            const made = context.construct(cls, EMPTY_TUPLE, null);
            if (made instanceof Map) {
              for (const [k, v] of state as Map<unknown, unknown>) made.set(k, v);
              return made;
            }
            if (Array.isArray(made) && !Object.isFrozen(made)) {
              for (const item of state as unknown[]) made.push(item);
              return made;
            }
          }
          if (
            base.name === 'dict' &&
            typeof state === 'object' &&
            state !== null &&
            Object.getPrototypeOf(state) === Object.prototype
          ) {
            const made = context.construct(cls, EMPTY_TUPLE, null);
            if (made instanceof Map) {
              for (const [k, v] of Object.entries(state)) made.set(k, v);
              return made;
            }
          }
        }
        return keep(args, context);
      },
    },
  ],
  [
    'copyreg',
    '__newobj__',
    {
      // __newobj__(cls, *args) == cls.__new__(cls, *args)
      call(args, context) {
        if (args.length >= 1) {
          const made = context.construct(args[0], markTuple(args.slice(1)), null);
          if (made !== undefined) return made;
        }
        return keep(args, context);
      },
    },
  ],
  [
    'copyreg',
    '__newobj_ex__',
    {
      // __newobj_ex__(cls, args, kwargs) == cls.__new__(cls, *args, **kwargs)
      call(args, context) {
        const [cls, positional, kwargs] = args;
        if (args.length === 3 && isTuple(positional)) {
          const made = context.construct(cls, positional, kwargs);
          if (made !== undefined) return made;
        }
        return keep(args, context);
      },
    },
  ],
]);
