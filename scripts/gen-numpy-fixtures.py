#!/usr/bin/python3
"""Writes the numpy fixtures of test/numpy*.test.ts with the real numpy.

Run with Debian's python3 (numpy 1.24): /usr/bin/python3 scripts/gen-numpy-fixtures.py

test/fixtures/numpy/pickles.json   every case pickled at protocols 0-5 (and 5 with out-of-band
                                   buffers), with what numpy reports after pickle.loads: type,
                                   dtype.str, name, descr, shape, memory order, raw bytes, tolist()
test/fixtures/numpy/files/         .npy (format 1.0, 2.0, 3.0) and .npz (stored, deflated) files
test/fixtures/numpy/files.json     what numpy.load reports for each

Values are encoded losslessly in JSON: floats that JSON cannot hold as {"float": "nan"|"inf"|
"-inf"|"-0.0"}, ints beyond 2^53 as {"int": "..."}, bytes as {"bytes": hex}, tuples as
{"tuple": [...]}, complex as {"complex": [re, im]}, dicts as {"dict": [[k, v], ...]}.
datetime64 / timedelta64 values are their counts of the unit (NaT: null), as brine gives them.
"""
import io
import json
import math
import os
import pickle
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'numpy')
FILES = os.path.join(ROOT, 'files')

NAT = -(2 ** 63)


def enc(v):
    """A Python value as lossless JSON."""
    if isinstance(v, np.ndarray):
        return enc(v.tolist())
    if isinstance(v, np.floating):
        return enc(float(v))
    if isinstance(v, np.complexfloating):
        return enc(complex(v))
    if isinstance(v, np.generic):
        return enc(v.item())
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2 ** 53 - 1 else {'int': str(v)}
    if isinstance(v, float):
        if math.isnan(v):
            return {'float': 'nan'}
        if math.isinf(v):
            return {'float': 'inf' if v > 0 else '-inf'}
        if v == 0 and math.copysign(1, v) < 0:
            return {'float': '-0.0'}
        return v
    if isinstance(v, complex):
        return {'complex': [enc(v.real), enc(v.imag)]}
    if isinstance(v, (bytes, bytearray)):
        return {'bytes': bytes(v).hex()}
    if isinstance(v, tuple):
        return {'tuple': [enc(x) for x in v]}
    if isinstance(v, list):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {'dict': [[enc(k), enc(x)] for k, x in v.items()]}
    raise TypeError(f'cannot encode {type(v)}')


def has_datetime(dt):
    if dt.kind in 'Mm':
        return True
    if dt.subdtype is not None:
        return has_datetime(dt.subdtype[0])
    if dt.names:
        return any(has_datetime(dt.fields[n][0]) for n in dt.names)
    return False


def tolist(a):
    """tolist() as brine's toArray() gives it: datetimes as counts, NaT as None."""
    if a.dtype.kind in 'Mm':
        counts = a.view('i8') if a.dtype.byteorder != '>' else a.view('>i8')
        flat = [None if x == NAT else x for x in counts.ravel().tolist()]
        return np.array(flat, dtype=object).reshape(a.shape).tolist() if a.ndim else flat[0]
    return a.tolist()


def order_of(a):
    return 'F' if a.flags.f_contiguous and not a.flags.c_contiguous else 'C'


