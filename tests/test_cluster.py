"""The ETL and the Spark predictor on a real Spark standalone cluster, submitted as the README shows.

    .venv/bin/python -m pytest tests/test_cluster.py -q

One master and two workers (1 core, 1 GB each) run as separate JVMs started
with pyspark's own `bin/spark-class` on free ports; every one of them is
stopped at the end, pass or fail. The jobs go through `spark-submit --master
spark://... --py-files code.zip`, and the Python the executors run cannot see
the project's editable install, so they import the project from code.zip
alone, as on EMR. The results must equal an in-process local run row for row.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, run_etl

# What the README tells a user to zip for --py-files: common/ is needed on the executors too.
CODE_PACKAGES = ("common", "preprocessing", "modeling", "inference")
SPLITS = ("train", "validation", "test")
RUN_DATE = "2024-06-02"


def cluster_test(fn):
    """Starts JVMs outside the test process and submits three jobs: slow, but CI runs it (no skip)."""
    return pytest.mark.slow(pytest.mark.spark(fn))


@dataclass
class Cluster:
    master_url: str
    master_ui: str
    worker_uis: list[str]
    env: dict

    def status(self, ui: str) -> dict:
        with urllib.request.urlopen(f"{ui}/json/", timeout=10) as resp:
            return json.load(resp)


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _wait_for_line(log: Path, pattern: str, proc: subprocess.Popen, timeout_s: float = 90) -> re.Match:
    """The first match of `pattern` in a daemon's log, failing fast (with the log) if it exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if (found := re.search(pattern, text)) is not None:
            return found
        if proc.poll() is not None:
            raise RuntimeError(f"{log.name}: daemon exited with {proc.returncode}:\n{text[-3000:]}")
        time.sleep(0.3)
    raise TimeoutError(f"{log.name}: no line matching {pattern!r} after {timeout_s}s")


def _stop(procs: list[subprocess.Popen]) -> None:
    """TERM each daemon's process group (spark-class execs the JVM), KILL what is still there."""
    for proc in reversed(procs):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in reversed(procs):
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def _python_without_project(folder: Path) -> Path:
    """An interpreter that sees the venv's packages but not the project's editable install.

    `-S` skips site.py, so no .pth file runs (the editable finder is one); the
    venv's site-packages is put back on PYTHONPATH, after Spark's own entries
    (pyspark, the --py-files zip), which therefore win.
    """
    import sysconfig

    path = folder / "python-no-project"
    path.write_text("#!/bin/sh\n"
                    f'PYTHONPATH="${{PYTHONPATH:+$PYTHONPATH:}}{sysconfig.get_paths()["purelib"]}" exec {sys.executable} -S "$@"\n')
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    base = tmp_path_factory.mktemp("cluster")
    python = _python_without_project(base)
    env = {**os.environ, "SPARK_HOME": str(_spark_home()), "SPARK_LOCAL_IP": "127.0.0.1",
           "SPARK_CONF_DIR": str(base), "PYSPARK_PYTHON": str(python), "PYSPARK_DRIVER_PYTHON": sys.executable,
           # The master's REST submission server listens on a fixed port (6066): off, so runs never collide.
           "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for key in ("PYSPARK_GATEWAY_PORT", "PYSPARK_GATEWAY_SECRET", "PYTHONPATH"):
        env.pop(key, None)
    spark_class = str(_spark_home() / "bin" / "spark-class")
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        log = base / f"{name}.log"
        with open(log, "wb") as fh:
            procs.append(subprocess.Popen([spark_class, *args], env=env, stdout=fh, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True))
        return procs[-1], log

    try:
        master, log = start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                            "--port", "0", "--webui-port", "0")
        url = _wait_for_line(log, r"Starting Spark master at (spark://\S+)", master).group(1)
        ui_port = _wait_for_line(log, r"MasterWebUI: Bound .* started at http://\S+:(\d+)", master).group(1)
        master_ui = f"http://127.0.0.1:{ui_port}"
        worker_uis = []
        for i in range(2):
            worker, wlog = start(f"worker{i}", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                                 "--port", "0", "--webui-port", "0", "--cores", "1", "--memory", "1g",
                                 "--work-dir", str(base / f"work{i}"), url)
            port = _wait_for_line(wlog, r"WorkerWebUI: Bound .* started at http://\S+:(\d+)", worker).group(1)
            worker_uis.append(f"http://127.0.0.1:{port}")
        found = Cluster(url, master_ui, worker_uis, env)
        deadline = time.monotonic() + 60
        while found.status(master_ui)["aliveworkers"] < 2:
            assert time.monotonic() < deadline, "both workers did not register with the master in 60 s"
            time.sleep(0.5)
        yield found
    finally:
        _stop(procs)


