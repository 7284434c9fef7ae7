/**
 * Preloaded by `npm test` in the test runner and in every test file's
 * process (`--import`): resolves the python3 on PATH once, in the runner,
 * into `BRINE_PYTHON3_EXECUTABLE`, which the test files' processes inherit
 * (see test/support/python.ts).
 */
import { python3Executable } from './python.js';

python3Executable();
