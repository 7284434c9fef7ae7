"""What pickletools says about a batch of inputs, for test/tools-*.test.ts.

Reads a JSON list of jobs on stdin and writes a JSON list of results, one per
job, on stdout. A job is {"hex": ..., "mode": ..., options}:

  mode "dis"       pickletools.dis(data, memo=None, indentlevel=, annotate=), from
                   offset "start" (default 0)
  mode "all"       dis() again and again on one stream until it is exhausted
                   (every pickle of a buffer); "shareMemo": one memo for all
  mode "files"     "hexes": several inputs disassembled with one memo, as
                   `python -m pickletools --memo a b c` (without the preambles)
  mode "optimize"  pickletools.optimize(data)
  mode "genops"    [name, pos, repr(arg)] of each opcode of pickletools.genops
  mode "format"    "template".format(name="name"), as the --preamble option does

A result is {"out": text or hex, "error": [exception class, message] or null}.
With "digest": true, a "dis", "all" or "files" job's "out" is the SHA-256 of the
text (UTF-8, hex) instead of the text, and a "genops" job's the SHA-256 of a line
"name pos" per opcode: the tests compare digests, and ask again without "digest"
for the jobs whose digests differ, to show the difference.
"""
import hashlib
import io
import json
import pickletools
import sys


def error_of(e):
    return [type(e).__name__, str(e)]


def safe_repr(arg):
    try:
        return repr(arg)
    except ValueError as e:  # an int of more than 4300 digits
        return "ValueError: " + str(e)


def run(job):
    mode = job["mode"]
    annotate = job.get("annotate", 0)
    indent = job.get("indentlevel", 4)
    out = io.StringIO()
    try:
        if mode == "dis":
            f = io.BytesIO(bytes.fromhex(job["hex"]))
            f.seek(job.get("start", 0))
            pickletools.dis(f, out, None, indent, annotate)
        elif mode == "all":
            data = bytes.fromhex(job["hex"])
            f = io.BytesIO(data)
            memo = {} if job.get("shareMemo") else None
            while True:
                pickletools.dis(f, out, memo, indent, annotate)
                if f.tell() >= len(data):
                    break
        elif mode == "files":
            memo = {}
            for h in job["hexes"]:
                pickletools.dis(io.BytesIO(bytes.fromhex(h)), out, memo, indent, annotate)
        elif mode == "format":
            return {"out": job["template"].format(name=job["name"]), "error": None}
        elif mode == "optimize":
            return {"out": pickletools.optimize(bytes.fromhex(job["hex"])).hex(), "error": None}
        elif mode == "genops":
            ops = []
            try:
                for op, arg, pos in pickletools.genops(bytes.fromhex(job["hex"])):
                    ops.append([op.name, pos, None if arg is None else safe_repr(arg)])
            except Exception as e:
                return {"out": ops, "error": error_of(e)}
            return {"out": ops, "error": None}
        else:
            raise SystemExit("unknown mode " + mode)
    except Exception as e:
        return {"out": out.getvalue(), "error": error_of(e)}
    return {"out": out.getvalue(), "error": None}


def digested(job):
    result = run(job)
    if job.get("digest") and job["mode"] in ("dis", "all", "files"):
        result["out"] = hashlib.sha256(result["out"].encode("utf-8", "surrogatepass")).hexdigest()
    elif job.get("digest") and job["mode"] == "genops":
        listing = "".join("%s %d\n" % (name, pos) for name, pos, _ in result["out"])
        result["out"] = hashlib.sha256(listing.encode("ascii")).hexdigest()
    return result


def main():
    jobs = json.load(sys.stdin)
    sys.stdout.write(json.dumps([digested(job) for job in jobs]))


if __name__ == "__main__":
    main()
