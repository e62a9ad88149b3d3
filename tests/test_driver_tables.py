import numpy as np
import pyarrow as pa
import pytest

from preprocessing import driver_tables
from preprocessing.driver_tables import count_rows, local_dir, read_columns, to_spark


def test_local_dir_only_for_the_local_file_system(spark, tmp_path):
    assert local_dir(spark, str(tmp_path)) == str(tmp_path)
    assert local_dir(spark, f"file://{tmp_path}/x") == f"{tmp_path}/x"
    assert local_dir(spark, "s3a://bucket/runs") is None
    assert local_dir(spark, "hdfs://nn:8020/runs") is None


@pytest.mark.parametrize("local", [True, False], ids=["parquet-files", "spark-arrow"])
def test_both_routes_move_the_same_tables(spark, tmp_path, monkeypatch, local):
    if not local:  # what a cluster or S3 staging gets
        monkeypatch.setattr(driver_tables, "local_dir", lambda spark, path: None)
    table = pa.table({"_row": np.arange(5, dtype=np.int64) * 7, "root": np.array([3, 3, 9, 1, 2], dtype=np.int64),
                      "_dup": np.array([True, False, True, False, False])})
    df = to_spark(spark, table, str(tmp_path / "keys"))
    assert sorted(map(tuple, df.collect())) == sorted(zip(*table.to_pydict().values()))
    assert (tmp_path / "keys").exists() == local  # locally, a Parquet file under the scratch folder
    assert to_spark(spark, table.slice(0, 0), str(tmp_path / "keys")).count() == 0

    df.write.parquet(str(tmp_path / "out"))
    assert count_rows(spark, str(tmp_path / "out")) == 5
    back = read_columns(spark, str(tmp_path / "out"), ["root", "_row"])
    assert back.column_names == ["root", "_row"]
    assert sorted(zip(*back.to_pydict().values())) == sorted(zip(table["root"].to_pylist(), table["_row"].to_pylist()))
