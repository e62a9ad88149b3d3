"""Typed configs: YAML + overrides, coercion, unknown keys, and every shipped config loads."""
import dataclasses
from pathlib import Path

import pytest
from conftest import ROOT

from common.configfile import ConfigError, load_config, to_dict
from preprocessing.config import EtlConfig


def test_overrides_win_and_strings_are_coerced(tmp_path):
    cfg = load_config(EtlConfig, ROOT / "configs/preprocess/default.yaml",
                      ["split.seed=7", "run_id=001", "rows_per_shard=50", "spark.conf={a: 1}"])
    assert cfg.split.seed == 7 and cfg.run_id == "001" and cfg.rows_per_shard == 50
    assert cfg.spark.conf == {"a": 1}
    assert cfg.split.train == 0.8  # untouched file value


@pytest.mark.parametrize("override,message", [
    ("split.sed=3", "unknown config key 'split.sed'"),
    ("rows_per_shard=many", "'rows_per_shard' must be int"),
    ("split.train=0.95", "must be 1.0"),
    ("run_date=31/12/2024", "run_date must look like"),
    ("nokey", "not of the form key=value"),
])
def test_bad_values_name_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(EtlConfig, ROOT / "configs/preprocess/default.yaml", [override])


def test_sagemaker_style_booleans():
    from common.configfile import coerce

    assert coerce("True", bool, "k") is True and coerce("False", bool, "k") is False
    with pytest.raises(ConfigError, match="'k' must be true or false"):
        coerce("maybe", bool, "k")


def test_secrets_are_masked():
    @dataclasses.dataclass
    class C:
        aws_secret_access_key: str = "abc"
        endpoint: str = "http://user:pw@host:9000/x"

    assert to_dict(C()) == {"aws_secret_access_key": "***", "endpoint": "http://***@host:9000/x"}


def _stage_class(folder: str):
    from preprocessing.config import EtlConfig

    classes = {"preprocess": EtlConfig}
    try:
        from modeling.config import TrainConfig
        classes["train"] = TrainConfig
    except ImportError:
        pass
    try:
        from inference.config import PredictConfig
        classes["predict"] = PredictConfig
    except ImportError:
        pass
    try:
        from pipeline.runner import PipelineConfig
        classes["pipeline"] = PipelineConfig
    except ImportError:
        pass
    try:
        from pipeline.sagemaker_pipeline_config import WeeklyPipelineConfig
        classes["sagemaker_pipeline"] = WeeklyPipelineConfig
    except ImportError:
        pass
    return classes.get(folder)


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT) for p in (ROOT / "configs").glob("*/*.yaml")), ids=str)
def test_every_shipped_config_loads(path: Path):
    folder = path.parts[1]
    if folder == "labels":
        from preprocessing.labeling import load_rules

        assert load_rules(ROOT / path).labels
        return
    if folder in ("accelerate", "sagemaker"):
        import yaml

        assert isinstance(yaml.safe_load((ROOT / path).read_text()), dict)
        return
    cls = _stage_class(folder)
    assert cls is not None, f"no config class for configs/{folder}"
    load_config(cls, ROOT / path)


def test_input_section_takes_a_path_shorthand(tmp_path):
    """`input: PATH` and `--input PATH` mean input.path; input.encoding works beside either form."""
    cfg = load_config(EtlConfig, ROOT / "configs/preprocess/twcs_sample.yaml", ["input.encoding=latin-1"])
    assert (cfg.input.path, cfg.input.encoding) == ("data/samples/twcs_sample.csv", "latin-1")
    yaml_file = tmp_path / "etl.yaml"
    yaml_file.write_text("input:\n  path: a.csv\n  encoding: cp1252\n")
    cfg = load_config(EtlConfig, yaml_file, ["input=b.csv"])  # what --input b.csv passes
    assert (cfg.input.path, cfg.input.encoding) == ("b.csv", "cp1252")
    cfg = load_config(EtlConfig, None, ["input.encoding=latin-1", "input=c.csv"])
    assert (cfg.input.path, cfg.input.encoding) == ("c.csv", "latin-1")
    assert EtlConfig(input="d.csv").input.path == "d.csv"  # code that builds the config keeps working
    assert to_dict(cfg)["input"] == {"path": "c.csv", "encoding": "latin-1"}
    with pytest.raises(ConfigError, match="input.encoding 'klingon' is not an encoding"):
        load_config(EtlConfig, None, ["input.encoding=klingon"])
    with pytest.raises(ConfigError, match="unknown config key 'input.bogus'"):
        load_config(EtlConfig, None, ["input.bogus=1"])
