// A real PostgreSQL server for tests, CI and benches: Debian's `postgresql` binaries, a fresh
// cluster (initdb) in a temp dir, listening on 127.0.0.1 with trust auth, so that what passes
// against PGlite is also checked against the server Neon runs. Postgres refuses to run as root,
// so as root the cluster belongs to the `postgres` user the Debian package creates.
//
// The server is the postmaster itself as our child (not `pg_ctl start`, which daemonises): with
// setpriv's parent-death signal it shuts down when this process dies, even by SIGKILL, so a
// crashed test run leaves no server behind.
//
// CLI: `node scripts/postgres.ts -- <command…>` runs the command with SPEAKNODE_TEST_DATABASE_URL
// set to a fresh server and exits with its status (`.ci/run` runs the workers suite this way);
// without a command it prints `{"url":…}` and serves until SIGINT/SIGTERM or stdin ends.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PostgresServerOptions {
  /** Cluster directory; reused when it already holds a cluster. A temp dir (removed on close) when unset. */
  dataDir?: string | undefined;
  /** TCP port on 127.0.0.1; a free one when unset. */
  port?: number | undefined;
  /**
   * Keep fsync and synchronous commit on. Off by default: a throwaway test cluster gains nothing
   * from flushing, and CI time is short. A bench that compares with Neon may want them on.
   */
  durable?: boolean | undefined;
}

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth: no password). */
  url: string;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

export const installHint = "install Debian's PostgreSQL server: apt-get install -y postgresql (as root; `node scripts/system-packages.ts test:postgres` does it)";

/** Directory holding initdb and postgres: Debian's /usr/lib/postgresql/<newest>/bin, else PATH. */
export function findPostgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, "bin", "initdb")) && existsSync(join(root, v, "bin", "postgres")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], "bin");
  }
  const onPath = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  const initdb = onPath.status === 0 ? onPath.stdout.trim() : "";
  return initdb ? initdb.slice(0, initdb.lastIndexOf("/")) : undefined;
}

/** uid/gid to run as: ourselves, or the `postgres` user when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (!uid || !gid) throw new Error(`Postgres cannot run as root and there is no \`postgres\` user: ${installHint}`);
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function hasSetpriv(): boolean {
  return spawnSync("sh", ["-c", "command -v setpriv"], { stdio: "ignore" }).status === 0;
}

function launch(bin: string, dataDir: string, port: number, durable: boolean, user: { uid: number; gid: number } | undefined): ChildProcess {
  const args = ["-D", dataDir, "-p", String(port), "-k", dataDir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"];
  if (!durable) args.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  const postgres = join(bin, "postgres");
  // cwd: the postgres user may not be allowed into the caller's working directory.
  const options = { cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"] };
  if (hasSetpriv()) {
    const ids = user ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups"] : [];
    return spawn("setpriv", [...ids, "--pdeathsig", "INT", "--", postgres, ...args], options);
  }
  return spawn(postgres, args, { ...options, ...(user ?? {}) });
}

/** Waits for "ready to accept connections"; rejects with the server's last lines if it exits first. */
function whenReady(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    const onData = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
      if (log.includes("ready to accept connections")) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`postgres exited (${code}) before it was ready:\n${log}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`postgres was not ready in ${timeoutMs} ms:\n${log}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stderr?.off("data", onData);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      // Keep draining so a chatty server never blocks on a full pipe.
      child.stderr?.resume();
      child.stdout?.resume();
    };
    child.stderr?.on("data", onData);
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

export async function startPostgresServer(opts: PostgresServerOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(`PostgreSQL server binaries (initdb, postgres) not found: ${installHint}`);
  const user = serverUser();
  const temporary = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "speaknode-pg-"));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (user) chownSync(dataDir, user.uid, user.gid);
  const removeTemp = () => {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };

  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    const init = spawnSync(join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], {
      cwd: tmpdir(),
      encoding: "utf8",
      ...(user ?? {}),
    });
    if (init.status !== 0) {
      removeTemp();
      throw new Error(`initdb failed (${init.status ?? init.error?.message}):\n${init.stderr}`);
    }
  }

  // A free port can be taken between the probe and the bind: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const child = launch(bin, dataDir, port, opts.durable ?? false, user);
    try {
      await whenReady(child);
    } catch (err) {
      child.kill("SIGKILL");
      if (opts.port === undefined && attempt < 3 && String(err).includes("already in use")) continue;
      removeTemp();
      throw err;
    }
    let closed: Promise<void> | undefined;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dataDir,
      close: () =>
        (closed ??= new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(kill);
            removeTemp();
            resolve();
          };
          // SIGINT is Postgres's "fast" shutdown: it ends open sessions instead of waiting for them.
          const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once("exit", done);
          child.kill("SIGINT");
        })),
    };
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const dash = process.argv.indexOf("--");
  const command = dash >= 0 ? process.argv.slice(dash + 1) : [];
  let server: PostgresServer;
  try {
    server = await startPostgresServer();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  if (command.length === 0) {
    process.stdout.write(JSON.stringify({ url: server.url }) + "\n");
    const stop = () => void server.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    process.stdin.on("end", stop);
    process.stdin.resume();
  } else {
    console.error(`postgres: real PostgreSQL at ${server.url} (${server.dataDir}); running: ${command.join(" ")}`);
    const [cmd, ...args] = command as [string, ...string[]];
    // Its own process group, signalled as a whole: `npx vitest` is npx → vitest → workerd, and a
    // signal to npx alone was measured to leave vitest running, orphaned.
    const child = spawn(cmd, args, { stdio: "inherit", detached: true, env: { ...process.env, SPEAKNODE_TEST_DATABASE_URL: server.url } });
    const forward = (signal: NodeJS.Signals) => {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    };
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    const status = await new Promise<number>((resolve) => {
      child.once("error", (err) => {
        console.error(`postgres: could not run ${cmd}: ${err.message}`);
        resolve(127);
      });
      child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
    await server.close();
    process.exit(status);
  }
}
