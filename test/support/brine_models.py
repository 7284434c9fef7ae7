"""Application classes for brine's registry tests: every way a Python class
controls its pickling. `make` prints {case: {protocol: hex}}; `check` reads
{case: {protocol: hex}} on stdin and says whether each loads equal to the case.
"""
import dataclasses
import json
import pickle
import sys


class Base:
    __slots__ = ()

    def __eq__(self, other):
        return type(self) is type(other) and self._fields() == other._fields()

    def _fields(self):
        slots = [s for c in type(self).__mro__ for s in getattr(c, '__slots__', ())]
        return (getattr(self, '__dict__', None), {s: getattr(self, s, None) for s in slots})


class Point(Base):
    def __init__(self, x, y):
        self.x, self.y = x, y


class Slotted(Base):
    __slots__ = ('x', 'y')

    def __init__(self, x, y):
        self.x, self.y = x, y


class Mixed(Base):
    __slots__ = ('s', '__dict__')

    def __init__(self, s, d):
        self.s, self.d = s, d


class WithState(Base):
    def __init__(self, a, b):
        self.a, self.b = a, b

    def __getstate__(self):
        return (self.a, self.b)

    def __setstate__(self, state):
        self.a, self.b = state


def make_r2(a):
    return R2(a)


class R2(Base):
    def __init__(self, a):
        self.a = a

    def __reduce__(self):
        return (make_r2, (self.a,))


class R3(Base):
    def __init__(self, a, extra=None):
        self.a, self.extra = a, extra

    def __reduce__(self):
        return (R3, (self.a,), {'extra': self.extra})


class R4(Base):
    def __init__(self, items=()):
        self.items = list(items)

    def extend(self, items):
        self.items.extend(items)

    def __reduce__(self):
        return (R4, (), None, iter(self.items))


class R5(Base):
    def __init__(self, d=None):
        self.d = dict(d or {})

    def __setitem__(self, k, v):
        self.d[k] = v

    def __reduce__(self):
        return (R5, (), None, None, iter(self.d.items()))


def set_r6(obj, state):
    obj.v = state['v']


class R6(Base):
    def __init__(self, v=None):
        self.v = v

    def __reduce__(self):
        return (R6, (), {'v': self.v}, None, None, set_r6)


class Singleton:
    def __reduce__(self):
        return 'SINGLETON'


SINGLETON = Singleton()


class NewArgsEx(Base):
    def __new__(cls, a, *, b):
        obj = object.__new__(cls)
        obj.a, obj.b = a, b
        return obj

    def __getnewargs_ex__(self):
        return ((self.a,), {'b': self.b})


@dataclasses.dataclass
class DC:
    name: str
    tags: list


@dataclasses.dataclass(frozen=True)
class FrozenDC:
    x: int
    y: float


class DictSub(dict):
    def __eq__(self, other):
        return type(other) is DictSub and dict(self) == dict(other) and vars(self) == vars(other)


class ListSub(list):
    def __eq__(self, other):
        return type(other) is ListSub and list(self) == list(other) and vars(self) == vars(other)


class SetSub(set):
    def __eq__(self, other):
        return type(other) is SetSub and set(self) == set(other) and vars(self) == vars(other)


def _with(obj, **attrs):
    for k, v in attrs.items():
        setattr(obj, k, v)
    return obj


CASES = {
    'point': Point(1, 'two'),
    'slotted': Slotted(1, [2]),
    'mixed': Mixed('s', {'k': 1}),
    'withstate': WithState(1, (2, 3)),
    'r2': R2('a'),
    'r3': R3(5, extra=[1]),
    'r4': R4([1, 2, 3]),
    'r5': R5({'a': 1, 2: 'b'}),
    'r6': R6({'x': 1}),
    'singleton': SINGLETON,
    'newargsex': NewArgsEx(1, b='bee'),
    'dataclass': DC('n', ['t']),
    'frozen': FrozenDC(1, 2.5),
    'dictsub': _with(DictSub(a=1, b=[2]), note='n'),
    'listsub': _with(ListSub([1, 'x']), note='n'),
    'setsub': _with(SetSub([1, 2]), note='n'),
    'nested': [Point(1, 2), {'p': Point(3, 4)}],
}


def _self_dict():
    d = _with(DictSub(a=1), note='n')
    d['b'] = [d]
    return d


def _self_list():
    items = _with(ListSub([1]), note='n')
    items.append([items])
    return items


CASES['selfdict'] = _self_dict()
CASES['selflist'] = _self_list()


def _equal(name, value):
    if name == 'singleton':
        return value is SINGLETON
    if name == 'selfdict':  # == would recurse forever on a structure that contains itself
        return type(value) is DictSub and value['a'] == 1 and value['b'][0] is value and vars(value) == {'note': 'n'}
    if name == 'selflist':
        return type(value) is ListSub and value[0] == 1 and value[1][0] is value and vars(value) == {'note': 'n'}
    return value == CASES[name]


def main():
    if sys.argv[1] == 'make':
        out = {}
        for name, value in CASES.items():
            out[name] = {}
            for p in range(6):
                try:
                    out[name][p] = pickle.dumps(value, p).hex()
                except (TypeError, RecursionError):
                    pass  # e.g. __slots__ without __getstate__ below protocol 2: Python cannot pickle it
        sys.stdout.write(json.dumps(out))
        return
    report = {}
    for name, per in json.load(sys.stdin).items():
        report[name] = {}
        for p, hexdata in per.items():
            data = bytes.fromhex(hexdata)
            try:
                value = pickle.loads(data)
                ok = _equal(name, value)
                report[name][p] = {'equal': ok, 'identical': data == pickle.dumps(CASES[name], int(p)), 'error': None if ok else repr(value)}
            except Exception as e:  # noqa: BLE001
                report[name][p] = {'equal': False, 'identical': False, 'error': f'{type(e).__name__}: {e}'}
    sys.stdout.write(json.dumps(report))


if __name__ == '__main__':
    sys.path.insert(0, __file__.rsplit('/', 1)[0])
    import brine_models  # the classes must be importable by this name for pickle

    brine_models.main()
