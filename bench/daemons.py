"""The processes a benchmark drives: berthd, containerd and a local registry, each on its own temp dirs.

Everything started here is registered in LIVE and torn down by `stop_all()` (called from a finally and
atexit), so a failure or Ctrl-C leaves no daemon, shim, container, mount or cgroup behind.
"""
import os, secrets, shutil, signal, socket, subprocess, tempfile, time

LIVE = []  # started objects with a stop() method, newest last
_DAEMON_PARENT = None


def daemon_parent():
    """The folder the daemons' temp dirs go in, marked as a top of a directory hierarchy (chattr +T).

    ext4 then places each daemon's dir in a block group of its own instead of next to what earlier rounds
    deleted. On ext4 without a journal (this VM's disk) every new inode first skips the group's recently
    deleted ones, one buffer lookup each, for 5 minutes while their inode table is dirty; after a few rounds
    that scan took a quarter of a daemon's CPU when it made bundles and snapshots, for whichever daemon
    happened to land there.
    """
    global _DAEMON_PARENT
    if _DAEMON_PARENT is None:
        _DAEMON_PARENT = tempfile.mkdtemp(prefix="bench-daemons-", dir="/tmp")
        subprocess.run(["chattr", "+T", _DAEMON_PARENT], capture_output=True)
    return _DAEMON_PARENT


class CommandFailed(RuntimeError):
    pass


def sh(cmd, timeout=600, stdin=None, stdout=subprocess.DEVNULL, text=True):
    """Runs cmd; on a non-zero exit or timeout raises CommandFailed with the tail of its stderr."""
    try:
        proc = subprocess.run(cmd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=timeout, text=text)
    except subprocess.TimeoutExpired:
        raise CommandFailed(f"timed out after {timeout}s: {short_command(cmd)}") from None
    if proc.returncode != 0:
        err = proc.stderr if text else proc.stderr.decode(errors="replace")
        raise CommandFailed(f"`{short_command(cmd)}` exited {proc.returncode}: {err.strip()[-600:]}")
    return proc


def short_command(cmd):
    """The command for an error message, without the temp socket and namespace that only add noise."""
    words, skip = [os.path.basename(cmd[0])], False
    for arg in cmd[1:]:
        if skip:
            skip = False
        elif arg in ("--address", "--namespace"):
            skip = True
        else:
            words.append(arg if len(arg) < 40 else "…" + arg[-30:])
    return " ".join(words[:10]) + (" …" if len(words) > 10 else "")


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def unique_id(prefix):
    return f"{prefix}-{secrets.token_hex(3)}"


def proc_status_kib(pid, field):
    """A `field: N kB` line of /proc/PID/status, e.g. VmRSS."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def smaps_rollup_kib(pid):
    """{'Rss': kB, 'Pss': kB} from /proc/PID/smaps_rollup."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                values[key] = int(rest.split()[0])
    return values


def evict_from_page_cache(path):
    """Both daemons start from a cold page cache for their binary. A binary the page cache holds whole (berthd
    right after its build) gets more of its pages mapped per fault (the kernel's fault-around), which showed
    as 7 MiB more RSS at start for the same berthd: a cache-state artefact, not memory the daemon uses."""
    os.sync()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def pids_with_cmdline(predicate):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if args and predicate(args):
            pids.append(int(entry))
    return pids


