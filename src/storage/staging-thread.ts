/**
 * The staging worker's thread: it hashes each slot it is handed and writes it at the job's next
 * position, with O_DIRECT for the 4 KiB-aligned part where the job has such a descriptor.
 */

/** O_DIRECT needs offsets, lengths and addresses aligned to the device's block; 4 KiB covers them all. */
const DIRECT_ALIGN = 4096;

/**
 * The thread's source, for slots of `slotBytes` bytes in the arena passed as workerData.arena.
 * Plain CommonJS, so that it runs the same from the TypeScript sources, the build and the tests.
 * Messages of one job arrive in order and are handled one at a time; after answering `end` or
 * `cancel` the thread never touches that job's descriptors again. Every slot is handed back, a
 * failed write's too; the first failure of a job is told at once, so its upload stops early.
 */
export const stagingThreadSource = (slotBytes: number): string => `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const ALIGN = ${DIRECT_ALIGN};
const SLOT = ${slotBytes};
const arena = Buffer.from(workerData.arena);
const jobs = new Map();
function writeAt(fd, data, from, to, position) {
  const n = writeSync(fd, data, from, to - from, position + from);
  if (n <= 0) throw Object.assign(new Error('the disk took no bytes'), { code: 'EIO' });
  return n;
}
function put(job, data) {
  let done = 0;
  if (job.directFd !== undefined) {
    const aligned = data.length - (data.length % ALIGN);
    try {
      while (done < aligned) {
        const n = writeAt(job.directFd, data, done, aligned, job.position);
        done += n;
        // A short write off the grid: the rest goes through the page cache.
        if (n % ALIGN !== 0) break;
      }
    } catch (err) {
      // A file system that takes O_DIRECT at open but not this write: the page cache does.
      if (err.code !== 'EINVAL') throw err;
      job.directFd = undefined;
    }
  }
  while (done < data.length) done += writeAt(job.fd, data, done, data.length, job.position);
  job.position += data.length;
}
parentPort.on('message', (m) => {
  if (m.start) return void jobs.set(m.id, { fd: m.fd, directFd: m.directFd, position: 0, hash: createHash('sha256'), error: undefined });
  const job = jobs.get(m.id);
  if (m.slot !== undefined) {
    if (job && !job.error) {
      try {
        const data = arena.subarray(m.slot * SLOT, m.slot * SLOT + m.length);
        job.hash.update(data);
        put(job, data);
      } catch (err) {
        job.error = String((err && err.message) || err);
        job.code = err && err.code;
        parentPort.postMessage({ id: m.id, error: job.error, code: job.code });
      }
    }
    return parentPort.postMessage({ freed: m.slot });
  }
  // A job this thread never started began on a thread that has died: it hears of it from there.
  if (!job) return;
  jobs.delete(m.id);
  if (m.cancel) return parentPort.postMessage({ id: m.id, done: true });
  parentPort.postMessage(job.error ? { id: m.id, done: true, error: job.error, code: job.code } : { id: m.id, done: true, sha256: job.hash.digest('hex'), direct: job.directFd !== undefined });
});
`;
