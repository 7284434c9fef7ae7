/**
 * The brine command as a user runs it: the built dist/cli.js (npm test builds
 * first), compared with python3 -m pickle and python3 -m pickletools. A
 * command line with standard input runs as `node dist/cli.js` in a process of
 * its own, as do the pipes and devices of the hostile-output tests; the others
 * run the same built program in this process (test/support/cli-run.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fromJSON } from '../src/tools/json.js';
import { inProcessCli } from './support/cli-run.js';
import { PYTHON, ROOT } from './support/python.js';

const CLI = join(ROOT, 'dist', 'cli.js');
const DIR = mkdtempSync(join(tmpdir(), 'brine-cli-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

execFileSync(PYTHON, ['test/support/cli-files.py', DIR], { cwd: ROOT });
const f = (name: string): string => join(DIR, name);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  raw: Buffer;
}

const inProcess = existsSync(CLI) ? await inProcessCli(CLI) : undefined;

function brine(args: string[], input?: string | Uint8Array, stdin?: number): Run {
  assert.ok(existsSync(CLI), 'dist/cli.js is missing: build first (npx tsc -p tsconfig.build.json)');
  if (input === undefined && stdin === undefined && inProcess !== undefined) return inProcess(args, DIR);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: DIR,
    input,
    maxBuffer: 1 << 28,
    timeout: 60_000,
    ...(stdin === undefined ? {} : { stdio: [stdin, 'pipe', 'pipe'] }),
  });
  return {
    status: r.status,
    stdout: r.stdout.toString('utf8'),
    stderr: r.stderr.toString('utf8'),
    raw: r.stdout,
  };
}

function python(args: string[], input?: Uint8Array): string {
  return execFileSync(PYTHON, args, { cwd: DIR, encoding: 'utf8', input, maxBuffer: 1 << 28 });
}

const dataFiles = Array.from({ length: 6 }, (_, p) =>
  Array.from({ length: 9 }, (_, i) => `data-${p}-${i}.pkl`),
).flat();

/** One error line, no stack trace. */
function assertOneLineError(r: Run, pattern: RegExp): void {
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stderr.trim().split('\n')[0]!.startsWith('brine: '), true);
}

describe('brine show', () => {
  test('prints what python3 -m pickle prints, for every data file', () => {
    // One brine run prints every file in turn; one python3 process does what python3 -m pickle does for each.
    const ours = brine(['show', ...dataFiles]);
    assert.equal(ours.status, 0, ours.stderr);
    const theirs = python([
      '-c',
      'import pickle, pprint, sys\nfor name in sys.argv[1:]:\n    with open(name, "rb") as f: pprint.pprint(pickle.load(f))',
      ...dataFiles,
    ]);
    assert.equal(ours.stdout, theirs);
    // and python3 -m pickle itself, on a few
    for (const name of ['data-0-0.pkl', 'data-5-5.pkl'])
      assert.equal(brine(['show', name]).stdout, python(['-m', 'pickle', name]));
  });

  test('several files, and every pickle of a file', () => {
    const r = brine(['show', 'two.pkl', 'data-2-4.pkl']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, "[1, 2]\n{'b': 3}\n(1,)\n");
  });

  test('standard input as -', () => {
    const r = brine(['show', '-'], readFileSync(f('data-5-0.pkl')));
    assert.equal(r.status, 0);
    assert.equal(r.stdout, python(['-m', 'pickle', 'data-5-0.pkl']));
  });

  test('--json prints the JSON view', () => {
    const r = brine(['show', '--json', 'data-4-0.pkl']);
    assert.equal(r.status, 0);
    const value = fromJSON(r.stdout) as Record<string, unknown>;
    assert.equal(value.name, 'Ada');
    assert.match(r.stdout, /"\$tuple"/);
  });

  test('an instance prints inert, nothing runs', () => {
    const r = brine(['show', 'evil.pkl']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, "<PyObject reduce posix.system('echo owned')>\n");
  });

  test('bad input: exit 65 and one line naming the offset and opcode', () => {
    const r = brine(['show', 'truncated.pkl']);
    assert.equal(r.status, 65);
    assertOneLineError(r, /truncated\.pkl: Cannot load pickle at offset \d+ \(\w+\)/);
    const garbage = brine(['show', '-'], 'this is not a pickle');
    assert.equal(garbage.status, 65);
    assertOneLineError(garbage, /standard input: .*offset 0/);
  });

  test('a reader that closes the pipe early ends it quietly', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" show big.pkl | head -n 2`], {
      cwd: DIR,
      encoding: 'utf8',
    });
    assert.equal(r.stdout.split('\n').length, 3);
    assert.equal(r.stderr, '');
  });
});

