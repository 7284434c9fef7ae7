"""Writes the pickle that `npm run demo` loads: the kind of state a Python web
application caches (users, sessions, counters, a few standard-library types),
pickled with the highest protocol, as `pickle.dump(state, f)` does by default
in new code."""
import collections
import datetime
import decimal
import pickle
import sys
import uuid

class Cart:
    """An application class: brine has never heard of it."""

    def __init__(self, owner, items):
        self.owner = owner
        self.items = items


users = [
    {
        "id": 1,
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "roles": {"admin", "editor"},
        "score": 98.5,
        "joined": datetime.date(2021, 3, 14),
    },
    {
        "id": 2,
        "name": "Grace Hopper",
        "email": "grace@example.org",
        "roles": {"viewer"},
        "score": 87.25,
        "joined": datetime.date(2022, 12, 9),
    },
]
state = {
    "version": (2, 4, 1),
    "users": users,
    "by_email": {u["email"]: u for u in users},
    "sessions": {
        "9f1c": {"user": users[0], "expires": 1767225600, "csrf": b"\x8a\x11\xf0\x07"},
    },
    "hits_per_day": collections.Counter({"2026-11-24": 1520, "2026-11-25": 1811}),
    "big_counter": 2**70 + 12345,
    "ratios": [0.1, 1e-9, float("inf")],
    "request_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "price": decimal.Decimal("19.99"),
    "greeting": "Grüß Gott, 世界 👋",
    "updated": datetime.datetime(2026, 11, 25, 17, 30, 5, 250000, tzinfo=datetime.timezone.utc),
    "cart": Cart("ada@example.org", [("pen", 2), ("ink", 1)]),
    200: "HTTP OK",
}

with open(sys.argv[1], "wb") as f:
    pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
