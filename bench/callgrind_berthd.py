"""berthd under callgrind, for counting the instructions a stretch of work costs it (rpc_cost.py, run_cost.py).

A stripped copy runs (valgrind cannot read Swift's debug info) on its own temp root, state and socket; the
counters are zeroed before the work and dumped after it, so only the work is counted.
"""
import glob, os, shutil, subprocess, tempfile, time


class CallgrindBerthd:
    def __init__(self, berthd, prefix):
        if not shutil.which("valgrind"):
            subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=True)
        self.work = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
        self.socket = f"{self.work}/d.sock"
        binary = f"{self.work}/berthd"
        subprocess.run(["strip", "-g", "-o", binary, berthd], check=True)
        self.proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={self.work}/cg.%p", binary,
             "--root", f"{self.work}/root", "--state", f"{self.work}/state", "--address", self.socket],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 300
        while subprocess.run(["ctr", "--address", self.socket, "version"], capture_output=True).returncode != 0:
            if self.proc.poll() is not None or time.time() > deadline:
                self.close()
                raise SystemExit("berthd did not start under valgrind")
            time.sleep(1)

    def zero(self):
        subprocess.run(["callgrind_control", "-z", str(self.proc.pid)], capture_output=True, check=True)

    def dump(self, keep=None):
        """Instructions since the last zero; `keep` is a path to copy the callgrind file to."""
        for path in glob.glob(f"{self.work}/cg.*"):
            os.remove(path)
        subprocess.run(["callgrind_control", "-d", str(self.proc.pid)], capture_output=True, check=True)
        time.sleep(1)
        total = 0
        for path in glob.glob(f"{self.work}/cg.*"):
            with open(path) as f:
                total = max([total] + [int(line.split()[1]) for line in f if line.startswith(("summary:", "totals:"))])
            if keep:
                os.makedirs(os.path.dirname(keep), exist_ok=True)
                shutil.copy(path, keep)
        return total

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        # Shims berthd started, and mounts it left, go with it.
        subprocess.run(["pkill", "-f", f"shim.*{self.work}"], capture_output=True)
        subprocess.run(["bash", "-c", f"grep -o ' {self.work}[^ ]*' /proc/mounts | sort -r | xargs -r umount -l"],
                       capture_output=True)
        shutil.rmtree(self.work, ignore_errors=True)