describe('brine dis', () => {
  test('prints what python3 -m pickletools prints, with its flags', () => {
    const files = [
      'data-0-0.pkl',
      'data-1-2.pkl',
      'data-2-5.pkl',
      'data-3-7.pkl',
      'data-4-6.pkl',
      'data-5-0.pkl',
      'evil.pkl',
    ];
    for (const flags of [
      [],
      ['-a'],
      ['-l', '2'],
      ['--annotate', '--indentlevel', '0', '--preamble=-- {name!r:>20} --'],
    ]) {
      const r = brine(['dis', ...flags, ...files]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, python(['-m', 'pickletools', ...flags, ...files]), flags.join(' '));
    }
    assert.equal(brine(['dis', 'data-3-3.pkl']).stdout, python(['-m', 'pickletools', 'data-3-3.pkl']));
  });

  test('--memo shares the memo between files, and fails where pickletools fails', () => {
    const args = ['-m', 'data-2-0.pkl', 'data-3-2.pkl'];
    const r = brine(['dis', ...args]);
    const py = spawnSync(PYTHON, ['-m', 'pickletools', ...args], { cwd: DIR, encoding: 'utf8' });
    assert.notEqual(py.status, 0);
    assert.match(py.stderr, /memo key 0 already defined/);
    assert.equal(r.status, 65);
    assert.equal(r.stdout, py.stdout);
    assertOneLineError(r, /memo key 0 already defined/);
  });

  test('-o writes the disassembly to a file', () => {
    const o = brine(['dis', '-o', 'out.txt', 'data-4-1.pkl']);
    assert.equal(o.status, 0);
    assert.equal(o.stdout, '');
    assert.equal(readFileSync(f('out.txt'), 'utf8'), python(['-m', 'pickletools', 'data-4-1.pkl']));
  });

  test('--all disassembles every pickle of the file', () => {
    const r = brine(['dis', '--all', 'two.pkl']);
    assert.equal((r.stdout.match(/highest protocol among opcodes/g) ?? []).length, 2);
  });

  test('bad input: the text so far, then one error line and exit 65', () => {
    const r = brine(['dis', 'truncated.pkl']);
    assert.equal(r.status, 65);
    assert.match(r.stdout, /PROTO/);
    assertOneLineError(r, /truncated\.pkl: /);
  });
});

describe('brine scan', () => {
  test('exit codes: 0 safe, 1 review, 2 dangerous, 3 malformed', () => {
    assert.equal(brine(['scan', 'data-4-0.pkl']).status, 0);
    assert.equal(brine(['scan', 'review.pkl']).status, 1);
    const evil = brine(['scan', 'evil.pkl']);
    assert.equal(evil.status, 2);
    assert.match(evil.stdout, /evil\.pkl: dangerous\n {2}dangerous: .*system/);
    assert.equal(brine(['scan', 'truncated.pkl']).status, 3);
    assert.equal(brine(['scan', 'truncated.pkl', 'review.pkl']).status, 3);
    assert.equal(brine(['scan', 'truncated.pkl', 'evil.pkl', 'data-1-1.pkl']).status, 2);
  });

  test('a folder: pickle names, and other files that start like a pickle', () => {
    const r = brine(['scan', 'tree']);
    assert.equal(r.status, 2);
    const lines = r.stdout.split('\n');
    assert.ok(lines.includes('tree/a/model.pkl: safe'));
    assert.ok(lines.includes('tree/b/disguised.txt: dangerous'));
    assert.ok(lines.includes('tree/c/proto0.log: safe'));
    assert.ok(!r.stdout.includes('notes.txt') && !r.stdout.includes('readme.md'));
    assert.match(r.stdout, /3 files: 2 safe, 1 dangerous/);
    assert.equal(r.stderr, '', 'no progress line when stderr is not a terminal');
  });

  test('--json for machines', () => {
    const r = brine(['scan', '--json', 'evil.pkl', 'data-0-1.pkl', 'missing.pkl']);
    const results = JSON.parse(r.stdout) as { path: string; verdict?: string; error?: string }[];
    assert.deepEqual(
      results.map((x) => [x.path, x.verdict ?? x.error]),
      [
        ['missing.pkl', 'missing.pkl: no such file or directory'],
        ['evil.pkl', 'dangerous'],
        ['data-0-1.pkl', 'safe'],
      ],
    );
    assert.equal(r.status, 2, 'dangerous wins over an unreadable path');
    assert.equal(brine(['scan', 'data-0-1.pkl', 'missing.pkl']).status, 66);
  });
});

