"""The `cazo` command as a newcomer uses it: real processes, a real embedded PostgreSQL in a fresh folder."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from cazo.database import code_schema_head
from cazo.embedded_db import EmbeddedPostgres


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "SECRET_KEY"}}
    env.update({"DATA_DIR": str(data_dir), "LOG_FORMAT": "json", **extra})
    return env


def cazo(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "cazo", *args], env=environment(data_dir), cwd=data_dir.parent,
                            capture_output=True, text=True, timeout=180)
    if check and result.returncode != 0:
        raise AssertionError(f"cazo {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def count_customers(url: str) -> int:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await connection.fetchval("SELECT count(*) FROM customers"))
    finally:
        await connection.close()


async def schema_tables(url: str, schema: str) -> set[str]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)
        return {row["tablename"] for row in rows}
    finally:
        await connection.close()


def test_db_commands_start_migrate_and_stop_a_server_whose_data_survives(tmp_path: Path) -> None:
    data_dir = tmp_path / "state"
    server = EmbeddedPostgres(data_dir / "pg")
    try:
        stopped = cazo("db", "status", data_dir=data_dir, check=False)
        assert stopped.returncode == 1 and "stopped" in stopped.stderr

        assert "Started" in cazo("db", "start", data_dir=data_dir).stderr
        assert "Already running" in cazo("db", "start", data_dir=data_dir).stderr
        url = cazo("db", "psql-url", data_dir=data_dir).stdout.strip()
        assert url.startswith("postgresql://postgres:") and "127.0.0.1" in url

        unmigrated = cazo("db", "status", data_dir=data_dir, check=False)
        assert unmigrated.returncode == 1 and "cazo db migrate" in unmigrated.stderr
        assert f"Schema at revision {code_schema_head()}" in cazo("db", "migrate", data_dir=data_dir).stderr
        assert cazo("db", "status", data_dir=data_dir).returncode == 0

        assert asyncio.run(schema_tables(server.url(), "langgraph")) >= {"checkpoints", "checkpoint_writes"}

        assert "glow-studio: created" in cazo("seed", "demo", data_dir=data_dir).stderr
        assert "already there" in cazo("seed", "demo", data_dir=data_dir).stderr

        assert "Stopped" in cazo("db", "stop", data_dir=data_dir).stderr
        assert not server.status().running
        cazo("db", "start", data_dir=data_dir)
        assert asyncio.run(count_customers(server.url())) == 200
        cazo("db", "stop", data_dir=data_dir)
    finally:
        server.stop()


def test_cazo_run_serves_everything_and_ctrl_c_stops_it_and_the_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "state"
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "cazo", "run"], cwd=tmp_path,
                               env=environment(data_dir, PORT=str(port)), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert ready is not None, f"cazo run never answered:\n{process.stdout.read() if process.stdout else ''}"
        assert ready.status_code == 200 and ready.json()["checks"]["database"]["ok"] is True
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{base}/docs").status_code == 200
        assert httpx.get(f"{base}/dev/whatsapp").status_code == 200
        assert EmbeddedPostgres(data_dir / "pg").status().running
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            pytest.fail(f"cazo run did not stop on Ctrl-C:\n{output}")
    assert process.returncode == 0, output
    assert "Cazo is starting on" in output and "/docs" in output
    assert f"WhatsApp simulator  {base}/dev/whatsapp" in output
    assert "Stopped the embedded database" in output
    assert not EmbeddedPostgres(data_dir / "pg").status().running


def test_an_unreachable_database_is_a_one_line_error_without_secrets(tmp_path: Path) -> None:
    env = environment(tmp_path, DATABASE_URL=f"postgresql://cazo:s3cr3t-pw@127.0.0.1:{free_port()}/cazo")
    result = subprocess.run([sys.executable, "-m", "cazo", "db", "migrate"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Could not use the database" in result.stderr
    assert "Traceback" not in result.stderr and "s3cr3t-pw" not in result.stderr
