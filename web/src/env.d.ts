/** Vite's worker import: the worker's code inlined, started from a blob: URL. */
declare module '*?worker&inline' {
  const WorkerConstructor: new () => Worker;
  export default WorkerConstructor;
}