describe('brine convert', () => {
  test('pickle -> JSON -> pickle loads equal in python3', () => {
    for (const name of ['data-0-0.pkl', 'data-2-5.pkl', 'data-4-6.pkl']) {
      const json = brine(['convert', name, '--to', 'json']);
      assert.equal(json.status, 0, json.stderr);
      const back = brine(['convert', '-', '--to', 'pickle'], json.stdout);
      assert.equal(back.status, 0, back.stderr);
      const same = python(
        [
          '-c',
          'import pickle,sys; print(pickle.loads(sys.stdin.buffer.read()) == pickle.load(open(sys.argv[1], "rb")))',
          name,
        ],
        back.raw,
      );
      assert.equal(same.trim(), 'True', name);
    }
  });

  test('a pickle rewritten at protocol 0, into a file', () => {
    const r = brine(['convert', 'data-5-0.pkl', '--to', 'pickle', '--protocol', '0', '-o', 'p0.pkl']);
    assert.equal(r.status, 0, r.stderr);
    const data = readFileSync(f('p0.pkl'));
    assert.notEqual(data[0], 0x80);
    assert.equal(
      python([
        '-c',
        'import pickle; print(pickle.load(open("p0.pkl","rb")) == pickle.load(open("data-5-0.pkl","rb")))',
      ]).trim(),
      'True',
    );
  });

  test('hand-written JSON', () => {
    writeFileSync(f('hand.json'), '{"a": [1, 2.5, {"$tuple": [1]}], "$$ref": null}');
    const r = brine(['convert', 'hand.json', '--to', 'pickle', '-o', 'hand.pkl']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(python(['-m', 'pickle', 'hand.pkl']), "{'$ref': None, 'a': [1, 2.5, (1,)]}\n");
    const bad = brine(['convert', '-', '--to', 'pickle', '--from', 'json'], '{"a": ');
    assert.equal(bad.status, 65);
    assertOneLineError(bad, /Not valid JSON/);
  });

  test('usage errors exit 64', () => {
    assert.equal(brine(['convert', 'data-0-0.pkl']).status, 64);
    assert.equal(brine(['convert', 'data-0-0.pkl', '--to', 'yaml']).status, 64);
    assert.equal(brine(['convert', 'data-0-0.pkl', '--to', 'pickle', '--protocol', '9']).status, 64);
  });
});

describe('files, usage, help', () => {
  test('a missing file: 66; a directory: 68; an unreadable file: 77', (t) => {
    const missing = brine(['show', 'nope.pkl']);
    assert.equal(missing.status, 66);
    assertOneLineError(missing, /^brine: nope\.pkl: no such file or directory\n$/);
    const dir = brine(['dis', 'tree']);
    assert.equal(dir.status, 68);
    assertOneLineError(dir, /tree: is a directory/);
    if (process.getuid?.() === 0) {
      t.diagnostic('running as root: permissions are not enforced, the unreadable-file case is skipped');
      return;
    }
    writeFileSync(f('locked.pkl'), readFileSync(f('data-0-0.pkl')));
    chmodSync(f('locked.pkl'), 0o000);
    const locked = brine(['show', 'locked.pkl']);
    assert.equal(locked.status, 77);
    assertOneLineError(locked, /locked\.pkl: permission denied/);
  });

  test('bad usage: 64 with a pointer to --help', () => {
    for (const args of [
      [],
      ['frobnicate'],
      ['show'],
      ['show', '--bogus', 'x'],
      ['dis', '-l', 'many', 'x'],
      ['scan'],
    ]) {
      const r = brine(args);
      assert.equal(r.status, 64, args.join(' '));
      assert.match(r.stderr, /Usage|--help/);
    }
  });

  test('--help for the command and each subcommand, --version', () => {
    const main = brine(['--help']);
    assert.equal(main.status, 0);
    assert.match(main.stdout, /^Usage: brine <command>/);
    assert.match(main.stdout, /66 {2}file not found/);
    for (const cmd of ['show', 'dis', 'scan', 'convert']) {
      const r = brine([cmd, '--help']);
      assert.equal(r.status, 0);
      assert.match(r.stdout, new RegExp(`^Usage: brine ${cmd}`));
    }
    const version = brine(['--version']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout, `brine ${pkg.version}\n`);
  });
});

describe('hostile and unusual inputs and outputs', () => {
  test('a reader that closes the pipe stops the command at once, not after the whole input', () => {
    // Many pickles, then garbage: a command that went on after the reader left would reach it and complain.
    const big = readFileSync(f('big.pkl'));
    writeFileSync(f('long.pkl'), Buffer.concat([big, big, big, big, big, Buffer.from('garbage')]));
    for (const args of ['show long.pkl', 'show --json long.pkl', 'dis --all long.pkl']) {
      const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" ${args} | head -n 1; exit 0`], {
        cwd: DIR,
        encoding: 'utf8',
      });
      assert.equal(r.stdout.split('\n').length, 2, args);
      assert.equal(r.stderr, '', args);
    }
  });

  test('a failing write to standard output is one line and exit 74', (t) => {
    if (!existsSync('/dev/full')) return t.skip('no /dev/full');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" show data-0-0.pkl > /dev/full`], {
      cwd: DIR,
      encoding: 'utf8',
    });
    assert.equal(r.status, 74);
    assert.equal(r.stderr, 'brine: standard output: no space left on device\n');
  });

  test('an endless stream that is no pickle fails at its first byte instead of filling the memory', (t) => {
    if (!existsSync('/dev/zero')) return t.skip('no /dev/zero');
    const r = brine(['show', '/dev/zero']);
    assert.equal(r.status, 65);
    assertOneLineError(r, /^brine: \/dev\/zero: .*offset 0 \(0x00\)/);
    const c = brine(['convert', '-', '--to', 'json'], undefined, openSync('/dev/zero', 'r'));
    assert.equal(c.status, 65);
    assertOneLineError(c, /^brine: standard input: .*offset 0/);
  });

  test('names and findings with control characters print escaped, on one line', () => {
    const name = 'bad\nname\x1b[2J.pkl';
    writeFileSync(f(name), 'not a pickle');
    const r = brine(['show', name]);
    assert.equal(r.status, 65);
    assert.equal(r.stderr.split('\n').length, 2);
    assert.ok(!r.stderr.includes('\x1b'));
    assert.match(r.stderr, /^brine: bad\\nname\\x1b\[2J\.pkl: /);
    // A global whose name moves the cursor back over the verdict, rings the bell and recolours the text.
    writeFileSync(f('escape.pkl'), Buffer.from('\x80\x04cos\x1b[32m\rsafe\x07\nsystem\n.', 'latin1'));
    const s = brine(['scan', 'escape.pkl']);
    // no Python name holds a control character: the loader refuses it, CPython's import fails
    assert.equal(s.status, 3);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may reach the terminal
    assert.doesNotMatch(s.stdout, /[\x00-\x09\x0b-\x1f\x7f]/);
    assert.match(s.stdout, /os\\x1b\[32m\\rsafe\\x07\.system/);
    assert.equal(brine(['show', '']).stderr, 'brine: "": no such file or directory\n');
  });

  test('an empty input and a zip archive get a message that says what they are', () => {
    writeFileSync(f('empty.pkl'), '');
    const e = brine(['show', 'empty.pkl']);
    assert.equal(e.status, 65);
    assert.equal(e.stderr, 'brine: empty.pkl: empty input: not a pickle\n');
    assert.equal(
      brine(['convert', '-', '--to', 'json'], '').stderr,
      'brine: standard input: empty input: not a pickle\n',
    );
    python([
      '-c',
      'import zipfile, pickle\nwith zipfile.ZipFile("model.pt", "w") as z: z.writestr("archive/data.pkl", pickle.dumps([1.0], 2))',
    ]);
    const r = brine(['convert', 'model.pt', '--to', 'json']);
    assert.equal(r.status, 65);
    assertOneLineError(r, /^brine: model\.pt: a zip archive .*brine scan/);
    // show loads a zip as torch.load does.
    assert.equal(brine(['show', 'model.pt']).stdout, '[1.0]\n');
    assert.equal(brine(['scan', 'model.pt']).status, 0);
  });

  test('bad command lines are one line each, with a pointer to --help', () => {
    for (const args of [
      ['scan', '--bogus'],
      ['show', '-w'],
      ['convert', 'x.pkl', '--indent', '-1'],
      ['show', '--json=1', 'x.pkl'],
    ]) {
      const r = brine(args);
      assert.equal(r.status, 64, args.join(' '));
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      assert.match(r.stderr, /^brine: .*--help/);
    }
  });

  test('an output file in a missing folder is a write error (74), not a missing input', () => {
    const r = brine(['convert', 'data-0-0.pkl', '--to', 'json', '-o', 'no/such/dir/out.json']);
    assert.equal(r.status, 74);
    assertOneLineError(r, /^brine: no\/such\/dir\/out\.json: cannot create/);
  });
});

