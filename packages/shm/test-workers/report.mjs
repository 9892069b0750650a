// Shared by the worker scripts: runs `body` and posts its outcome to the parent.
import { parentPort } from 'node:worker_threads';

export function report(body) {
  try {
    parentPort.postMessage({ ok: true, result: body() });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: { name: e?.name ?? 'Error', message: e?.message ?? String(e) } });
  }
}
