"""More standard-library values for brine's round trips: edge values of every
type brine reconstructs, shared and recursive ones, and user subclasses
(stdlib_subclasses.py) that must load inert.

`make`: prints {case: {protocol: hex}} of CPython's pickles of every case.
`check`: reads {case: {protocol: hex}} (brine's pickles) on stdin and prints,
per case and protocol, whether CPython loads them to a value equal to the
case and whether the bytes are CPython's own.
"""
import array
import collections
import datetime
import decimal
import fractions
import ipaddress
import json
import math
import pathlib
import pickle
import re
import struct
import sys
import types
import uuid
import zoneinfo

import stdlib_subclasses as sub

D = datetime
TD = datetime.timedelta


def tz(**kwargs):
    return datetime.timezone(TD(**kwargs))


def nan_with(bits):
    return struct.unpack('<d', struct.pack('<Q', bits))[0]


CASES = {
    # datetime: edge years, maximum microseconds, negative and sub-minute offsets
    'date-1': D.date(1, 1, 1),
    'date-9999': D.date(9999, 12, 31),
    'datetime-min': D.datetime.min,
    'datetime-max': D.datetime.max,
    'datetime-1-utc': D.datetime(1, 1, 1, tzinfo=D.timezone.utc),
    'datetime-9999-west': D.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=tz(hours=-23, minutes=-59)),
    'datetime-submin': D.datetime(2000, 1, 1, tzinfo=tz(seconds=30)),
    'datetime-neg-us': D.datetime(2000, 1, 1, tzinfo=tz(microseconds=-1)),
    'datetime-fold-utc': D.datetime(2000, 1, 1, fold=1, tzinfo=D.timezone.utc),
    'datetime-zoneinfo-utc': D.datetime(2022, 2, 2, tzinfo=zoneinfo.ZoneInfo('UTC')),
    'datetime-nocache': D.datetime(2022, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo.no_cache('America/New_York')),
    'datetime-custom-tz': D.datetime(2022, 7, 1, tzinfo=sub.MyTzInfo(3)),
    'time-max': D.time.max,
    'time-min': D.time.min,
    'time-submin': D.time(12, tzinfo=tz(seconds=-59, microseconds=-999999)),
    'time-fold-tz': D.time(1, fold=1, tzinfo=tz(hours=5)),
    'timedelta-min': TD.min,
    'timedelta-max': TD.max,
    'timedelta-resolution': TD.resolution,
    'timedelta-neg-us': TD(microseconds=-1),
    'timedelta-big': TD(days=10**8, seconds=12345),
    'timezone-min': D.timezone.min,
    'timezone-max': D.timezone.max,
    'timezone-named-empty': D.timezone(TD(0), ''),
    'timezone-named-odd': D.timezone(TD(hours=-3), '\u00e9\x00\U0001f600'),
    'timezone-utc-named': D.timezone(TD(0), 'UTC'),
    'zoneinfo-nocache': zoneinfo.ZoneInfo.no_cache('Asia/Tokyo'),
    # decimal: huge exponents and long payloads
    'decimal-emax': decimal.Decimal('1E+999999999999999999'),
    'decimal-etiny': decimal.Decimal('1E-1999999999999999997'),
    'decimal-exp-2e9': decimal.Decimal('-7E+2000000000'),
    'decimal-long': decimal.Decimal('9' * 1000 + '.' + '1' * 1000),
    'decimal-long-exp': decimal.Decimal('1' * 300 + 'E-5000'),
    'decimal-negzero-exp': decimal.Decimal('-0E-1000'),
    'decimal-zero-posexp': decimal.Decimal('0E+5'),
    'decimal-nan-payload': decimal.Decimal('NaN' + '1234567890' * 5),
    'decimal-snan-neg': decimal.Decimal('-sNaN'),
    'decimal-inf': decimal.Decimal('Infinity'),
    'decimal-tiny': decimal.Decimal('1.000000000000000000000000000000000001'),
    'decimal-e-minus6': decimal.Decimal('0.000001'),
    'decimal-e-minus7': decimal.Decimal('0.0000001'),
    'decimal-int-trailing': decimal.Decimal('100E+2'),
    # fractions with huge terms
    'fraction-huge': fractions.Fraction(3**5000 + 1, 7**3000),
    'fraction-neg-huge': fractions.Fraction(-(10**4000) - 1, 2**60),
    'fraction-zero': fractions.Fraction(0),
    'fraction-one-over-big': fractions.Fraction(1, 2**64),
    # uuid: every version, nil, max, safety
    'uuid-nil': uuid.UUID(int=0),
    'uuid-max': uuid.UUID(int=2**128 - 1),
    'uuid-v1': uuid.UUID('a8098c1a-f86e-11da-bd1a-00112444be1e'),
    'uuid-v2': uuid.UUID('000003e8-cbb9-21ea-b201-00045a86c8a1'),
    'uuid-v3': uuid.uuid3(uuid.NAMESPACE_DNS, 'python.org'),
    'uuid-v4': uuid.UUID('16fd2706-8baf-433b-82eb-8c7fada847da'),
    'uuid-v5': uuid.uuid5(uuid.NAMESPACE_URL, 'https://python.org'),
    'uuid-v6': uuid.UUID('1ec9414c-232a-6b00-b3c8-9e6bdeced846'),
    'uuid-v7': uuid.UUID('017f22e2-79b0-7cc3-98c4-dc0c0c07398f'),
    'uuid-v8': uuid.UUID('320c3d4d-cc00-875b-8ec9-32d5f69181c0'),
    'uuid-ms': uuid.UUID('00000000-0000-0000-c000-000000000046'),
    'uuid-unsafe': uuid.UUID(int=5, is_safe=uuid.SafeUUID.unsafe),
    'uuid-safe': uuid.UUID(int=5, is_safe=uuid.SafeUUID.safe),
    # collections
    'deque-maxlen0': collections.deque([1, 2, 3], maxlen=0),
    'deque-maxlen1': collections.deque([1, 2, 3], maxlen=1),
    'deque-empty': collections.deque(),
    'deque-nested': collections.deque([collections.deque([1]), [collections.deque()]]),
    'counter-zero-neg': collections.Counter({'a': 0, 'b': -2, 'c': 3}),
    'counter-big': collections.Counter({'big': 2**70, 'neg': -(2**64)}),
    'counter-float': collections.Counter({'half': 0.5}),
    'counter-tuple-keys': collections.Counter({(1, 2): 1, 3: 2}),
    'counter-empty': collections.Counter(),
    'defaultdict-func': collections.defaultdict(json.dumps, {'a': '1'}),
    'defaultdict-class': collections.defaultdict(collections.OrderedDict),
    'defaultdict-classmethod': collections.defaultdict(D.datetime.now),
    'defaultdict-nested': collections.defaultdict(list, {'x': collections.defaultdict(int, {'y': 1})}),
    'ordereddict-intkeys': collections.OrderedDict([(2, 'b'), (1, 'a'), ('10', 'c')]),
    'ordereddict-protokeys': collections.OrderedDict([('__proto__', 1), ('constructor', 2), ('prototype', 3)]),
    'ordereddict-nested': collections.OrderedDict(a=collections.OrderedDict(b=collections.OrderedDict())),
    # array: every typecode with extreme values
    'array-b': array.array('b', [-128, 127, 0]),
    'array-B': array.array('B', [0, 255]),
    'array-h': array.array('h', [-32768, 32767]),
    'array-H': array.array('H', [0, 65535]),
    'array-i': array.array('i', [-2**31, 2**31 - 1]),
    'array-I': array.array('I', [0, 2**32 - 1]),
    'array-l': array.array('l', [-2**63, 2**63 - 1]),
    'array-L': array.array('L', [0, 2**64 - 1]),
    'array-q': array.array('q', [-2**63, 2**63 - 1, 0]),
    'array-Q': array.array('Q', [0, 2**64 - 1]),
    'array-f': array.array('f', [3.4028234663852886e38, -1.401298464324817e-45, float('inf'), -0.0, float('nan')]),
    'array-d': array.array('d', [sys.float_info.max, 5e-324, -0.0, float('-inf'), float('nan')]),
    'array-d-nan-payload': array.array('d', [nan_with(0xFFF0000000000001), nan_with(0x7FF8DEADBEEF0001)]),
    'array-u': array.array('u', '\x00\uffff\U0010ffff\ud800'),
    'array-u-empty': array.array('u'),
    'array-empty-d': array.array('d'),
    # ipaddress
    'ipv4-zero': ipaddress.IPv4Address(0),
    'ipv4-max': ipaddress.IPv4Address('255.255.255.255'),
    'ipv6-zero': ipaddress.IPv6Address(0),
    'ipv6-max': ipaddress.IPv6Address(2**128 - 1),
    'ipv6-mapped': ipaddress.IPv6Address('::ffff:192.168.0.1'),
    'ipv6-zone': ipaddress.IPv6Address('fe80::1%eth0'),
    'ipv6-zone-numeric': ipaddress.IPv6Address('fe80::abcd%25'),
    'ipv6-interface-zone': ipaddress.IPv6Interface('fe80::1%eth0/64'),
    'ipv6-network-all': ipaddress.IPv6Network('::/0'),
    'ipv4-network-all': ipaddress.IPv4Network('0.0.0.0/0'),
    'ipv4-interface-host': ipaddress.IPv4Interface('192.168.1.1/32'),
    # pathlib
    'winpath-unc': pathlib.PureWindowsPath('//server/share/dir/file.txt'),
    'winpath-drive-relative': pathlib.PureWindowsPath('C:foo\\bar'),
    'winpath-root-only': pathlib.PureWindowsPath('\\foo'),
    'winpath-long': pathlib.PureWindowsPath('\\\\?\\C:\\x'),
    'winpath-empty': pathlib.PureWindowsPath(),
    'posixpath-double': pathlib.PurePosixPath('//double/x'),
    'posixpath-dot': pathlib.PurePosixPath('.'),
    'posixpath-root': pathlib.PurePosixPath('/'),
    'purepath-unicode': pathlib.PurePosixPath('/tmp/\u00e9\U0001f600/\udcff'),
    # re: every flag
    'pattern-ascii': re.compile(r'\w+', re.A),
    'pattern-ignorecase': re.compile('a', re.I),
    'pattern-locale': re.compile(rb'\w', re.L),
    'pattern-multiline': re.compile('^a$', re.M),
    'pattern-dotall': re.compile('.', re.S),
    'pattern-verbose': re.compile(' a # comment', re.X),
    'pattern-unicode': re.compile('x', re.U),
    'pattern-all-str': re.compile('x', re.I | re.M | re.S | re.X | re.A),
    'pattern-bytes-all': re.compile(b'x', re.I | re.M | re.S | re.X | re.L),
    'pattern-empty': re.compile(''),
    # SimpleNamespace
    'namespace-nested': types.SimpleNamespace(a=types.SimpleNamespace(b=types.SimpleNamespace(c=[1]))),
    'namespace-protokeys': types.SimpleNamespace(**{'__proto__': 1, 'constructor': 2, 'toString': 3}),
    # exceptions
    'exception-attrs': None,
    'exception-notes-cause': None,
    'keyerror-tuple': KeyError(('a', 1)),
    'keyerror-empty': KeyError(),
    'oserror-msg': OSError('just a message'),
    'oserror-errno': OSError(13, 'Permission denied'),
    'oserror-5': OSError(2, 'No such file', 'a.txt', None, 'b.txt'),
    'filenotfound': FileNotFoundError(2, 'gone', 'x'),
    'unicodedecodeerror': UnicodeDecodeError('utf-8', b'\xff\xfe', 0, 1, 'invalid start byte'),
    'systemexit': SystemExit(3),
    'stopiteration-none': StopIteration(),
    'exception-nested': ValueError(KeyError('inner'), [TypeError('t')]),
    # user subclasses, unregistered: inert
    'sub-ordereddict': sub.MyOrderedDict([('a', 1), ('b', 2)]),
    'sub-defaultdict': sub.MyDefaultDict(list, {'a': [1]}),
    'sub-counter': sub.MyCounter('aab'),
    'sub-deque': sub.MyDeque([1, 2], maxlen=3),
    'sub-decimal': sub.MyDecimal('1.50'),
    'sub-datetime': sub.MyDateTime(2020, 1, 2, 3, 4, 5, 6),
    'sub-date': sub.MyDate(2020, 1, 2),
    'sub-timedelta': sub.MyTimeDelta(days=1),
    'sub-intenum': sub.Shade.DARK,
    'sub-flag': sub.Mode.R | sub.Mode.W,
    'sub-namedtuple': sub.Point(1, 2),
    'sub-exception': sub.AppError('bad', 7),
    'sub-exception-init': sub.AppErrorWithInit(5, 'why'),
}