describe('every byte a pickle controls is printed escaped', () => {
  // C0 and C1 controls, DEL, bidi overrides and isolates, line separators: none may reach the terminal.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may reach the terminal
  const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;
  const hostile = (name: string, bytes: Buffer): string => {
    writeFileSync(f(name), bytes);
    return name;
  };

  test('show, --json and convert print strings with controls and bidi overrides escaped', () => {
    const name = hostile(
      'controls.pkl',
      Buffer.from(
        python([
          '-c',
          'import pickle, sys; sys.stdout.write(pickle.dumps(["a\\x1b]0;title\\x07\\x9b31m\\u202eb\\r\\u2066", {"k\\x85": b"\\x1b"}], 4).hex())',
        ]),
        'hex',
      ),
    );
    const show = brine(['show', name]);
    assert.equal(show.status, 0, show.stderr);
    assert.doesNotMatch(show.stdout.replace(/\n/g, ''), RAW);
    assert.equal(show.stdout, python(['-m', 'pickle', name]));
    for (const args of [
      ['show', '--json', name],
      ['convert', name, '--to', 'json'],
    ]) {
      const r = brine(args);
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout.replace(/\n/g, ''), RAW, args.join(' '));
      // still JSON, and the same value
      const value = fromJSON(r.stdout) as unknown[];
      assert.equal(value[0], 'a\x1b]0;title\x07\x9b31m\u202eb\r\u2066');
    }
  });

  test('error messages quoting INT, LONG and FLOAT text escape it', () => {
    const cases = [
      hostile('int.pkl', Buffer.from('I12\x1b]0;owned\x07\x1b[2J\x9b\n.', 'latin1')),
      hostile('long.pkl', Buffer.from('L1\x1b[31m\rok\nL.', 'latin1')),
      hostile('float.pkl', Buffer.from('F1.5\x1b[2J\xe2\x80\xae\n.', 'latin1')),
      hostile('global.pkl', Buffer.from('c__main__\nFoo\x1b]0;t\x07\xc2\x9b\xe2\x80\xae\n)R.', 'latin1')),
    ];
    for (const name of cases) {
      for (const command of [['show'], ['dis'], ['convert', '--to', 'json'], ['scan']]) {
        const r = brine([...command, name]);
        assert.doesNotMatch(
          r.stderr.replace(/\n$/, ''),
          RAW,
          `${command[0]} ${name}: ${JSON.stringify(r.stderr)}`,
        );
        assert.doesNotMatch(
          r.stdout.replace(/\n/g, ''),
          RAW,
          `${command[0]} ${name}: ${JSON.stringify(r.stdout)}`,
        );
        if (command[0] !== 'scan') assert.equal(r.status, 65, `${command[0]} ${name}`);
      }
    }
  });
});