def describe(v):
    """What numpy reports for a loaded value."""
    out = {'type': f'{type(v).__module__}.{type(v).__name__}'}
    if isinstance(v, np.generic):
        a = np.asarray(v)
        out['scalar'] = True
    elif isinstance(v, np.ndarray):
        a = v
        out['scalar'] = False
    else:
        out['value'] = enc(v)
        return out
    dt = a.dtype
    out['dtype'] = dt.str
    out['name'] = dt.name
    out['descr'] = enc(dt.descr)
    out['itemsize'] = dt.itemsize
    out['shape'] = list(a.shape)
    out['order'] = order_of(a)
    out['hasobject'] = bool(dt.hasobject)
    if not dt.hasobject:
        raw = np.asarray(v.data) if isinstance(v, np.ma.MaskedArray) else a
        out['bytes'] = raw.tobytes(order='A' if order_of(a) == 'F' else 'C').hex()
    if isinstance(v, np.ma.MaskedArray):
        out['mask'] = enc(np.ma.getmaskarray(v).tolist())
        out['fill_value'] = enc(v.fill_value)
        out['list'] = enc(tolist(np.asarray(v.data)))
    else:
        out['list'] = enc(tolist(a) if not isinstance(v, np.generic) else tolist(np.asarray(v)))
    out['writeable'] = bool(a.flags.writeable) if isinstance(v, np.ndarray) else None
    return out


