/**
 * Entry file of a worker thread started from the module graph (see
 * worker-script.ts; the build's bundle starts from worker-boot.ts): serves
 * the worker's control plane.
 */
import { serveWorker } from './worker-api.js';

serveWorker();