describe('inputs that are not pickles say what they are', () => {
  const formats: [string, string, RegExp][] = [
    ['x.gz', 'import gzip, sys; sys.stdout.buffer.write(gzip.compress(b"x"))', /gzip-compressed/],
    ['x.bz2', 'import bz2, sys; sys.stdout.buffer.write(bz2.compress(b"x"))', /bzip2-compressed/],
    ['x.xz', 'import lzma, sys; sys.stdout.buffer.write(lzma.compress(b"x"))', /xz-compressed/],
    ['x.zst', 'import sys; sys.stdout.buffer.write(bytes.fromhex("28b52ffd2000010000"))', /zstd-compressed/],
    ['x.h5', 'import sys; sys.stdout.buffer.write(b"\\x89HDF\\r\\n\\x1a\\n" + bytes(64))', /HDF5/],
    [
      'x.safetensors',
      'import sys, json, struct; h = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode(); sys.stdout.buffer.write(struct.pack("<Q", len(h)) + h + bytes(4))',
      /safetensors/,
    ],
    [
      'x.npy',
      "import sys; h = b\"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\\n\"; sys.stdout.buffer.write(b\"\\x93NUMPY\\x01\\x00\" + bytes([len(h), 0]) + h + bytes(8))",
      /numpy \.npy/,
    ],
  ];

  test('show, dis and convert: exit 65 and one line naming the format and what to use', () => {
    for (const [name, code, pattern] of formats) {
      writeFileSync(f(name), Buffer.from(execFileSync(PYTHON, ['-c', code])));
      for (const command of [['show'], ['dis'], ['convert', '--to', 'json']]) {
        if (name === 'x.safetensors' && command[0] === 'show') {
          // show reads safetensors files (tests in cli-torch.test.ts)
          assert.match(
            brine(['show', name]).stdout,
            /^\{'w': tensor\(dtype=float32, shape=\[1\], values=\[0\.0\]\)\}\n$/,
          );
          continue;
        }
        const r = brine([...command, name]);
        assert.equal(r.status, 65, `${command[0]} ${name}`);
        assertOneLineError(r, pattern);
        assert.match(r.stderr, /not a pickle: /);
      }
      // scan reads the .npy (array data: safe); the others are malformed, with a note
      const s = brine(['scan', name]);
      if (name === 'x.npy') assert.equal(s.status, 0);
      else {
        assert.equal(s.status, 3, name);
        assert.match(s.stdout, new RegExp(`note: the input looks like .*${pattern.source}`));
      }
    }
  });

  test('text and JSON are named once loading them as a pickle fails', () => {
    writeFileSync(f('notes.txt'), 'hello world\n');
    const r = brine(['show', '-'], 'hello');
    assert.equal(r.status, 65);
    assertOneLineError(r, /offset 0 .*looks like plain text/);
    assertOneLineError(brine(['dis', 'notes.txt']), /looks like plain text/);
    writeFileSync(f('data.txt'), '{"a": [1, 2]}');
    assertOneLineError(brine(['show', 'data.txt']), /looks like JSON text/);
    // a protocol 0 pickle is text too, and loads
    assert.equal(brine(['show', '-'], '(lp0\nI1\na.').stdout, '[1]\n');
  });
});

