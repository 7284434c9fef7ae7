"""Writes the benchmark pickles to bench/data/ and a summary of what they hold.

Usage: python3 bench/make-data.py [--force]

Every workload is built from its own seeded random generator, so the files are
the same on every run. Each workload is written at its main protocol (5, or 0
for `text0`) and, except `text0`, again at protocol 2 for the libraries that
stop there. A workload whose value JSON can hold exactly is also written as
`<workload>.json` (json.dumps of the same value, tuples as arrays), which the
bench times with V8's JSON.parse as a reference. bench/data/summary.json
records, for each workload, the files and the expected result: the length and a
few hundred sampled items in a canonical JSON form that bench/verify.mjs
compares against what a JavaScript library loaded. The summary also records a hash of this script and of bench_models.py;
bench/run.mjs regenerates the data when the hash changes.
"""

import collections
import datetime
import decimal
import hashlib
import json
import os
import pickle
import random
import struct
import sys
import time
import uuid

BENCH = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(BENCH, "data")
sys.path.insert(0, BENCH)
sys.dont_write_bytecode = True  # no __pycache__ in bench/

import bench_models  # noqa: E402

SAMPLES = 256


def source_hash():
    h = hashlib.sha256()
    for name in ("make-data.py", "bench_models.py"):
        with open(os.path.join(BENCH, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------------------
# Canonical form (mirrored by bench/verify.mjs)


def canon(v):
    if v is None or v is True or v is False:
        return v
    t = type(v)
    if t is int:
        return ["int", str(v)]
    if t is float:
        return ["float", struct.pack(">d", v).hex()]
    if t is str:
        return v
    if t is bytes:
        return ["bytes", len(v), hashlib.sha256(v).hexdigest()]
    if t is list:
        return ["list", [canon(x) for x in v]]
    if t is tuple:
        return ["tuple", [canon(x) for x in v]]
    if t is dict:
        return ["dict", [[canon(k), canon(x)] for k, x in v.items()]]
    # Standard-library values (the `stdlib` workload), by their exact content.
    if t is datetime.datetime:
        return ["datetime", v.isoformat(), v.fold]
    if t is datetime.date:
        return ["date", v.isoformat()]
    if t is datetime.timedelta:
        return ["timedelta", v.days, v.seconds, v.microseconds]
    if t is decimal.Decimal:
        return ["decimal", str(v)]
    if t is uuid.UUID:
        return ["uuid", v.hex]
    if t is collections.OrderedDict:
        return ["odict", [[canon(k), canon(x)] for k, x in v.items()]]
    if hasattr(v, "__dict__"):
        return ["obj", t.__module__, t.__qualname__, canon(vars(v))]
    raise TypeError(f"no canonical form for {t!r}")


def sample_indices(n):
    if n <= SAMPLES:
        return list(range(n))
    step = (n - 1) / (SAMPLES - 1)
    return sorted({round(i * step) for i in range(SAMPLES)})


def expectation(value):
    if type(value) is list:
        return {
            "kind": "list",
            "length": len(value),
            "samples": [[i, canon(value[i])] for i in sample_indices(len(value))],
        }
    if type(value) is dict:
        items = list(value.items())
        return {
            "kind": "dict",
            "length": len(items),
            "samples": [[i, canon(items[i][0]), canon(items[i][1])] for i in sample_indices(len(items))],
        }
    return {"kind": "value", "value": canon(value)}


# ---------------------------------------------------------------------------
# Workloads

ASCII_ALPHABET = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_. "
ASCII_TABLE = bytes(ASCII_ALPHABET[i % len(ASCII_ALPHABET)] for i in range(256))


def ascii_strings(rng, count, lo, hi):
    """`count` distinct str objects of lo..hi random ASCII characters."""
    lengths = [rng.randint(lo, hi) for _ in range(count)]
    blob = rng.randbytes(sum(lengths)).translate(ASCII_TABLE).decode("ascii")
    out = []
    pos = 0
    for n in lengths:
        out.append(blob[pos : pos + n])
        pos += n
    return out


def make_ints(rng):
    out = []
    for _ in range(1_000_000):
        r = rng.random()
        if r < 0.4:
            out.append(rng.randrange(256))  # BININT1
        elif r < 0.7:
            out.append(rng.randrange(256, 65536))  # BININT2
        elif r < 0.9:
            out.append(rng.randrange(65536, 2**31 + 1))  # BININT, and LONG1 for 2**31
        else:
            out.append(-rng.randrange(1, 2**31 + 1))  # negative BININT
    return out


def make_floats(rng):
    out = []
    for _ in range(1_000_000):
        r = rng.random()
        if r < 0.5:
            out.append(rng.uniform(-1000.0, 1000.0))
        elif r < 0.8:
            out.append(rng.gauss(0.0, 1.0))
        elif r < 0.9:
            out.append(float(rng.randrange(-100000, 100000)))  # integral floats
        else:
            out.append(rng.uniform(-1.0, 1.0) * 10.0 ** rng.randint(-300, 300))
    return out


def make_strdict(rng):
    keys = ascii_strings(rng, 200_000, 4, 12)
    values = ascii_strings(rng, 200_000, 5, 20)
    # Prefix keys with an index so they are unique and never look like array
    # indices (which JavaScript objects would reorder).
    return {f"k{i:x}_{k}": v for i, (k, v) in enumerate(zip(keys, values))}


# ASCII only: protocol 0 writes strings as raw-unicode-escape (`\u6f22`), which
# the other JavaScript libraries compared here do not decode (see README.md);
# non-ASCII text has its own workloads.
FIRST = ["Alice", "Bob", "Chloe", "Dmitri", "Eve", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kai", "Lena"]
LAST = ["Smith", "Jones", "Garcia", "Mueller", "Tanaka", "Okafor", "Novak", "Rossi", "Dubois", "Kim"]
TAGS = ["alpha", "beta", "gamma", "delta", "admin", "staff", "guest", "beta-tester", "vip", "new"]


def make_records(rng):
    records = []
    for i in range(100_000):
        first = rng.choice(FIRST)
        last = rng.choice(LAST)
        records.append(
            {
                "id": 1_000_000 + i,
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}{i}@example.com",
                "score": round(rng.uniform(0.0, 100.0), 2),
                "active": rng.random() < 0.7,
                "tags": rng.sample(TAGS, 2),
            }
        )
    # Round-trip through json, as data read from a JSON API would be: the json
    # decoder shares one str object per distinct key, so the pickler memoizes
    # the keys and writes BINGET for every repeat.
    return json.loads(json.dumps(records))


def make_bytes64m(rng):
    return rng.randbytes(64 * 1024 * 1024)


NON_ASCII = "éüöñçßøåÉÜ漢字日本語中文한국어Ωλπж😀🎉🚀🐍❤"
MIXED = NON_ASCII + "abcdefghijklmnopqrstuvwxyz "


def make_nonascii(rng):
    out = []
    for _ in range(500_000):
        n = rng.randint(3, 14)
        out.append(rng.choice(NON_ASCII) + "".join(rng.choices(MIXED, k=n)))
    return out


def make_tuples(rng):
    words = ascii_strings(rng, 500_000, 3, 10)
    out = []
    for i in range(500_000):
        if rng.random() < 0.5:
            out.append((rng.randrange(1000), words[i]))
        else:
            out.append((rng.randrange(100), rng.randrange(100000), words[i]))
    return out


def make_bigints(rng):
    out = []
    for _ in range(200_000):
        bits = rng.randint(65, 256)
        v = rng.getrandbits(bits) | (1 << (bits - 1))
        out.append(-v if rng.random() < 0.3 else v)
    return out


def make_classes(rng):
    names = ascii_strings(rng, 100_000, 5, 15)
    return [
        bench_models.Item(i, names[i], round(rng.uniform(0.5, 500.0), 2), rng.randrange(100), [rng.choice(TAGS)])
        for i in range(100_000)
    ]


def make_stdlib(rng):
    """50k records of standard-library values, as an application cache holds them."""
    utc = datetime.timezone.utc
    start = datetime.datetime(2023, 1, 1, tzinfo=utc)
    # A few fixed offsets besides UTC: timezone objects shared between records, as
    # an application keeps one per zone (the pickler memoizes each once).
    plus2 = datetime.timezone(datetime.timedelta(hours=2))
    minus5 = datetime.timezone(-datetime.timedelta(hours=5))
    zones = [utc, utc, utc, plus2, minus5]
    records = []
    for _ in range(50_000):
        created = start + datetime.timedelta(seconds=rng.randrange(2 * 365 * 86400), microseconds=rng.randrange(10**6))
        created = created.astimezone(rng.choice(zones))
        cents = rng.randrange(1, 10**7)
        records.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "created": created,
                "day": (created + datetime.timedelta(days=rng.randrange(-30, 31))).date(),
                "amount": decimal.Decimal(f"{cents // 100}.{cents % 100:02d}"),
                "elapsed": datetime.timedelta(seconds=rng.randrange(3 * 86400), microseconds=rng.randrange(10**6)),
                "tags": collections.OrderedDict((tag, rng.randrange(1000)) for tag in rng.sample(TAGS, 3)),
            }
        )
    return records


