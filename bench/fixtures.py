"""Debian packages the harness needs and the fixture images it measures with, built from real bits.

Images (one OCI layout, tags below), cached under bench/work/fixtures-<key>/ so a rerun reuses them:
  busybox  one layer: /bin/busybox of busybox-static and a symlink per applet
  large    a Debian bookworm root filesystem (mmdebstrap minbase + Go, Python, Perl, gcc) split over seven
           layers: base system, shared libraries, /usr/share (many small files), compilers, the Go
           toolchain's binaries, its sources (~13k small files), and a cleanup layer with whiteouts
  go       one big gzip layer: the Go toolchain and sources (the apply scenario)
"""
import hashlib, io, json, os, shutil, subprocess, tarfile, time

from daemons import sh

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
WORK_DIR = f"{BENCH_DIR}/work"
PACKAGES = ["containerd", "runc", "crun", "busybox-static", "docker-registry", "skopeo", "umoci", "mmdebstrap",
            "tar", "gzip"]
SUITE, MIRROR = "bookworm", "http://deb.debian.org/debian"
EXTRA_DEBS = ["golang-1.19-go", "python3", "perl", "gcc"]
RECIPE_VERSION = 1  # bump when the way fixtures are built changes
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Layers of the large image, bottom first: a path goes to the layer with the longest prefix that matches
# it, everything else to "base" (which thereby also holds every parent directory).
LARGE_LAYERS = [
    ("base", []),
    ("shared libraries", ["usr/lib/x86_64-linux-gnu"]),
    ("usr/share", ["usr/share"]),
    ("compilers and python", ["usr/lib/gcc", "usr/libexec/gcc", "usr/lib/python3.11"]),
    ("go toolchain", ["usr/lib/go-1.19"]),
    ("go sources", ["usr/share/go-1.19"]),
]
GO_PATHS = ["usr/lib/go-1.19", "usr/share/go-1.19"]


def ensure_packages(log):
    missing = [p for p in PACKAGES if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                                                     text=True).stdout != "install ok installed"]
    if missing:
        log(f"installing Debian packages: {' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    # Debian's containerd package starts a system daemon; ours run on their own sockets, it would only
    # compete for the CPUs.
    if subprocess.run(["systemctl", "is-active", "--quiet", "containerd"], capture_output=True).returncode == 0:
        subprocess.run(["systemctl", "stop", "containerd"], capture_output=True)


def package_version(name):
    return subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True).stdout


