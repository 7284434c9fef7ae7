"""User subclasses of standard-library types, in a module of their own, for
brine's round-trip tests: unregistered, each must load inert (not as its
base class) and re-dump to a pickle python3 loads equal.
"""
import collections
import datetime
import decimal
import enum


class MyOrderedDict(collections.OrderedDict):
    pass


class MyDefaultDict(collections.defaultdict):
    pass


class MyCounter(collections.Counter):
    pass


class MyDeque(collections.deque):
    pass


class MyDecimal(decimal.Decimal):
    pass


class MyDateTime(datetime.datetime):
    pass


class MyDate(datetime.date):
    pass


class MyTimeDelta(datetime.timedelta):
    pass


class MyTzInfo(datetime.tzinfo):
    """A tzinfo of its own: pickled as a plain instance."""

    def __init__(self, hours=0):
        self.hours = hours

    def utcoffset(self, dt):
        return datetime.timedelta(hours=self.hours)

    def __eq__(self, other):
        return type(other) is MyTzInfo and other.hours == self.hours

    def __hash__(self):
        return hash(self.hours)


class Shade(enum.IntEnum):
    DARK = 1
    LIGHT = 2


class Mode(enum.Flag):
    R = 1
    W = 2


class Point(collections.namedtuple('Point', 'x y')):
    __slots__ = ()

    def norm(self):
        return abs(self.x) + abs(self.y)


class AppError(ValueError):
    pass


class AppErrorWithInit(Exception):
    def __init__(self, code, detail='none'):
        super().__init__(code)
        self.code = code
        self.detail = detail

    def __reduce__(self):
        return (type(self), (self.code, self.detail), self.__dict__)
