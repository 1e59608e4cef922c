"""Debian's Chromium for the portal's browser tests (tests/browser/) and benchmarks (bench/portal.py).

`python -m tools.chromium install` (what `make chromium` and `make test` run) installs the `chromium`
package with apt-get when /usr/bin/chromium is missing, and a Chinese font (fonts-wqy-microhei) when
none is there, so that pages are laid out and screenshots drawn with real glyphs. Where it cannot (not
root, no apt-get, the package not found), it says why, loudly, and exits 0: the browser tests then
skip, naming the reason.
Playwright drives this Chromium; it never downloads a browser of its own (`playwright install` is not
used: a build fetched from outside the package registries is not allowed on these machines).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = Path(os.environ.get("HUIQI_CHROMIUM", "/usr/bin/chromium"))
# headless, and nothing that phones home or waits for a GPU
ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync")
# each Debian package and a file it installs
PACKAGES = {"chromium": CHROMIUM, "fonts-wqy-microhei": Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")}
INSTALL_TIMEOUT_S = 900


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return (f"Chromium is not installed ({CHROMIUM} missing): `make chromium` installs Debian's chromium "
                f"package (as root, with apt-get)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is missing: `make install` installs the dev extras"
    return None


def launch(playwright):
    """A headless Chromium with a fresh profile of its own (Playwright's launch makes one per browser)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(ARGS))


def install() -> int:
    wanted = [package for package, path in PACKAGES.items() if not path.exists()]
    if not wanted:
        print(f"chromium: {CHROMIUM} is installed")
        return 0
    reason = None
    if shutil.which("apt-get") is None:
        reason = "apt-get is not on this machine (not Debian)"
    elif os.geteuid() != 0:
        reason = f"apt-get install needs root: run `sudo apt-get install -y {' '.join(wanted)}`"
    if reason is None:
        reason = _apt_get_install(wanted)
    if reason is None and CHROMIUM.exists():
        print(f"chromium: installed Debian's {', '.join(wanted)}")
        return 0
    banner = "!" * 78
    print(f"{banner}\nchromium: NOT INSTALLED, the browser tests (tests/browser/) will SKIP:\n"
          f"{reason or f'{CHROMIUM} still missing after apt-get'}\n{banner}", file=sys.stderr)
    return 0


def _apt_get_install(packages: list[str]) -> str | None:
    """None once installed, else why not (the end of apt-get's output)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    with tempfile.TemporaryFile("w+") as log:
        done = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT_S)
        if done.returncode != 0:   # an old package list: update it once and try again
            subprocess.run(["apt-get", "update"], env=env, stdout=log, stderr=subprocess.STDOUT,
                           timeout=INSTALL_TIMEOUT_S)
            done = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT_S)
        if done.returncode == 0:
            return None
        log.seek(0)
        tail = "\n".join(log.read().splitlines()[-5:])
        return f"apt-get install {' '.join(packages)} failed ({done.returncode}):\n{tail}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["install"]:
        return install()
    if args == ["check"]:
        reason = missing()
        print(reason or f"chromium: ready ({CHROMIUM})")
        return 1 if reason else 0
    print("usage: python -m tools.chromium install|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