def cases():
    c = {}
    c['bool'] = np.array([True, False, True])
    for t in ['i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8']:
        info = np.iinfo(t)
        vals = [info.min, 0, 1, info.max] if t[0] == 'u' else [info.min, -1, 0, 1, info.max]
        c[f'int_{t}'] = np.array(vals, dtype='<' + t)
        if t[1] != '1':
            c[f'int_be_{t}'] = np.array(vals, dtype='>' + t)
    specials = [0.0, -0.0, 1.5, -2.25, float('inf'), float('-inf'), float('nan')]
    c['float16'] = np.array(specials + [65504.0, 6e-8, 1e-5], dtype='<f2')
    c['float16_be'] = np.array(specials, dtype='>f2')
    c['float32'] = np.array(specials + [3.4e38, 1e-45], dtype='<f4')
    c['float32_be'] = np.array(specials, dtype='>f4')
    c['float64'] = np.array(specials + [1.7976931348623157e308, 5e-324, 0.1], dtype='<f8')
    c['float64_be'] = np.array(specials, dtype='>f8')
    c['longdouble'] = np.array([1.5, -2.0, 1e300, 0.1], dtype='g')
    c['complex64'] = np.array([1 + 2j, -0.5j, complex(float('inf'), float('nan'))], dtype='<c8')
    c['complex128'] = np.array([1 + 2j, -0.5j, complex(-0.0, 1e300)], dtype='<c16')
    c['complex128_be'] = np.array([1 + 2j, -0.5j], dtype='>c16')
    c['complex256'] = np.array([1 + 2j, -0.5j], dtype='G')
    c['str'] = np.array(['abc', '', 'é€😀', 'x\x00'], dtype='<U5')
    c['str_be'] = np.array(['ab', 'ç'], dtype='>U3')
    c['bytes'] = np.array([b'ab', b'', b'\x00\xff', b'a\x00b'], dtype='S4')
    c['void'] = np.array([b'\x01\x02\x03', b'\x00\x00\xff'], dtype='V3')
    c['struct'] = np.array([(1, 2.5, b'xy'), (-3, float('nan'), b'')], dtype=[('a', '<i4'), ('b', '>f8'), ('c', 'S3')])
    c['struct_titles'] = np.zeros(2, dtype=[(('the title', 'x'), '<i4'), ('y', '<f4')])
    c['struct_offsets'] = np.array([(1, 2.0), (3, 4.0)], dtype={'names': ['a', 'b'], 'formats': ['i1', '<f8'], 'offsets': [0, 8], 'itemsize': 24})
    c['struct_subarray'] = np.array([([[1, 2], [3, 4]], 5)], dtype=[('m', '<f4', (2, 2)), ('n', '>i2')])
    c['struct_nested'] = np.array([((1, 2), 3.0)], dtype=[('p', [('x', '<i2'), ('y', '<i2')]), ('q', '<f8')])
    c['struct_aligned'] = np.zeros(2, dtype=np.dtype([('a', 'i1'), ('b', '<f8')], align=True))
    c['struct_big_fields'] = np.zeros(2, dtype=[('a', '>f8'), ('b', '>f8')])
    c['datetime_ns'] = np.array(['2020-01-01T00:00:00.123456789', 'NaT', '1969-12-31'], dtype='M8[ns]')
    c['datetime_D'] = np.array(['2020-01-01', 'NaT', '1000-01-01'], dtype='M8[D]')
    c['datetime_s_be'] = np.array(['2020-01-01T12:00:00'], dtype='>M8[s]')
    c['datetime_10ms'] = np.array([0, 7], dtype='M8[10ms]')
    c['datetime_generic'] = np.array(['NaT'], dtype='M8')
    c['timedelta_us'] = np.array([1, -5, 'NaT'], dtype='m8[us]')
    c['timedelta_Y'] = np.array([3], dtype='m8[Y]')
    c['object'] = np.array([1, 'a', None, [1, 2], {'k': 1.5}, (1, 2), 2 ** 70], dtype=object)
    c['object_2d'] = np.array([[1, 'x'], [None, 2.5]], dtype=object)
    c['object_f'] = np.asfortranarray(np.array([[1, 'x'], [None, 2.5]], dtype=object))
    c['c_2d'] = np.arange(12, dtype='<i4').reshape(3, 4)
    c['f_2d'] = np.asfortranarray(np.arange(12, dtype='<f8').reshape(3, 4))
    c['f_3d_be'] = np.asfortranarray(np.arange(24, dtype='>i2').reshape(2, 3, 4))
    c['noncontig'] = np.arange(20, dtype='<f4')[::3]
    c['noncontig_T'] = np.arange(24, dtype='<i8').reshape(2, 3, 4).transpose(1, 0, 2)
    c['zero_d'] = np.array(5.0)
    c['zero_d_str'] = np.array('héllo')
    c['empty'] = np.zeros((0, 3), dtype='<f8')
    c['empty_str'] = np.zeros((2, 0), dtype='<U4')
    c['three_d'] = np.arange(24, dtype='u1').reshape(2, 3, 4)
    c['scalar_f8'] = np.float64(1.5)
    c['scalar_f2'] = np.float16(-2.5)
    c['scalar_i1'] = np.int8(-3)
    c['scalar_u8'] = np.uint64(2 ** 64 - 1)
    c['scalar_bool'] = np.bool_(True)
    c['scalar_c8'] = np.complex64(1 + 2j)
    c['scalar_str'] = np.str_('héllo')
    c['scalar_bytes'] = np.bytes_(b'ab')
    c['scalar_datetime'] = np.datetime64('2020-01-01', 'D')
    c['scalar_timedelta'] = np.timedelta64(5, 's')
    c['scalar_void'] = np.zeros(1, dtype=[('a', '<i4'), ('b', '<f4')])[0]
    c['matrix'] = np.matrix([[1, 2], [3, 4]])
    c['masked_int'] = np.ma.masked_array([1, 2, 3], mask=[0, 1, 0], fill_value=7)
    c['masked_float'] = np.ma.masked_array(np.arange(4.0).reshape(2, 2), mask=[[1, 0], [0, 0]])
    c['masked_nomask'] = np.ma.masked_array([1.5, 2.5])
    c['recarray'] = np.rec.array([(1, 2.0, b'x'), (3, 4.0, b'yz')], dtype=[('a', '<i4'), ('b', '<f8'), ('c', 'S2')])
    c['readonly'] = np.frombuffer(b'\x01\x00\x02\x00', dtype='<i2')
    return c