# Small pickles: one load costs microseconds, so per-call overhead dominates
# (caches, messages). case.mjs and case.py time them in batches of many calls.


def make_small_record(rng):
    """One message-like dict of 20 mixed fields, about 1 KB pickled."""
    first = rng.choice(FIRST)
    last = rng.choice(LAST)
    return {
        "id": rng.randrange(10**6, 10**9),
        "type": "order.updated",
        "version": 3,
        "created": 1_700_000_000 + rng.randrange(10**7),  # a Unix time in seconds: fits in 32 bits
        "customer": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}@example.com",
        "amount": round(rng.uniform(1.0, 5000.0), 2),
        "discount": -round(rng.uniform(0.0, 50.0), 2),
        "quantity": rng.randrange(1, 20),
        "balance": -rng.randrange(1, 100000),
        "currency": "EUR",
        "paid": True,
        "shipped": False,
        "coupon": None,
        "tags": rng.sample(TAGS, 4),
        "scores": [round(rng.random(), 4) for _ in range(10)],
        "address": {
            "street": f"{rng.randrange(1, 300)} rue du Faubourg Saint-Honoré",
            "city": "Paris",
            "zip": "75002",
            "country": "FR",
            "geo": {"lat": 48.8686, "lon": 2.3317},
        },
        "position": (rng.randrange(1000), rng.randrange(1000), round(rng.random(), 3)),
        "note": "Leave the parcel at the front desk if nobody answers; call before delivery after 6 pm. "
        "Fragile: café cups and glassware inside, keep this side up and do not stack anything on top.",
        "session": rng.randbytes(32).hex(),
    }