describe('scan reads real PyTorch checkpoints', () => {
  const fixture = JSON.parse(readFileSync(join(ROOT, 'test/vectors/scan-torch.json'), 'utf8')) as {
    cases: { name: string; expect: string; hex: string }[];
  };
  const file = (name: string, label: string): string => {
    writeFileSync(f(label), Buffer.from(fixture.cases.find((c) => c.name === name)!.hex, 'hex'));
    return label;
  };

  test('a state_dict torch.save wrote (zip64) is safe, one carrying os.system dangerous', () => {
    const safe = file('torch.save state_dict (zip, zip64 records)', 'state.pt');
    const evil = file('torch.save of a class whose __reduce__ is os.system', 'evil.pt');
    const tar = file('legacy tar whose pickle member runs os.system', 'evil-tar.pt');
    assert.equal(brine(['scan', safe]).status, 0);
    const r = brine(['scan', evil]);
    assert.equal(r.status, 2);
    assert.match(r.stdout, /dangerous: posix\.system.*\[archive\/data\.pkl\]/);
    assert.equal(brine(['scan', tar]).status, 2);
    assert.equal(brine(['scan', safe, evil]).status, 2);
  });
});

describe('-o writes atomically', () => {
  test('an existing file is replaced whole, through a symbolic link, with no temp file left', () => {
    const dir = mkdtempSync(join(DIR, 'out-'));
    writeFileSync(join(dir, 'real.txt'), 'old');
    symlinkSync('real.txt', join(dir, 'link.txt'));
    const r = brine(['dis', '-o', join(dir, 'link.txt'), 'data-4-1.pkl']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'real.txt'), 'utf8'), python(['-m', 'pickletools', 'data-4-1.pkl']));
    assert.ok(lstatSync(join(dir, 'link.txt')).isSymbolicLink());
    assert.deepEqual(readdirSync(dir).sort(), ['link.txt', 'real.txt']);
    const c = brine(['convert', 'data-0-0.pkl', '--to', 'json', '-o', join(dir, 'real.txt')]);
    assert.equal(c.status, 0, c.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['link.txt', 'real.txt']);
  });
});
