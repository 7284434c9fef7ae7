/**
 * Atomic file replacement: write a temp file in the target's folder, fsync
 * it, rename it over the target, fsync the folder. A reader sees the old file
 * or the new one, never a part of the new one, even after a crash.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { type FileHandle, lstat, open, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How the file is written. */
export interface AtomicOptions {
  /**
   * Permissions of the file, exactly (not masked by the umask). Default: an
   * existing target keeps its own; a new file gets `0o666` less the umask, as
   * `open()` gives.
   */
  mode?: number;
  /**
   * Flush the file and its folder to the disk before returning (`fsync`).
   * Default `true`; `false` still replaces the file atomically for other
   * readers, but a power loss may then leave the old file or an empty one.
   */
  fsync?: boolean;
}

/** Steps a test can stop at (a crash between them must leave the old file). @internal */
export interface AtomicHooks {
  /** Largest single write, in bytes. */
  chunkSize?: number;
  /** Called after each write to the temp file, with its path and the bytes written so far. */
  afterWrite?: (tempPath: string, written: number) => void | Promise<void>;
  /** Called once the temp file is complete and synced, just before the rename. */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

/** Largest single write: bounds how long one write call holds the thread pool. */
const DEFAULT_CHUNK = 16 * 1024 * 1024;
/** Hops of symbolic links followed to a dangling target, as the kernel's limit. */
const MAX_LINKS = 40;

/** The path of a `string | URL` argument. */
export function toPath(path: string | URL): string {
  return typeof path === 'string' ? path : fileURLToPath(path);
}

/** Name of a temp file next to `target`: hidden, unique, recognizable. */
function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

function isCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}

/**
 * The file a write to `path` should replace: `path` itself, or, when it is a
 * symbolic link (even one whose target does not exist yet), the file the
 * links lead to. Replacing the link itself would turn it into a plain file.
 */
export async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
  let current = resolve(path);
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    let info: fs.Stats;
    try {
      info = await lstat(current);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return current;
      throw error;
    }
    if (!info.isSymbolicLink()) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  throw Object.assign(new Error(`too many levels of symbolic links: ${path}`), { code: 'ELOOP' });
}

/** {@link resolveTarget}, synchronously. */
export function resolveTargetSync(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
  let current = resolve(path);
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    let info: fs.Stats;
    try {
      info = fs.lstatSync(current);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return current;
      throw error;
    }
    if (!info.isSymbolicLink()) return current;
    current = resolve(dirname(current), fs.readlinkSync(current));
  }
  throw Object.assign(new Error(`too many levels of symbolic links: ${path}`), { code: 'ELOOP' });
}