@pytest.fixture(scope="module")
def code_zip(tmp_path_factory) -> Path:
    """`zip -r code.zip common preprocessing modeling inference`, as the README says (without caches)."""
    path = tmp_path_factory.mktemp("code") / "code.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for package in CODE_PACKAGES:
            for file in sorted((ROOT / package).rglob("*.py")):
                zf.write(file, file.relative_to(ROOT).as_posix())
    return path


def submit(cluster: Cluster, code_zip: Path, script: str, *args: str) -> str:
    """`spark-submit --master <cluster> --py-files code.zip <script> <args>`; returns its log."""
    cmd = [str(_spark_home() / "bin" / "spark-submit"), "--master", cluster.master_url, "--py-files", str(code_zip),
           "--conf", "spark.sql.shuffle.partitions=4", "--conf", "spark.ui.enabled=false", script, *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=cluster.env, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    # Spark's INFO lines bury the cause: show the CLI's one-line error and the Python tracebacks.
    cause = [line for line in log.splitlines() if re.match(r"(error: |Traceback|\S*(Error|Exception)\b|  File )", line)]
    assert proc.returncode == 0, f"{script} failed on the cluster:\n" + "\n".join(cause[-40:] or log.splitlines()[-40:])
    return log


def read_rows(folder: Path, key: str | None = None) -> pd.DataFrame:
    """Every row of a folder of Parquet shards, sorted by `key` (default: by every column)."""
    files = sorted(folder.glob("*.parquet"))
    assert files, f"no shards in {folder}"
    df = pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()
    return df.sort_values(key or list(df.columns)).reset_index(drop=True)


@pytest.fixture(scope="module")
def raw_csv(tmp_path_factory) -> Path:
    """Generated rows with every kind of malformed record, so the quarantine has work."""
    from preprocessing.synth import generate

    path = tmp_path_factory.mktemp("raw") / "raw.csv"
    generate(rows=3000, seed=11, output=path, malformed_fraction=0.03)
    return path


@pytest.fixture(scope="module")
def etl_runs(cluster, code_zip, raw_csv, spark, tmp_path_factory) -> dict[str, Path]:
    """The ETL submitted in both conversation modes, and the local in-process reference run."""
    out = tmp_path_factory.mktemp("etl")
    etl_args = ["--config", "configs/preprocess/default.yaml", "--input", str(raw_csv), "--output", str(out),
                "--run-date", RUN_DATE]
    submit(cluster, code_zip, "preprocessing/etl.py", *etl_args, "--run-id", "driver")
    submit(cluster, code_zip, "preprocessing/etl.py", *etl_args, "--run-id", "joins", "conversations.driver_max_rows=0")
    # In-process, with every local shortcut on (file chunks, driver key tables, driver split stats).
    run_etl(spark, out, [f"input={raw_csv}", f"run_date={RUN_DATE}", "run_id=local", "split_input_min_bytes=0"])
    return {name: out / RUN_DATE / name for name in ("local", "driver", "joins")}


@pytest.fixture(scope="module")
def predictions(cluster, code_zip, etl_runs, spark, tiny_model_dir, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The Spark predictor on the cluster (over the cluster's ETL run) and in-process (over the local one)."""
    from inference.config import PredictConfig
    from inference.spark_predict import run as spark_predict

    out = tmp_path_factory.mktemp("predictions")
    submit(cluster, code_zip, "inference/spark_predict.py", "--model", str(tiny_model_dir), "--input",
           str(etl_runs["driver"]), "--output", str(out / "cluster"), "precision=fp32", "num_threads=1", "run_id=cluster")
    spark_predict(PredictConfig(model=str(tiny_model_dir), input=str(etl_runs["local"]), output=str(out / "local"),
                                precision="fp32", num_threads=1, run_id="cluster"), spark)
    return {name: read_rows(out / name / "predictions", "id") for name in ("cluster", "local")}


@cluster_test
def test_etl_on_the_cluster_reconciles_and_equals_the_local_run(etl_runs):
    manifests = {name: json.loads((path / "manifest.json").read_text()) for name, path in etl_runs.items()}
    counts = manifests["local"]["counts"]
    assert counts["input_rows"] == 3000 and counts["quarantined_rows"] > 0
    assert counts["input_rows"] == counts["customer_rows"] + counts["company_rows"] + counts["quarantined_rows"]
    for name in ("driver", "joins"):
        assert manifests[name]["counts"] == counts, name
        assert manifests[name]["splits"] == manifests["local"]["splits"], name
        assert (etl_runs[name] / "_SUCCESS").exists()
        assert sum(len(read_rows(etl_runs[name] / s)) for s in SPLITS) == counts["customer_rows"]
        for split in SPLITS:
            pd.testing.assert_frame_equal(read_rows(etl_runs[name] / split, "tweet_id"),
                                          read_rows(etl_runs["local"] / split, "tweet_id"))
        quarantine = read_rows(etl_runs[name] / "quarantine")
        assert len(quarantine) == counts["quarantined_rows"]
        pd.testing.assert_frame_equal(quarantine, read_rows(etl_runs["local"] / "quarantine"))


@cluster_test
def test_predictions_on_the_cluster_cover_every_customer_row_once(etl_runs, predictions):
    on_cluster, in_process = predictions["cluster"], predictions["local"]
    customer_ids = pd.concat([read_rows(etl_runs["driver"] / s, "tweet_id")["tweet_id"] for s in SPLITS])
    assert on_cluster["id"].is_unique and len(on_cluster) == len(customer_ids)
    assert sorted(on_cluster["id"]) == sorted(customer_ids.astype(str))  # ids are opaque strings
    assert list(on_cluster.columns) == list(in_process.columns)
    for col in on_cluster.columns:
        if col.startswith("prob_") or col == "score":
            assert (on_cluster[col] - in_process[col]).abs().max() < 1e-5, col
        else:
            assert on_cluster[col].equals(in_process[col]), col


@cluster_test
def test_the_master_ran_every_application_on_both_workers(cluster, etl_runs, predictions):
    apps = {a["id"]: a for a in cluster.status(cluster.master_ui)["completedapps"]}
    assert sorted(a["name"] for a in apps.values()) == ["support-etl", "support-etl", "support-predict"]
    assert all(a["state"] == "FINISHED" and a["cores"] == 2 for a in apps.values()), apps
    for ui in cluster.worker_uis:  # each 1-core worker ran an executor of every application
        assert {e["appid"] for e in cluster.status(ui)["finishedexecutors"]} == set(apps), ui


@pytest.mark.parametrize("master", ["spark://10.0.0.1:7077", "yarn", "k8s://https://api.example:6443"])
def test_local_shortcuts_are_off_under_a_cluster_master(master):
    """driver_tables.local_dir gates every shortcut that needs the driver's disk (split_csv chunks,
    Parquet key tables, split stats by pyarrow); the cluster tests above run the paths it then takes."""
    from types import SimpleNamespace

    from preprocessing.driver_tables import local_dir

    assert local_dir(SimpleNamespace(sparkContext=SimpleNamespace(master=master)), "/tmp/runs") is None


def test_header_of_an_hdfs_input_is_read_by_spark_when_fsspec_cannot_open_it():
    """fsspec's hdfs:// needs libhdfs in the driver's Python (OSError without it); Spark reads that line instead."""
    from types import SimpleNamespace

    from preprocessing.reading import read_header

    asked = []

    def text(path):
        asked.append(path)
        return SimpleNamespace(limit=lambda n: SimpleNamespace(collect=lambda: [("tweet_id,author_id,text",)]))

    spark = SimpleNamespace(read=SimpleNamespace(text=text))
    assert read_header(spark, "hdfs://127.0.0.1:1/raw/twcs.csv") == ["tweet_id", "author_id", "text"]
    assert asked == ["hdfs://127.0.0.1:1/raw/twcs.csv"]
