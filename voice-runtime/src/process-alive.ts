// Whether another process of this host still runs: how a spool or recording directory left by a
// process (its id in the file's name or `.owner`) is told apart from one still being written.

/** True while process `pid` exists (signal 0 only checks); one under another user counts (EPERM). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return typeof err === "object" && err !== null && "code" in err && err.code === "EPERM";
  }
}
