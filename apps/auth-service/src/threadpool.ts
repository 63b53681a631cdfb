import { availableParallelism } from 'node:os';

/**
 * Sizes the libuv thread pool before anything uses it (imported first by main.ts). bcrypt and
 * client_credentials signing run there; libuv's default of 4 threads on a 2-core machine leaves
 * the event loop a fraction of a core during a login burst (bench row 4: event-loop lag p99
 * 20–24 ms with 4 threads, 15–16 ms with 2). Default: one thread per core, at least 2; an
 * operator's UV_THREADPOOL_SIZE wins (set it to the CPU limit in containers, where the host's
 * core count is not the pod's).
 */
if (process.env['UV_THREADPOOL_SIZE'] === undefined || process.env['UV_THREADPOOL_SIZE'] === '') {
  process.env['UV_THREADPOOL_SIZE'] = String(Math.max(2, availableParallelism()));
}