# Exceptions with state
_e = ValueError('with attrs')
_e.code = 42
_e.__proto__ = 'not a prototype'
CASES['exception-attrs'] = _e
_e = RuntimeError('outer')
_e.__cause__ = KeyError('cause')  # not pickled: exceptions pickle args and __dict__ only
_e.add_note('note 1')
_e.add_note('note 2')
CASES['exception-notes-cause'] = _e

# Subclasses carrying attributes
_od = sub.MyOrderedDict(x=1)
_od.attr = 'kept'
CASES['sub-ordereddict-attrs'] = _od

# OrderedDict after move_to_end, and with an instance attribute
_od = collections.OrderedDict.fromkeys('abcde')
_od.move_to_end('b')
_od.move_to_end('d', last=False)
CASES['ordereddict-moved'] = _od
_od = collections.OrderedDict(a=1)
_od.note = 'attr'
CASES['ordereddict-attrs'] = _od
_dq = sub.MyDeque([1])
_dq.extra = 2
CASES['sub-deque-attrs'] = _dq

# Shared and recursive values
_d = D.datetime(2020, 5, 5, tzinfo=tz(hours=2))
CASES['shared-datetimes'] = [_d, _d, _d.tzinfo, {'again': _d}]
_dq = collections.deque([1])
_dq.append(_dq)
CASES['recursive-deque'] = _dq
_od = collections.OrderedDict()
_od['self'] = _od
_od['list'] = [_od]
CASES['recursive-ordereddict'] = _od
_ns = types.SimpleNamespace(x=1)
_ns.me = _ns
CASES['recursive-namespace'] = _ns
_dd = collections.defaultdict(list)
_dd['me'] = _dd
CASES['recursive-defaultdict'] = _dd
_e = KeyError('k')
_e.me = _e
CASES['recursive-exception'] = _e