/** The mode and owner the new file must get, or undefined for a new file without `mode`. */
async function existingMode(target: string): Promise<fs.Stats | undefined> {
  try {
    return await stat(target);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function existingModeSync(target: string): fs.Stats | undefined {
  try {
    return fs.statSync(target);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/**
 * Replaces the file at `path` with the bytes of `source`, atomically.
 *
 * @param path the file to replace or create (a symbolic link is followed).
 * @param source the bytes, in one piece or as pieces made while writing.
 * @param options permissions and syncing.
 * @param hooks test hooks. @internal
 * @throws the file system's errors; the temp file is removed first.
 */
export async function writeAtomic(
  path: string | URL,
  source: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options?: AtomicOptions,
  hooks?: AtomicHooks,
): Promise<void> {
  const target = await resolveTarget(toPath(path));
  const before = await existingMode(target);
  const sync = options?.fsync !== false;
  const chunkSize = hooks?.chunkSize ?? DEFAULT_CHUNK;
  const keepMode = options?.mode ?? (before === undefined ? undefined : before.mode & 0o7777);

  let temp = '';
  let handle: FileHandle | undefined;
  for (let attempt = 0; handle === undefined; attempt++) {
    temp = tempPathFor(target);
    try {
      // 'wx' is O_CREAT | O_EXCL: never an existing file, never through a link.
      // A file that gets its mode set afterwards starts private.
      handle = await open(temp, 'wx', keepMode === undefined ? 0o666 : 0o600);
    } catch (error) {
      if (!isCode(error, 'EEXIST') || attempt >= 10) throw error;
    }
  }
  let renamed = false;
  try {
    const file: FileHandle = handle;
    if (keepMode !== undefined) await file.chmod(keepMode);
    if (before !== undefined && options?.mode === undefined) await copyOwner(file, before);
    let written = 0;
    const write = async (bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length; ) {
        const piece = bytes.subarray(at, Math.min(bytes.length, at + chunkSize));
        const { bytesWritten } = await file.write(piece, 0, piece.length, null);
        at += bytesWritten;
        written += bytesWritten;
        await hooks?.afterWrite?.(temp, written);
      }
    };
    if (source instanceof Uint8Array) await write(source);
    else if (Symbol.asyncIterator in source) for await (const bytes of source) await write(bytes);
    else for (const bytes of source) await write(bytes);
    if (sync) await file.sync();
    handle = undefined;
    await file.close();
    await hooks?.beforeRename?.(temp);
    await rename(temp, target);
    renamed = true;
    if (sync) await syncFolder(dirname(target));
  } catch (error) {
    if (handle !== undefined) await handle.close().catch(() => {});
    if (!renamed) await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * {@link writeAtomic}, synchronously.
 *
 * @param path the file to replace or create (a symbolic link is followed).
 * @param source the bytes.
 * @param options permissions and syncing.
 * @throws the file system's errors; the temp file is removed first.
 */
export function writeAtomicSync(
  path: string | URL,
  source: Uint8Array | Iterable<Uint8Array>,
  options?: AtomicOptions,
): void {
  const target = resolveTargetSync(toPath(path));
  const before = existingModeSync(target);
  const sync = options?.fsync !== false;
  const keepMode = options?.mode ?? (before === undefined ? undefined : before.mode & 0o7777);

  let temp = '';
  let fd: number | undefined;
  for (let attempt = 0; fd === undefined; attempt++) {
    temp = tempPathFor(target);
    try {
      fd = fs.openSync(temp, 'wx', keepMode === undefined ? 0o666 : 0o600);
    } catch (error) {
      if (!isCode(error, 'EEXIST') || attempt >= 10) throw error;
    }
  }
  let renamed = false;
  try {
    if (keepMode !== undefined) fs.fchmodSync(fd, keepMode);
    if (before !== undefined && options?.mode === undefined) copyOwnerSync(fd, before);
    const write = (bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length; ) {
        at += fs.writeSync(fd!, bytes, at, Math.min(bytes.length - at, DEFAULT_CHUNK), null);
      }
    };
    if (source instanceof Uint8Array) write(source);
    else for (const bytes of source) write(bytes);
    if (sync) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
    renamed = true;
    if (sync) syncFolderSync(dirname(target));
  } catch (error) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {}
    }
    if (!renamed) {
      try {
        fs.unlinkSync(temp);
      } catch {}
    }
    throw error;
  }
}

/** Gives the new file the owner of the old one, where the process may (root, or a group it is in). */
async function copyOwner(handle: FileHandle, before: fs.Stats): Promise<void> {
  if (process.getuid === undefined || (before.uid === process.getuid() && before.gid === process.getgid?.()))
    return;
  await handle.chown(before.uid, before.gid).catch(() => {});
}

function copyOwnerSync(fd: number, before: fs.Stats): void {
  if (process.getuid === undefined || (before.uid === process.getuid() && before.gid === process.getgid?.()))
    return;
  try {
    fs.fchownSync(fd, before.uid, before.gid);
  } catch {}
}

/** Errors of fsync on a folder where the platform does not allow it (Windows cannot open one). */
const FOLDER_SYNC_UNSUPPORTED = ['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'EBADF', 'ENOTSUP'];

/** Makes the rename durable: fsync of the folder that holds the file, where the platform allows it. */
async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(folder, 'r');
  } catch (error) {
    if (isCode(error, ...FOLDER_SYNC_UNSUPPORTED)) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!isCode(error, ...FOLDER_SYNC_UNSUPPORTED)) throw error;
  } finally {
    await handle.close();
  }
}

function syncFolderSync(folder: string): void {
  let fd: number;
  try {
    fd = fs.openSync(folder, 'r');
  } catch (error) {
    if (isCode(error, ...FOLDER_SYNC_UNSUPPORTED)) return;
    throw error;
  }
  try {
    fs.fsyncSync(fd);
  } catch (error) {
    if (!isCode(error, ...FOLDER_SYNC_UNSUPPORTED)) throw error;
  } finally {
    fs.closeSync(fd);
  }
}