def kill_pids(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def unmount_under(path):
    """Unmounts every mount point below path, deepest first (lazily if busy)."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4].replace("\\040", " ") for line in f]
    for point in sorted((p for p in points if p == path or p.startswith(path + "/")), key=len, reverse=True):
        if subprocess.run(["umount", point], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", point], capture_output=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc, grace=20):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Daemon:
    """One berthd or containerd on a fresh temp root, state dir, socket and containerd namespace."""

    def __init__(self, kind, bins):
        self.kind, self.bins = kind, bins
        self.dir = tempfile.mkdtemp(prefix=f"bench-{kind}-", dir=daemon_parent())
        self.socket = f"{self.dir}/d.sock"
        # A namespace of its own keeps runc state (/run/containerd/runc/<ns>) and cgroups apart per daemon.
        self.namespace = unique_id(f"bench{kind[0]}")
        self.log_path = f"{self.dir}/log"
        self.proc = None
        LIVE.append(self)
        if kind == "berth":
            cmd = [bins["berthd"], "--root", f"{self.dir}/root", "--state", f"{self.dir}/state",
                   "--address", self.socket]
        else:
            with open(f"{self.dir}/config.toml", "w") as f:
                f.write(f'version = 2\nroot = "{self.dir}/root"\nstate = "{self.dir}/state"\n'
                        f'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\naddress = "{self.socket}"\n'
                        f'[plugins."io.containerd.internal.v1.opt"]\npath = "{self.dir}/opt"\n')
            cmd = ["containerd", "--config", f"{self.dir}/config.toml"]
        evict_from_page_cache(shutil.which(cmd[0]) or cmd[0])
        with open(self.log_path, "w") as log:
            # Own session: a Ctrl-C reaches only this script, which then stops the daemon in order.
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
        deadline = time.time() + 60
        while subprocess.run(self.ctr_cmd("version"), capture_output=True).returncode != 0:
            if self.proc.poll() is not None or time.time() > deadline:
                message = f"{kind} did not start: {self.log_tail()}"
                self.stop()
                raise CommandFailed(message)
            time.sleep(0.05)
        time.sleep(0.3)  # both collect garbage once shortly after start

    def ctr_cmd(self, *args):
        return ["ctr", "--address", self.socket, "--namespace", self.namespace, *args]

    def berth_cmd(self, *args):
        return [self.bins["berth"], "--address", self.socket, "--namespace", self.namespace, *args]

    def ctr(self, *args, **kw):
        return sh(self.ctr_cmd(*args), **kw)

    def log_tail(self, chars=600):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-chars:].strip()
        except OSError:
            return ""

    def rss_kib(self):
        return proc_status_kib(self.proc.pid, "VmRSS")

    def shim_pids(self):
        """The containerd-shim-runc-v2 processes serving this daemon: their -address points into its dir."""
        def ours(args):
            if "shim" not in os.path.basename(args[0]):
                return False
            return any(a.startswith(self.dir + "/") for a in args) or self.namespace in args
        return pids_with_cmdline(ours)

    def stop(self):
        if self in LIVE:
            LIVE.remove(self)
        self._kill_leftover_containers()
        if self.proc:
            stop_process(self.proc)
        kill_pids(self.shim_pids())
        unmount_under(self.dir)
        self._remove_cgroups()
        shutil.rmtree(self.dir, ignore_errors=True)
        os.sync()  # clean inode tables: ext4 then avoids the freed inodes for seconds, not minutes

    def _kill_leftover_containers(self):
        # Normally every scenario deletes its containers; this catches a scenario that failed half way.
        runc_root = f"/run/containerd/runc/{self.namespace}"
        if not os.path.isdir(runc_root):
            return
        for cid in os.listdir(runc_root):
            for runtime in ("runc", "crun"):
                subprocess.run([runtime, "--root", runc_root, "kill", cid, "KILL"], capture_output=True, timeout=30)
                subprocess.run([runtime, "--root", runc_root, "delete", "--force", cid], capture_output=True,
                               timeout=30)
        shutil.rmtree(runc_root, ignore_errors=True)

    def _remove_cgroups(self):
        # ctr puts containers in /<namespace>/<id> of each hierarchy; runc removes the leaves, not the parent.
        base = "/sys/fs/cgroup"
        candidates = [f"{base}/{self.namespace}"] + [f"{base}/{c}/{self.namespace}" for c in os.listdir(base)]
        for path in candidates:
            if os.path.isdir(path):
                for sub, _, _ in sorted(os.walk(path), key=lambda w: len(w[0]), reverse=True):
                    try:
                        os.rmdir(sub)
                    except OSError:
                        pass


class Registry:
    """Debian's docker-registry (distribution 2.8) on 127.0.0.1 with storage in a temp dir."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="bench-registry-", dir="/tmp")
        self.host = f"127.0.0.1:{free_port()}"
        LIVE.append(self)
        with open(f"{self.dir}/config.yml", "w") as f:
            f.write(f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {self.dir}/data\n"
                    f"  delete:\n    enabled: true\nhttp:\n  addr: {self.host}\n")
        with open(f"{self.dir}/log", "w") as log:
            self.proc = subprocess.Popen(["docker-registry", "serve", f"{self.dir}/config.yml"], stdout=log,
                                         stderr=log, start_new_session=True)
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(self.host.split(":"), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise CommandFailed("docker-registry did not start: " + open(f"{self.dir}/log").read()[-600:])
                time.sleep(0.05)

    def stop(self):
        if self in LIVE:
            LIVE.remove(self)
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def stop_all():
    while LIVE:
        try:
            LIVE[-1].stop()
        except Exception as error:  # keep tearing down the rest
            print(f"cleanup: {error}")
            if LIVE:
                LIVE.pop()
    global _DAEMON_PARENT
    if _DAEMON_PARENT is not None:
        shutil.rmtree(_DAEMON_PARENT, ignore_errors=True)
        _DAEMON_PARENT = None