def _recursive_ok(name, b):
    if name == 'recursive-deque':
        return type(b) is collections.deque and len(b) == 2 and b[0] == 1 and b[1] is b
    if name == 'recursive-ordereddict':
        return type(b) is collections.OrderedDict and list(b) == ['self', 'list'] and b['self'] is b and b['list'][0] is b
    if name == 'recursive-namespace':
        return type(b) is types.SimpleNamespace and b.x == 1 and b.me is b
    if name == 'recursive-defaultdict':
        return type(b) is collections.defaultdict and b.default_factory is list and b['me'] is b
    if name == 'recursive-exception':
        return type(b) is KeyError and b.args == ('k',) and b.me is b
    if name == 'shared-datetimes':
        a = CASES[name]
        return a == b and b[0] is b[1] and b[2] is b[0].tzinfo and b[3]['again'] is b[0]
    raise KeyError(name)


def same(a, b):
    """Equal values, of the same type all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, BaseException):
        # __reduce__ reads the instance dict without creating it (touching __dict__ would change the pickle).
        return same(a.__reduce__(), b.__reduce__())
    if isinstance(a, decimal.Decimal):
        return str(a) == str(b)
    if isinstance(a, (D.datetime, D.time)):
        return a == b and a.fold == b.fold and same(a.tzinfo, b.tzinfo) and a.replace(tzinfo=None) == b.replace(tzinfo=None)
    if isinstance(a, zoneinfo.ZoneInfo):
        return a.key == b.key and (a is b) == (a is zoneinfo.ZoneInfo(a.key))
    if isinstance(a, D.timezone):
        return a == b and str(a) == str(b) and repr(a) == repr(b)
    if isinstance(a, array.array):
        return a.typecode == b.typecode and a.tobytes() == b.tobytes()
    if isinstance(a, collections.deque):
        return a.maxlen == b.maxlen and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b)) and vars_of(a) == vars_of(b)
    if isinstance(a, collections.defaultdict):
        return same_factory(a.default_factory, b.default_factory) and same_dict(a, b) and vars_of(a) == vars_of(b)
    if isinstance(a, dict):
        return same_dict(a, b) and vars_of(a) == vars_of(b)
    if isinstance(a, types.SimpleNamespace):
        return same_dict(vars(a), vars(b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b)) and vars_of(a) == vars_of(b)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b and vars_of(a) == vars_of(b)


def same_factory(a, b):
    if isinstance(a, types.BuiltinMethodType) or isinstance(a, types.MethodType):
        return a == b
    return a is b


def same_dict(a, b):
    return list(a) == list(b) and all(same(a[k], b[k]) for k in a)


def vars_of(x):
    return getattr(x, '__dict__', None)


def main():
    if sys.argv[1] == 'make':
        out = {}
        for name, value in CASES.items():
            out[name] = {p: pickle.dumps(value, p).hex() for p in range(6)}
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
                if name.startswith(('recursive-', 'shared-')):
                    equal = _recursive_ok(name, value)
                else:
                    # What CPython loads from its own pickle (fold is only pickled from protocol 4 on,
                    # protocol 0 writes a float's repr and so drops a NaN's payload).
                    equal = same(pickle.loads(pickle.dumps(CASES[name], int(p))), value)
                error = None
            except Exception as e:  # noqa: BLE001
                equal, error = False, f'{type(e).__name__}: {e}'
            report[name][p] = {
                'equal': bool(equal),
                'identical': data == pickle.dumps(CASES[name], int(p)),
                'error': error,
            }
    sys.stdout.write(json.dumps(report))


if __name__ == '__main__':
    main()