class Fixtures:
    """Paths of the built fixtures; `build()` makes them unless a complete cache exists."""

    def __init__(self):
        recipe = json.dumps([RECIPE_VERSION, SUITE, MIRROR, EXTRA_DEBS, LARGE_LAYERS, GO_PATHS,
                             package_version("busybox-static")])
        self.dir = f"{WORK_DIR}/fixtures-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"
        self.layout = f"{self.dir}/oci"
        self.go_archive = f"{self.dir}/go-image.tar"  # oci-archive for `ctr images import`
        self.go_image = "docker.io/library/bench-go:latest"

    def build(self, log):
        if os.path.exists(f"{self.dir}/complete"):
            log(f"fixtures: reusing {self.dir}")
            return self
        log(f"fixtures: building in {self.dir} (a few minutes, once)")
        staging = f"{WORK_DIR}/staging-{os.getpid()}"
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(f"{staging}/out")
        try:
            layout = f"{staging}/out/oci"
            sh(["umoci", "init", "--layout", layout])
            self._build_busybox(staging, layout)
            rootfs = self._debian_rootfs(staging, log)
            self._build_large(staging, layout, rootfs, log)
            self._build_go(staging, layout, rootfs, log)
            sh(["skopeo", "copy", "-q", f"oci:{layout}:go", f"oci-archive:{staging}/out/go-image.tar:{self.go_image}"])
            sh(["umoci", "gc", "--layout", layout])
            with open(f"{staging}/out/complete", "w") as f:
                f.write(time.strftime("%Y-%m-%d %H:%M:%S\n"))
            os.rename(f"{staging}/out", self.dir)
        finally:
            subprocess.run(["umount", "-R", f"{staging}/rootfs"], capture_output=True)
            shutil.rmtree(staging, ignore_errors=True)
        return self

    def _build_busybox(self, staging, layout):
        tree = f"{staging}/busybox"
        os.makedirs(f"{tree}/bin")
        shutil.copy("/bin/busybox", f"{tree}/bin/busybox")
        applets = sh(["/bin/busybox", "--list"], stdout=subprocess.PIPE).stdout.split()
        for applet in applets:
            if applet != "busybox":
                os.symlink("busybox", f"{tree}/bin/{applet}")
        for d in ("tmp", "etc", "proc", "sys", "dev"):
            os.makedirs(f"{tree}/{d}", exist_ok=True)
        sh(["tar", "-C", tree, "--numeric-owner", "-cf", f"{staging}/busybox.tar", "."])
        self._image_from_layers(layout, "busybox", [("busybox", f"{staging}/busybox.tar")], "/bin/sh")

    def _debian_rootfs(self, staging, log):
        log(f"fixtures: mmdebstrap {SUITE} minbase + {', '.join(EXTRA_DEBS)}")
        tarball, rootfs = f"{staging}/rootfs.tar", f"{staging}/rootfs"
        sh(["mmdebstrap", "--quiet", "--variant=minbase", f"--include={','.join(EXTRA_DEBS)}", SUITE, tarball, MIRROR],
           timeout=1800)
        os.makedirs(rootfs)
        # Container images carry an empty /dev; the runtime provides the devices.
        sh(["tar", "-C", rootfs, "--numeric-owner", "--exclude=./dev/*", "-xf", tarball])
        os.remove(tarball)
        return rootfs

    def _build_large(self, staging, layout, rootfs, log):
        lists = {name: [] for name, _ in LARGE_LAYERS}
        prefixes = sorted(((p, name) for name, ps in LARGE_LAYERS for p in ps), key=lambda x: -len(x[0]))
        for dirpath, dirnames, filenames in os.walk(rootfs):
            dirnames.sort()
            for entry in sorted(dirnames + filenames):
                rel = os.path.relpath(f"{dirpath}/{entry}", rootfs)
                layer = next((name for p, name in prefixes if rel == p or rel.startswith(p + "/")), "base")
                lists[layer].append(rel)
        layers = []
        for name, _ in LARGE_LAYERS:
            path = f"{staging}/large-{len(layers)}.tar"
            with open(f"{path}.list", "w") as f:
                f.write("\n".join(lists[name]) + "\n")
            # --no-recursion: exactly the listed paths; a hardlink whose target sits in another layer is
            # stored as a full file by tar, so every layer stands on its own.
            sh(["tar", "-C", rootfs, "--numeric-owner", "--no-recursion", "--verbatim-files-from",
                "-cf", path, "-T", f"{path}.list"])
            layers.append((name, path))
        layers.append(("cleanup (whiteouts)", self._cleanup_layer(staging)))
        log(f"fixtures: compressing {len(layers)} layers of the large image")
        self._image_from_layers(layout, "large", layers, "/bin/bash")

    def _cleanup_layer(self, staging):
        """What `RUN rm -rf /usr/share/doc /var/lib/apt/lists/* && echo ...` leaves: whiteouts and a file."""
        path = f"{staging}/large-cleanup.tar"
        with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
            def add(name, data=b"", mode=0o644):
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), mode, int(time.time())
                tar.addfile(info, io.BytesIO(data))
            add("usr/share/.wh.doc")
            add("var/lib/apt/lists/.wh..wh..opq")
            add("etc/bench-image", b"berth bench fixture\n")
        return path

    def _build_go(self, staging, layout, rootfs, log):
        paths = []
        for top in GO_PATHS:
            parts = top.split("/")
            paths += ["/".join(parts[:i]) for i in range(1, len(parts))]  # parent dirs with their modes
            paths.append(top)
            for dirpath, dirnames, filenames in os.walk(f"{rootfs}/{top}"):
                dirnames.sort()
                paths += sorted(os.path.relpath(f"{dirpath}/{n}", rootfs) for n in dirnames + filenames)
        path = f"{staging}/go.tar"
        with open(f"{path}.list", "w") as f:
            f.write("\n".join(dict.fromkeys(paths)) + "\n")
        sh(["tar", "-C", rootfs, "--numeric-owner", "--no-recursion", "--verbatim-files-from", "-cf", path,
            "-T", f"{path}.list"])
        log("fixtures: compressing the single-layer go image")
        self._image_from_layers(layout, "go", [("go toolchain and sources", path)], "/bin/sh")

    @staticmethod
    def _image_from_layers(layout, tag, layers, cmd):
        sh(["umoci", "new", "--image", f"{layout}:{tag}"])
        for name, path in layers:
            sh(["umoci", "raw", "add-layer", "--image", f"{layout}:{tag}", "--history.created_by", name, path],
               timeout=1800)
            os.remove(path)
        sh(["umoci", "config", "--image", f"{layout}:{tag}", "--config.env", PATH_ENV, "--config.cmd", cmd,
            "--history.created_by", "config"])

    # --- facts about built images ---

    def manifest(self, tag):
        with open(f"{self.layout}/index.json") as f:
            index = json.load(f)
        desc = next(m for m in index["manifests"]
                    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
        return self._blob_json(desc["digest"])

    def _blob_json(self, digest):
        with open(self.blob_path(digest)) as f:
            return json.load(f)

    def blob_path(self, digest):
        algorithm, hex_digest = digest.split(":")
        return f"{self.layout}/blobs/{algorithm}/{hex_digest}"

    def compressed_size(self, tag):
        return sum(layer["size"] for layer in self.manifest(tag)["layers"])

    def describe(self, tag):
        layers = self.manifest(tag)["layers"]
        return {"layers": len(layers), "compressed_mib": round(sum(l["size"] for l in layers) / 2**20, 1)}

    def push(self, registry, log):
        """Copies every tag into the registry as <host>/bench/<tag>:latest; returns {tag: reference}."""
        refs = {}
        for tag in ("busybox", "large"):
            refs[tag] = f"{registry.host}/bench/{tag}:latest"
            sh(["skopeo", "copy", "-q", "--dest-tls-verify=false", f"oci:{self.layout}:{tag}", f"docker://{refs[tag]}"])
        log(f"registry {registry.host}: pushed {', '.join(refs.values())}")
        return refs