def main():
    os.makedirs(FILES, exist_ok=True)
    out = []
    for name, value in cases().items():
        for protocol in range(6):
            data = pickle.dumps(value, protocol)
            loaded = pickle.loads(data)
            # numpy swaps big-endian data into native order on load (protocols 0-4): what it writes for
            # the loaded array is then not what it read. (Before describe(), which may set a fill value.)
            redump = pickle.dumps(loaded, protocol)
            entry = {'name': name, 'protocol': protocol, 'pickle': data.hex(), 'expected': describe(loaded)}
            if redump != data:
                entry['redump'] = redump.hex()
            out.append(entry)
        buffers = []
        data = pickle.dumps(value, 5, buffer_callback=buffers.append)
        if buffers:
            raws = [bytes(b.raw()) for b in buffers]
            loaded = pickle.loads(data, buffers=buffers)
            redump = pickle.dumps(loaded, 5, buffer_callback=[].append)
            entry = {
                'name': name, 'protocol': 5, 'pickle': data.hex(), 'buffers': [r.hex() for r in raws],
                'readonly': [b.raw().readonly for b in buffers], 'expected': describe(loaded),
            }
            if redump != data:
                entry['redump'] = redump.hex()
            out.append(entry)
    # Several arrays in one pickle: shared dtypes are written once.
    many = {'x': np.arange(3), 'y': np.arange(3.0), 'z': np.arange(3), 'w': np.arange(2, dtype='>f8'), 'v': np.arange(2, dtype='>f8')}
    for protocol in range(6):
        data = pickle.dumps(many, protocol)
        redump = pickle.dumps(pickle.loads(data), protocol)
        entry = {'name': 'many', 'protocol': protocol, 'pickle': data.hex(), 'expected': None}
        if redump != data:
            entry['redump'] = redump.hex()
        out.append(entry)
    with open(os.path.join(ROOT, 'pickles.json'), 'w') as f:
        json.dump({'numpy': np.__version__, 'cases': out}, f, indent=0)
        f.write('\n')

    files = []
    arrays = {k: v for k, v in cases().items() if isinstance(v, np.ndarray) and type(v) is np.ndarray}
    for name, value in arrays.items():
        for version in [(1, 0), (2, 0), (3, 0)]:
            if version != (1, 0) and name not in ('c_2d', 'f_3d_be', 'struct_titles', 'object', 'str'):
                continue
            buf = io.BytesIO()
            if value.dtype.hasobject:
                if version != (1, 0):
                    continue
                np.save(buf, value)
            else:
                np.lib.format.write_array(buf, value, version=version)
            fname = f'{name}.v{version[0]}.npy'
            with open(os.path.join(FILES, fname), 'wb') as f:
                f.write(buf.getvalue())
            loaded = np.load(io.BytesIO(buf.getvalue()), allow_pickle=True)
            expected = describe(loaded)
            if 'bytes' in expected:
                # numpy.load copies field by field: padding bytes are whatever memory held. The file's are the truth.
                f = io.BytesIO(buf.getvalue())
                np.lib.format.read_magic(f)
                np.lib.format._read_array_header(f, version)
                expected['bytes'] = f.read(loaded.nbytes).hex()
            files.append({'file': fname, 'version': version[0], 'expected': expected})
    # Format 3.0 as numpy chooses it: a field name beyond latin-1.
    buf = io.BytesIO()
    np.save(buf, np.zeros(2, dtype=[('温度', '<f4')]))
    with open(os.path.join(FILES, 'utf8_field.npy'), 'wb') as f:
        f.write(buf.getvalue())
    files.append({'file': 'utf8_field.npy', 'version': buf.getvalue()[6], 'expected': describe(np.load(io.BytesIO(buf.getvalue())))})
    npz = {'a': np.arange(5), 'b': np.array(['x', 'yz']), 'c': np.asfortranarray(np.ones((2, 3), dtype='>f4'))}
    for fname, save in [('stored.npz', np.savez), ('deflated.npz', np.savez_compressed)]:
        path = os.path.join(FILES, fname)
        save(path, **npz)
        with np.load(path) as z:
            files.append({'file': fname, 'arrays': {k: describe(z[k]) for k in z.files}})
    with open(os.path.join(ROOT, 'files.json'), 'w') as f:
        json.dump({'numpy': np.__version__, 'files': files}, f, indent=0)
        f.write('\n')
    print(f'{len(out)} pickles, {len(files)} files', file=sys.stderr)


if __name__ == '__main__':
    main()