def make_small_list(rng):
    return ascii_strings(rng, 50, 4, 12)


def make_small_classes(rng):
    names = ascii_strings(rng, 5, 5, 15)
    return [
        bench_models.Item(i, names[i], round(rng.uniform(0.5, 500.0), 2), rng.randrange(100), [rng.choice(TAGS)])
        for i in range(5)
    ]


# Workloads of the speed targets (docs/decisions.md, "Load speed"): data of other
# shapes than the ones above, measured in both directions.


def make_smallints(rng):
    """1M ints of -100..9999: mostly BININT2, some BININT1 and negative BININT."""
    return [rng.randrange(-100, 10000) for _ in range(1_000_000)]


def make_floats200k(rng):
    return [rng.uniform(-1e6, 1e6) for _ in range(200_000)]


def make_keydict(rng):
    """{'key%d': 20-char str} of 100k entries."""
    values = ascii_strings(rng, 100_000, 20, 20)
    return {f"key{i}": v for i, v in enumerate(values)}


HALF_ALPHABET = "éüöñçßøå漢字日本語한국어Ωλπж😀🚀"


def make_mixedstr(rng):
    """200k short str (4-16 characters): every other one holds non-ASCII characters."""
    plain = ascii_strings(rng, 100_000, 4, 16)
    out = []
    for i in range(100_000):
        out.append(plain[i])
        n = rng.randint(4, 16)
        out.append("".join(rng.choices(HALF_ALPHABET + "abcdefghijklmnop", k=n)))
    return out


def make_triples(rng):
    words = ascii_strings(rng, 100_000, 3, 12)
    return [(rng.randrange(-(10**6), 10**6), words[i], rng.uniform(-1000.0, 1000.0)) for i in range(100_000)]


def make_small300(rng):
    """One RPC-like message of about 300 bytes pickled."""
    return {
        "id": rng.randrange(10**6, 10**9),
        "method": "cache.get",
        "ok": True,
        "ttl": 3600,
        "user": "Chloé Dubois",
        "score": round(rng.uniform(0.0, 100.0), 3),
        "tags": rng.sample(TAGS, 3),
        "point": [round(rng.random(), 4), round(rng.random(), 4)],
        "meta": {"region": "eu-west-1", "retries": 0, "cached": None},
        "etag": rng.randbytes(12).hex(),
        "path": "/v1/items/%d" % rng.randrange(10**6),
        "lang": "fr-FR",
    }


