"""The shipped command on a real two-node Ray cluster on this machine (`ray start --head` + a second
`ray start --address`, each with its own temp dir and one CPU, token authentication with a token of its own) through
RAY_ADDRESS: the same tables as the local executor. The test starts both nodes and stops what it started (their
process groups)."""
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT, require_bundled_data

RAY = Path(sys.executable).with_name("ray")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Ray's token authentication for every node and the driver, with a token of this test's own in the environment (not
# ~/.ray/auth_token, which a fresh machine lacks and the test must not write)
AUTH = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}


def start(args: list[str], temp: str) -> subprocess.Popen:
    """A Ray node in the foreground (--block) in its own process group, so stopping it stops all its processes."""
    return subprocess.Popen([str(RAY), "start", "--block", "--num-cpus=1", f"--temp-dir={temp}", "--disable-usage-stats",
                             *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, **AUTH})


def stop(p: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(p.pid, sig)
            p.wait(timeout=20)
            return
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def wait_for_nodes(address: str, n: int, seconds: float = 120) -> None:
    code = f"import ray; ray.init(address='{address}', logging_level='error'); print(len([x for x in ray.nodes() if x['Alive']]))"
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                               env={**os.environ, **AUTH})
            if r.returncode == 0 and r.stdout.strip().splitlines()[-1:] == [str(n)]:
                return
        except subprocess.TimeoutExpired:
            pass
        time.sleep(1)
    raise AssertionError(f"the cluster at {address} never had {n} nodes")


def corpus(out: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "corpus", "--lang", "fr", "--out", str(out), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONUTF8": "1", **env})


@pytest.mark.ray
def test_the_shipped_config_on_a_two_node_cluster_gives_the_local_tables(tmp_path):
    require_bundled_data()
    port = free_port()
    address = f"127.0.0.1:{port}"
    head_tmp, node_tmp = tempfile.mkdtemp(prefix="rh"), tempfile.mkdtemp(prefix="rn")  # short: socket paths
    head = start(["--head", f"--port={port}", "--include-dashboard=false"], head_tmp)
    node = None
    try:
        wait_for_nodes(address, 1)
        node = start([f"--address={address}"], node_tmp)
        wait_for_nodes(address, 2)
        on_cluster = corpus(tmp_path / "cluster", {"RAY_ADDRESS": address, **AUTH})
        assert on_cluster.returncode == 0, on_cluster.stderr[-3000:]
        assert f"executor ray (RAY_ADDRESS={address}" in on_cluster.stderr and "Traceback" not in on_cluster.stderr
        # the compiled kernels (text measures, fastText's predict) travel with the code although .gitignore names them
        probe = ("from pipeline.executors.ray_executor import init_ray; init_ray(None); import ray; "
                 "print('native', ray.get(ray.remote(lambda: __import__('pipeline.filters.text').filters.text.native "
                 "is not None and __import__('pipeline.filters.ftmodel').filters.ftmodel.native is not None).remote()))")
        shipped = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300,
                                 env={**os.environ, "RAY_ADDRESS": address, **AUTH})
        assert shipped.stdout.split()[-2:] == ["native", "True"], shipped.stderr[-2000:]
    finally:
        for p in (node, head):
            if p is not None:
                stop(p)
    local = corpus(tmp_path / "local", {"RAY_ADDRESS": ""})
    assert local.returncode == 0, local.stderr[-3000:]
    assert "executor local" in local.stderr
    for part in ("data", "rejected"):
        a = pq.read_table(tmp_path / "cluster" / "fr" / part)
        b = pq.read_table(tmp_path / "local" / "fr" / part)
        assert a.num_rows > 100 and a.equals(b), part
