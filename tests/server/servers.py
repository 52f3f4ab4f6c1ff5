"""Real servers on loopback for the server-backend tests and the load benchmark: a Chroma server
(`chroma run`, shipped with the chromadb package) and a PostgreSQL cluster from Debian's packages
(`initdb` / `pg_ctl` in a temporary directory). Both listen on 127.0.0.1 only, on a free port, and are
stopped (and their directories removed) when the context manager exits or, failing that, at exit."""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

LOOPBACK = "127.0.0.1"


class ServerUnavailable(RuntimeError):
    """The binaries for a server are not installed here (tests skip with this reason)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- Chroma ------------------------------------------------------------------------------------


def chroma_binary() -> str | None:
    """`chroma` beside the running interpreter (the venv's bin), else on PATH."""
    import sys

    beside = Path(sys.executable).parent / "chroma"
    if beside.exists() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("chroma")


@dataclass
class ChromaServer:
    """`chroma run --path <tmp> --host 127.0.0.1 --port <free>`; ready once its heartbeat answers."""

    startup_timeout: float = 90.0
    port: int = 0
    path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    _log: Path | None = None
    _tmp: str | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> ChromaServer:
        binary = chroma_binary()
        if binary is None:
            raise ServerUnavailable("未找到 chroma 命令（chromadb 软件包自带 `chroma run`）")
        self._tmp = tempfile.mkdtemp(prefix="beian-chroma-")
        self.path = Path(self._tmp) / "data"
        self._log = Path(self._tmp) / "chroma.log"
        self.port = free_port()
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "CHROMA_TELEMETRY": "False"}
        with self._log.open("wb") as log:
            self.process = subprocess.Popen(
                [binary, "run", "--path", str(self.path), "--host", LOOPBACK, "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        atexit.register(self.stop)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_text = _tail(self._log)
                self.stop()
                raise RuntimeError(f"chroma run 启动失败（退出码 {self.process.returncode}）：\n{log_text}")
            if self.heartbeat():
                return self
            time.sleep(0.2)
        log_text = _tail(self._log)
        self.stop()
        raise RuntimeError(f"chroma run 在 {self.startup_timeout:.0f} 秒内未响应心跳：\n{log_text}")

    def heartbeat(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# --- PostgreSQL --------------------------------------------------------------------------------

PG_USER = "beian"


def postgres_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb, pg_ctl and postgres (Debian layout),
    else a directory on PATH that has all three."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        directory = Path(candidate)
        if all((directory / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def _run_as() -> list[str]:
    """initdb and postgres refuse to run as root: then run them as the `postgres` system user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ServerUnavailable("以 root 运行但系统中没有 postgres 用户，无法启动 PostgreSQL") from exc
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServerUnavailable("以 root 运行但找不到 runuser，无法以 postgres 用户启动 PostgreSQL")
    return [runuser, "-u", "postgres", "--"]


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster: `initdb` (scram-sha-256, random password) in a temporary directory,
    `pg_ctl start` listening on 127.0.0.1:<free port> only (its Unix socket inside that directory)."""

    durable: bool = False  # False: fsync off (tests); True: PostgreSQL's defaults (the benchmark)
    startup_timeout: float = 60.0
    port: int = 0
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    root: Path | None = None
    _prefix: list[str] = field(default_factory=list)
    _bindir: Path | None = None
    _running: bool = False

    def url(self, database: str = "beian") -> str:
        return f"postgresql+psycopg://{PG_USER}:{self.password}@{LOOPBACK}:{self.port}/{database}"

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def _cmd(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._prefix, *args],
            check=check,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )

    def start(self) -> PostgresServer:
        self._bindir = postgres_bindir()
        if self._bindir is None:
            raise ServerUnavailable("未找到 PostgreSQL（initdb/pg_ctl）；Debian 上请安装 postgresql 软件包")
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise ServerUnavailable(
                "未安装 psycopg（pip install 'psycopg[binary]'，即 .[server] 附加依赖）"
            ) from exc
        self._prefix = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="beian-pg-"))
        if self._prefix:
            os.chown(self.root, pwd.getpwnam("postgres").pw_uid, pwd.getpwnam("postgres").pw_gid)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        if self._prefix:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, pwd.getpwnam("postgres").pw_gid)
        pwfile.chmod(0o600)
        atexit.register(self.stop)
        try:
            self._cmd(
                str(self._bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                PG_USER,
                "--pwfile",
                str(pwfile),
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            )
        except subprocess.CalledProcessError as exc:
            self.stop()
            raise RuntimeError(f"initdb 失败：{exc.stderr or exc.stdout}") from exc
        finally:
            pwfile.unlink(missing_ok=True)
        self.port = free_port()
        options = [
            f"-p {self.port}",
            f"-c listen_addresses={LOOPBACK}",
            f"-c unix_socket_directories={self.root}",
            "-c max_connections=200",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        log = self.root / "postgres.log"
        try:
            self._cmd(
                str(self._bindir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(log),
                "-w",
                "-t",
                str(int(self.startup_timeout)),
                "-o",
                " ".join(options),
                "start",
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            log_text = _tail(log)
            self.stop()
            raise RuntimeError(f"PostgreSQL 启动失败：{getattr(exc, 'stderr', '')}\n{log_text}") from exc
        self._running = True
        self.create_database("beian")
        return self

    def _connect(self, database: str = "postgres"):  # noqa: ANN202 - psycopg.Connection
        import psycopg

        return psycopg.connect(
            host=LOOPBACK,
            port=self.port,
            user=PG_USER,
            password=self.password,
            dbname=database,
            autocommit=True,
            connect_timeout=10,
        )

    def create_database(self, name: str) -> str:
        """CREATE DATABASE name (a safe identifier) and return its SQLAlchemy URL."""
        if not name.replace("_", "").isalnum() or not name.isascii():
            raise ValueError(f"不安全的数据库名：{name}")
        with self._connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self._running and self._bindir is not None:
            self._running = False
            try:
                self._cmd(
                    str(self._bindir / "pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                    check=False,
                    timeout=60,
                )
            except subprocess.TimeoutExpired:
                self._kill_postmaster()
        if self.root is not None and self.root.exists():
            self._kill_postmaster()
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def _kill_postmaster(self) -> None:
        pid_file = self.data_dir / "postmaster.pid" if self.root else None
        if pid_file is None or not pid_file.exists():
            return
        with contextlib.suppress(ValueError, OSError, IndexError):
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.1)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
