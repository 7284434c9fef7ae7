"""Classes pickled by the `classes` benchmark workload.

They live in their own module (not `__main__`) so that a pickle names them as
`bench_models.Item`, and so that CPython can import them again when it loads
the file (bench/case.py puts bench/ on sys.path).
"""


class Item:
    """A small plain class: pickled as STACK_GLOBAL (or GLOBAL) + NEWOBJ + BUILD."""

    def __init__(self, id, name, price, qty, tags):
        self.id = id
        self.name = name
        self.price = price
        self.qty = qty
        self.tags = tags

    def __eq__(self, other):
        return type(other) is Item and vars(self) == vars(other)