# name -> (title, builder, main protocol, also write a protocol-2 file, also
# write JSON, small: timed in batches of many calls). No JSON for bytes, for ints
# beyond 2**53 (a JSON number would lose them), for class instances or for
# standard-library values.
WORKLOADS = {
    "ints": ("1M small ints", make_ints, 5, True, True, False),
    "floats": ("1M floats", make_floats, 5, True, True, False),
    "strdict": ("str->str dict, 200k entries", make_strdict, 5, True, True, False),
    "records": ("100k JSON-like records", make_records, 5, True, True, False),
    "bytes64m": ("one 64 MiB bytes", make_bytes64m, 5, True, False, False),
    "ascii": ("1M short ASCII str", lambda rng: ascii_strings(rng, 1_000_000, 5, 20), 5, True, True, False),
    "nonascii": ("500k short non-ASCII str", make_nonascii, 5, True, True, False),
    "tuples": ("500k 2/3-tuples", make_tuples, 5, True, True, False),
    "bigints": ("200k ints > 2**64", make_bigints, 5, True, False, False),
    "classes": ("100k class instances", make_classes, 5, True, False, False),
    "text0": ("100k records, protocol 0", make_records, 0, False, True, False),
    "small_record": ("one dict of 20 mixed fields", make_small_record, 5, True, True, True),
    "small_list": ("list of 50 short str", make_small_list, 5, True, True, True),
    "small_classes": ("5 class instances", make_small_classes, 5, True, False, True),
    # Last, so that the seeds of the workloads above (1000 + position) stay the same.
    "stdlib": ("50k records of stdlib values", make_stdlib, 5, True, False, False),
    # After stdlib, for the same reason.
    "smallints": ("1M small ints", make_smallints, 5, True, True, False),
    "floats200k": ("200k floats", make_floats200k, 5, True, True, False),
    "keydict": ("dict of 100k 'key%d' -> 20-char str", make_keydict, 5, True, True, False),
    "mixedstr": ("200k short str, half non-ASCII", make_mixedstr, 5, True, True, False),
    "triples": ("100k (int, str, float) tuples", make_triples, 5, True, True, False),
    "small300": ("one message of about 300 bytes", make_small300, 5, True, True, True),
}


def write(name, protocol, value):
    file = f"{name}.p{protocol}.pkl"
    data = pickle.dumps(value, protocol=protocol)
    assert pickle.loads(data) == value
    with open(os.path.join(DATA, file), "wb") as f:
        f.write(data)
    return {"file": file, "protocol": protocol, "size": len(data)}


def as_json_value(v):
    """`v` with tuples as lists; refuses what JSON.parse would not give back exactly."""
    t = type(v)
    if t is int:
        assert abs(v) <= 2**53, "JSON.parse reads numbers as doubles: ints beyond 2**53 lose precision"
        return v
    if t is list or t is tuple:
        return [as_json_value(x) for x in v]
    if t is dict:
        assert all(type(k) is str for k in v), "JSON object keys are str"
        return {k: as_json_value(x) for k, x in v.items()}
    assert v is None or t in (bool, float, str), f"no JSON for {t!r}"
    return v


def write_json(name, value):
    """The same value as compact UTF-8 JSON (tuples become arrays), as JSON.stringify would write it."""
    file = f"{name}.json"
    # allow_nan=False: NaN and infinities are not JSON, fail rather than write them.
    data = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    assert json.loads(data) == as_json_value(value)
    with open(os.path.join(DATA, file), "wb") as f:
        f.write(data)
    return {"file": file, "size": len(data)}


def main():
    force = "--force" in sys.argv[1:]
    version = source_hash()
    summary_path = os.path.join(DATA, "summary.json")
    if not force and os.path.exists(summary_path):
        with open(summary_path) as f:
            if json.load(f).get("version") == version:
                print("bench/data is up to date", file=sys.stderr)
                return
    os.makedirs(DATA, exist_ok=True)
    summary = {"version": version, "python": sys.version.split()[0], "workloads": {}}
    for i, (name, (title, build, protocol, p2, as_json, small)) in enumerate(WORKLOADS.items()):
        t0 = time.perf_counter()
        value = build(random.Random(1000 + i))
        files = {"main": write(name, protocol, value)}
        if p2:
            files["p2"] = write(name, 2, value)
        if as_json:
            files["json"] = write_json(name, value)
        summary["workloads"][name] = {"title": title, "files": files, "small": small, "expect": expectation(value)}
        sizes = ", ".join(
            f"{f['file']} {f['size'] / 1e6:.1f} MB" if f["size"] >= 100_000 else f"{f['file']} {f['size']} bytes"
            for f in files.values()
        )
        print(f"{name}: {sizes} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
        del value
    with open(summary_path, "w") as f:
        json.dump(summary, f)


if __name__ == "__main__":
    main()
