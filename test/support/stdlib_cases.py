"""Standard-library values for brine's round-trip tests.

`make`: prints {case: {protocol: hex}} of CPython's pickles of every case.
`check`: reads {case: {protocol: hex}} (brine's pickles) on stdin and prints,
per case and protocol, whether CPython loads them to a value equal to the
case and whether the bytes are CPython's own.
"""
import array
import collections
import datetime
import decimal
import enum
import fractions
import ipaddress
import json
import pathlib
import pickle
import re
import sys
import types
import uuid
import zoneinfo


class Color(enum.Enum):
    RED = 1
    GREEN = 'g'


class Perm(enum.IntFlag):
    R = 4
    W = 2


Point = collections.namedtuple('Point', 'x y')

UTC = datetime.timezone.utc
PLUS1 = datetime.timezone(datetime.timedelta(hours=1), 'CET')
ODD = datetime.timezone(-datetime.timedelta(hours=5, minutes=30, seconds=15, microseconds=7))
PARIS = zoneinfo.ZoneInfo('Europe/Paris')

CASES = {
    'date': datetime.date(2024, 2, 29),
    'date-min': datetime.date(1, 1, 1),
    'date-max': datetime.date(9999, 12, 31),
    'time': datetime.time(23, 59, 58, 999999),
    'time-tz': datetime.time(1, 2, 3, tzinfo=PLUS1),
    'time-fold': datetime.time(1, 30, fold=1),
    'datetime-naive': datetime.datetime(2020, 1, 2, 3, 4, 5, 6),
    'datetime-utc': datetime.datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    'datetime-named': datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=PLUS1),
    'datetime-odd-offset': datetime.datetime(2000, 6, 1, tzinfo=ODD),
    'datetime-zoneinfo': datetime.datetime(2021, 10, 31, 2, 30, tzinfo=PARIS),
    'datetime-zoneinfo-fold': datetime.datetime(2021, 10, 31, 2, 30, fold=1, tzinfo=PARIS),
    'timedelta': datetime.timedelta(days=-1, seconds=5, microseconds=7),
    'timedelta-max': datetime.timedelta.max,
    'timedelta-zero': datetime.timedelta(0),
    'timezone-utc': UTC,
    'timezone-named': PLUS1,
    'timezone-odd': ODD,
    'zoneinfo': PARIS,
    'decimal': decimal.Decimal('-1.50'),
    'decimal-exp': decimal.Decimal('1.5E+30'),
    'decimal-small': decimal.Decimal('0.0000001'),
    'decimal-nan': decimal.Decimal('NaN'),
    'decimal-snan': decimal.Decimal('-sNaN123'),
    'decimal-inf': decimal.Decimal('-Infinity'),
    'decimal-negzero': decimal.Decimal('-0.00'),
    'decimal-big': decimal.Decimal('123456789012345678901234567890.123456789'),
    'fraction': fractions.Fraction(-3, 4),
    'fraction-int': fractions.Fraction(5),
    'fraction-big': fractions.Fraction(2**80, 3**40),
    'complex': complex(1.5, -2),
    'uuid': uuid.UUID('12345678-1234-5678-1234-567812345678'),
    'uuid-safe': uuid.UUID(int=2**128 - 1, is_safe=uuid.SafeUUID.safe),
    'ordereddict': collections.OrderedDict([('b', 1), ('a', [2]), (3, 'x')]),
    'ordereddict-empty': collections.OrderedDict(),
    'defaultdict': collections.defaultdict(list, {'a': [1], 'b': []}),
    'defaultdict-none': collections.defaultdict(None, {1: 2}),
    'defaultdict-int': collections.defaultdict(int, {'x': 3}),
    'deque': collections.deque([1, 'two', (3,)]),
    'deque-maxlen': collections.deque([1, 2, 3], maxlen=5),
    'counter': collections.Counter('abracadabra'),
    'namedtuple': Point(1, [2]),
    'enum': Color.RED,
    'enum-str': Color.GREEN,
    'intflag': Perm.R,
    'intflag-combo': Perm.R | Perm.W,
    'range': range(1, 10, 3),
    'range-big': range(0, 2**70, 2**60),
    'slice': slice(1, None, -1),
    'array-i': array.array('i', [1, -2, 2**31 - 1]),
    'array-B': array.array('B', b'\x00\xff'),
    'array-d': array.array('d', [1.5, -0.0, float('inf')]),
    'array-f': array.array('f', [0.5, 2.0]),
    'array-q': array.array('q', [-2**63, 2**63 - 1]),
    'array-Q': array.array('Q', [2**64 - 1]),
    'array-l': array.array('l', [7]),
    'array-u': array.array('u', 'h\u00e9\U0001f600'),
    'array-h-empty': array.array('h'),
    'ipv4': ipaddress.IPv4Address('192.168.0.1'),
    'ipv6': ipaddress.IPv6Address('2001:db8::1'),
    'ipv6-scoped': ipaddress.IPv6Address('fe80::1%eth0'),
    'ipv4-network': ipaddress.IPv4Network('10.0.0.0/8'),
    'ipv6-network': ipaddress.IPv6Network('2001:db8::/32'),
    'ipv4-interface': ipaddress.IPv4Interface('10.1.2.3/24'),
    'ipv6-interface': ipaddress.IPv6Interface('::1/128'),
    'purepath': pathlib.PurePosixPath('/usr/lib/x.so'),
    'posixpath': pathlib.PosixPath('rel/dir'),
    'windowspath': pathlib.PureWindowsPath('C:/Users/me'),
    'pattern': re.compile(r'(?P<word>\w+)\s*=', re.I | re.M),
    'pattern-bytes': re.compile(rb'^\x00+$'),
    'namespace': types.SimpleNamespace(a=1, b=[2, 3]),
    'namespace-empty': types.SimpleNamespace(),
    'valueerror': ValueError('bad value', 2),
    'keyerror': KeyError('k'),
    'oserror': OSError(2, 'No such file', 'f.txt'),
    'exception-empty': Exception(),
    'stopiteration': StopIteration(5),
}


