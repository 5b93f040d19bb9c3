#!/usr/bin/env python3
"""Builds the container image with scripts/image.sh from a rollout-guard binary and checks it without
running a container engine: skopeo reads and copies the OCI archive, podman loads it, the config (user,
entrypoint, environment, labels), the contents of the unpacked root (stripped binary, no shell, user
65532, CA bundle), that the same binary gives the same archive, and that the unpacked root runs
`serve --dev-self-signed`: /readyz and an allowed and a denied AdmissionReview, with every mapped
library coming from the root. It runs once through the root's own dynamic loader under an empty
environment, and once chrooted into the root as 65532:65532 where chroot is allowed (root), which also
uses the loader's default paths in the root. Errors of scripts/image.sh (bad binary, bad tag) are
checked too.

Usage: image_test.py PATH-TO-rollout-guard [unittest args]   (ctest: image)
"""

import glob
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
IMAGE_SH = os.path.join(REPO, "scripts", "image.sh")
REVIEWS = os.path.join(REPO, "samples", "admission-reviews")
REPOSITORY = "ghcr.io/rollout-guard/rollout-guard"
BINARY = None


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def build_image(out, *args, env=None):
    return run(["bash", IMAGE_SH, "--binary", BINARY, "--output", out, *args],
               env=dict(os.environ, **(env or {})))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def first_review(kind):
    path = sorted(glob.glob(os.path.join(REVIEWS, kind, "*.json")))[0]
    with open(path, "rb") as f:
        return path, f.read()


class ImageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rollout-guard-image-test.")
        cls.archive = os.path.join(cls.tmp, "rollout-guard.tar")
        r = build_image(cls.archive, env={"SOURCE_DATE_EPOCH": "1700000000"})
        if r.returncode != 0:
            raise AssertionError("scripts/image.sh exited %d:\n%s%s" % (r.returncode, r.stdout, r.stderr))
        cls.build_output = r.stdout
        version = run([BINARY, "--version"]).stdout.split()
        cls.version = version[-1]
        cls.ref = "%s:%s" % (REPOSITORY, cls.version)
        layout = os.path.join(cls.tmp, "layout")
        os.mkdir(layout)
        subprocess.run(["tar", "-xf", cls.archive, "-C", layout], check=True)
        bundle = os.path.join(cls.tmp, "bundle")
        r = run(["umoci", "unpack", "--rootless", "--image", "%s:%s" % (layout, cls.ref), bundle])
        if r.returncode != 0:
            raise AssertionError("umoci unpack %s exited %d: %s" % (cls.ref, r.returncode, r.stderr))
        cls.root = os.path.join(bundle, "rootfs")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, rel):
        return os.path.join(self.root, rel.lstrip("/"))

    # --- the archive and its config

    def test_config(self):
        r = run(["skopeo", "inspect", "--config", "oci-archive:" + self.archive])
        self.assertEqual(r.returncode, 0, r.stderr)
        image = json.loads(r.stdout)
        config = image["config"]
        self.assertEqual(config.get("User"), "65532:65532")
        self.assertEqual(config.get("Entrypoint"), ["/usr/local/bin/rollout-guard"])
        self.assertEqual(config.get("Cmd"), ["serve"])
        # The allocator setting, as the chart sets it on the webhook container.
        with open(os.path.join(REPO, "charts", "rollout-guard", "values.yaml")) as f:
            tunables = re.search(r"^  glibcTunables: (\S+)$", f.read(), re.M).group(1)
        self.assertEqual(config.get("Env"), ["PATH=/usr/local/bin", "GLIBC_TUNABLES=" + tunables])
        labels = config.get("Labels", {})
        self.assertEqual(labels.get("org.opencontainers.image.version"), self.version)
        self.assertTrue(labels.get("org.opencontainers.image.source", "").startswith("https://"), labels)
        self.assertEqual(image["created"], "2023-11-14T22:13:20Z")  # SOURCE_DATE_EPOCH
        self.assertEqual((image["os"], image["architecture"]), ("linux", "amd64"))
        self.assertEqual(len(image["rootfs"]["diff_ids"]), 1)

    def test_archive_names_the_chart_default_image(self):
        with open(os.path.join(self.tmp, "layout", "index.json")) as f:
            index = json.load(f)
        names = [m["annotations"]["org.opencontainers.image.ref.name"] for m in index["manifests"]]
        self.assertEqual(names, [self.ref])
        with open(os.path.join(REPO, "charts", "rollout-guard", "values.yaml")) as f:
            self.assertIn("repository: " + REPOSITORY + "\n", f.read())
        with open(os.path.join(REPO, "charts", "rollout-guard", "Chart.yaml")) as f:
            self.assertIn('appVersion: "%s"\n' % self.version, f.read())

    def test_skopeo_copies_the_archive(self):
        dest = os.path.join(self.tmp, "copy")
        r = run(["skopeo", "copy", "--quiet", "oci-archive:" + self.archive, "oci:%s:%s" % (dest, self.version)])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run(["skopeo", "inspect", "oci:%s:%s" % (dest, self.version)])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["Labels"]["org.opencontainers.image.version"], self.version)

    def test_podman_loads_the_archive(self):
        if os.geteuid() != 0:
            self.skipTest("podman with a throwaway store needs root here")
        store = os.path.join(self.tmp, "podman")
        podman = ["podman", "--root", store + "/root", "--runroot", store + "/run", "--storage-driver", "vfs",
                  "--tmpdir", store + "/tmp", "--events-backend", "none"]
        r = run(podman + ["load", "--quiet", "--input", self.archive])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.ref, r.stdout)
        r = run(podman + ["image", "inspect", "--format", "{{.Config.User}} {{.Config.Entrypoint}}", self.ref])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "65532:65532 [/usr/local/bin/rollout-guard]")

    def test_same_binary_same_archive(self):
        again = os.path.join(self.tmp, "again.tar")
        r = build_image(again, env={"SOURCE_DATE_EPOCH": "1700000000"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sha256(again), sha256(self.archive))

    def test_size(self):
        # "image: PATH (REF): N bytes unpacked, M bytes archived ..."; the goal is under 40 MB both ways.
        if os.environ.get("RG_SANITIZER"):
            self.skipTest("the size goal is for the release binary; a sanitizer build's is several times larger "
                          "(RG_SANITIZER=%s)" % os.environ["RG_SANITIZER"])
        words = self.build_output.split()
        unpacked = int(words[words.index("unpacked,") - 2])
        self.assertLess(unpacked, 40_000_000, self.build_output)
        self.assertLess(os.path.getsize(self.archive), 40_000_000)

    # --- the root

    def test_root_contents(self):
        binary = self.path("/usr/local/bin/rollout-guard")
        self.assertTrue(os.access(binary, os.X_OK))
        sections = set(re.findall(r"\] (\.\S+)", run(["readelf", "-S", "-W", binary]).stdout))
        self.assertIn(".text", sections)
        self.assertEqual(sections & {".debug_info", ".symtab"}, set(), "the binary is not stripped")
        with open(self.path("/etc/passwd")) as f:
            self.assertIn("nonroot:x:65532:65532:", f.read())
        with open(self.path("/etc/group")) as f:
            self.assertIn("nonroot:x:65532:", f.read())
        with open(self.path("/etc/ssl/certs/ca-certificates.crt")) as f:
            self.assertGreater(f.read().count("BEGIN CERTIFICATE"), 50)
        cert_pem = self.path("/usr/lib/ssl/cert.pem")  # OpenSSL's default CA file, relative into the root
        self.assertTrue(os.path.islink(cert_pem))
        self.assertEqual(os.path.realpath(cert_pem), os.path.realpath(self.path("/etc/ssl/certs/ca-certificates.crt")))
        self.assertEqual(stat.S_IMODE(os.stat(self.path("/tmp")).st_mode), 0o1777)
        self.assertTrue(os.path.isfile(self.path("/usr/share/doc/libssl3/copyright")))
        self.assertTrue(os.path.isfile(self.path("/var/lib/dpkg/status.d/libc6")))

    def test_no_shell_and_only_expected_files(self):
        allowed_dirs = ("usr/local/bin/", "lib/", "lib64/", "usr/lib/", "usr/share/doc/", "var/lib/dpkg/status.d/",
                        "etc/")
        for dirpath, _, files in os.walk(self.root):
            for name in files:
                rel = os.path.relpath(os.path.join(dirpath, name), self.root)
                self.assertTrue(rel.startswith(allowed_dirs), rel)
                self.assertNotIn(name, ("sh", "bash", "dash", "busybox", "ld.so.cache"), rel)
        self.assertEqual(os.listdir(self.path("/usr/local/bin")), ["rollout-guard"])
        self.assertEqual(sorted(os.listdir(self.path("/etc"))), ["group", "nsswitch.conf", "passwd", "ssl"])

    # --- running it

    def serve(self, cmd, cert_dir, env):
        """Starts serve; returns (process, HTTPS base URL) once /readyz answers on the health listener."""
        port, health = free_port(), free_port()
        log = open(os.path.join(self.tmp, "serve-%d.log" % port), "w+")
        self.addCleanup(log.close)
        proc = subprocess.Popen(cmd + ["serve", "--dev-self-signed", "--cert-dir", cert_dir,
                                       "--listen", "127.0.0.1:%d" % port, "--health-listen", "127.0.0.1:%d" % health,
                                       "--drain-delay", "0s", "--shutdown-grace", "2s"],
                                stdout=log, stderr=subprocess.STDOUT, env=env)

        def stop():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.addCleanup(stop)
        health_url = "http://127.0.0.1:%d" % health
        deadline = time.monotonic() + 15
        while True:
            if proc.poll() is not None:
                log.seek(0)
                self.fail("serve exited %d:\n%s" % (proc.returncode, log.read()))
            try:
                with urllib.request.urlopen(health_url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                self.fail("serve not ready within 15 s:\n" + log.read())
            time.sleep(0.1)
        return proc, "https://127.0.0.1:%d" % port

    def check_serving(self, proc, url, ca_file):
        tls = ssl.create_default_context(cafile=ca_file)
        with urllib.request.urlopen(url + "/readyz", context=tls, timeout=5) as r:
            self.assertEqual(r.status, 200)
        for kind, allowed in (("good", True), ("bad", False)):
            path, body = first_review(kind)
            req = urllib.request.Request(url + "/validate?timeout=10s", data=body,
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, context=tls, timeout=10) as r:
                answer = json.load(r)
            self.assertEqual(answer["kind"], "AdmissionReview", path)
            self.assertEqual(answer["response"]["uid"], json.loads(body)["request"]["uid"], path)
            self.assertIs(answer["response"]["allowed"], allowed, (path, answer))
            if not allowed:
                self.assertTrue(answer["response"]["status"]["message"], answer)
        self.check_maps(proc.pid)

    def check_maps(self, pid):
        """Every file the process maps (binary, loader, libraries) lies in the root."""
        mapped = set()
        with open("/proc/%d/maps" % pid) as f:
            for line in f:
                fields = line.split(None, 5)
                if len(fields) == 6 and fields[5].startswith("/"):
                    mapped.add(fields[5].strip())
        root = os.path.realpath(self.root) + os.sep
        outside = sorted(p for p in mapped if not os.path.realpath(p).startswith(root))
        self.assertEqual(outside, [], "mapped from outside the image root")
        names = {os.path.basename(p) for p in mapped}
        for needed in ("rollout-guard", "ld-linux-x86-64.so.2", "libc.so.6", "libssl.so.3", "libstdc++.so.6"):
            self.assertIn(needed, names, sorted(mapped))

    def test_serves_through_the_roots_loader(self):
        lib_dirs = sorted({os.path.dirname(p) for p in glob.glob(self.root + "/**/*.so*", recursive=True)})
        self.assertTrue(lib_dirs)
        cert_dir = os.path.join(self.tmp, "certs-loader")
        cmd = [self.path("/lib64/ld-linux-x86-64.so.2"), "--inhibit-cache", "--library-path", ":".join(lib_dirs),
               self.path("/usr/local/bin/rollout-guard")]
        proc, url = self.serve(cmd, cert_dir, env={})
        self.check_serving(proc, url, os.path.join(cert_dir, "ca.crt"))

    def test_serves_chrooted_as_nonroot(self):
        chroot = shutil.which("chroot", path="/usr/sbin:/usr/bin:/sbin:/bin")
        if os.geteuid() != 0 or not chroot:
            self.skipTest("chroot needs root")
        cmd = [chroot, "--userspec=65532:65532", "--groups=65532", self.root, "/usr/local/bin/rollout-guard"]
        proc, url = self.serve(cmd, "/tmp/certs", env={})
        self.check_serving(proc, url, self.path("/tmp/certs/ca.crt"))
        owner = os.stat(self.path("/tmp/certs/tls.key"))
        self.assertEqual((owner.st_uid, owner.st_gid), (65532, 65532))

    # --- scripts/image.sh errors

    def test_bad_input_fails_clearly(self):
        out = os.path.join(self.tmp, "bad.tar")
        cases = [
            (["--binary", os.path.join(self.tmp, "missing")], "missing: not an executable file"),
            (["--binary", shutil.which("true")], "expected 'rollout-guard <version>'"),
            (["--tag", "no spaces"], "--tag 'no spaces': not a valid image tag"),
            (["--repository", "Upper/Case"], "--repository 'Upper/Case': not a valid image repository"),
            (["--output"], "usage: bash scripts/image.sh"),
            (["--unknown"], "usage: bash scripts/image.sh"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = run(["bash", IMAGE_SH, "--binary", BINARY, "--output", out] + args)  # later flags win
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(message, r.stderr)
                self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: image_test.py PATH-TO-rollout-guard [unittest args]")
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