def _exception_with_notes():
    e = RuntimeError('x')
    e.add_note('a note')
    return e


CASES['exception-notes'] = _exception_with_notes()


def same(a, b, protocol=5):
    if isinstance(a, BaseException):
        # __reduce__ reads the instance dict without creating it (touching __dict__ would, and change the pickle).
        return type(a) is type(b) and a.__reduce__() == b.__reduce__()
    if isinstance(a, decimal.Decimal):
        return type(b) is decimal.Decimal and str(a) == str(b)
    if isinstance(a, datetime.datetime) or isinstance(a, datetime.time):
        # fold is pickled from protocol 4 on
        fold_ok = a.fold == b.fold or protocol < 4
        return type(a) is type(b) and a.replace(fold=0) == b.replace(fold=0) and fold_ok and a.tzinfo == b.tzinfo
    if isinstance(a, collections.deque):
        return type(b) is collections.deque and list(a) == list(b) and a.maxlen == b.maxlen
    if isinstance(a, collections.defaultdict):
        return type(b) is collections.defaultdict and a == b and a.default_factory is b.default_factory
    if isinstance(a, types.SimpleNamespace):
        return type(b) is types.SimpleNamespace and vars(a) == vars(b)
    if isinstance(a, array.array):
        return type(b) is array.array and a.typecode == b.typecode and a.tobytes() == b.tobytes()
    if isinstance(a, complex):
        return type(b) is complex and repr(a) == repr(b)
    return type(a) is type(b) and a == b and (list(a) == list(b) if isinstance(a, dict) else True)


def main():
    if sys.argv[1] == 'make':
        out = {name: {p: pickle.dumps(v, p).hex() for p in range(6)} for name, v in CASES.items()}
        out = {'pickles': out, 'repr': {name: repr(v) for name, v in CASES.items()}, 'str': {name: str(v) for name, v in CASES.items()}}
        sys.stdout.write(json.dumps(out))
        return
    given = json.load(sys.stdin)
    report = {}
    for name, per in given.items():
        report[name] = {}
        for p, hexdata in per.items():
            data = bytes.fromhex(hexdata)
            try:
                value = pickle.loads(data)
                equal = same(CASES[name], value, int(p))
                error = None
            except Exception as e:  # noqa: BLE001
                equal, error = False, f'{type(e).__name__}: {e}'
            report[name][p] = {
                'equal': equal,
                'identical': data == pickle.dumps(CASES[name], int(p)),
                'error': error,
            }
    sys.stdout.write(json.dumps(report))


if __name__ == '__main__':
    main()
