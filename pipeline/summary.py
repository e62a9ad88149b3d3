"""The short table the pipeline prints at the end: counts, metrics, gate, throughput, locations."""
from __future__ import annotations

from common.contracts import PredictSummary


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}" if isinstance(x, float) else f"{x:,}" if isinstance(x, int) else str(x)


def summary_table(result: dict) -> str:
    s = result["steps"]
    rows: list[tuple[str, str]] = []
    for name in ("etl_train", "etl_new_batch"):
        if name in s:
            c = s[name]["counts"]
            rows.append((f"{name} rows", f"in {_f(c['input_rows'])} = customer {_f(c['customer_rows'])} + company "
                         f"{_f(c['company_rows'])} + quarantined {_f(c['quarantined_rows'])}"))
    if s.get("etl_train", {}).get("splits"):
        rows.append(("train/val/test", " / ".join(_f(v) for v in s["etl_train"]["splits"].values())))
    t = s.get("train", {})
    if t.get("metrics"):
        test, base = t["metrics"]["test"] or {}, t.get("baseline") or {}
        rows.append(("test macro-F1", f"model {_f(test.get('macro_f1'))}  vs baseline {_f(base.get('macro_f1'))}"))
        rows.append(("test accuracy", f"model {_f(test.get('accuracy'))}  vs baseline {_f(base.get('accuracy'))}"))
    if t.get("gold"):
        g = t["gold"]
        rows.append(("gold agreement", f"model {_f(g['model'].get('accuracy'))}  rules {_f(g['rules'].get('accuracy'))}"))
    if "approved" in t:
        reg = t.get("registry") or {}
        rows.append(("approved", f"{t['approved']}  (registered {reg.get('name', '-')}/{reg.get('version', '-')})"))
    if s.get("predict", {}).get("summary"):
        p = PredictSummary.from_json(s["predict"]["summary"], source=f"{result['root']}/steps/predict.json")
        rows.append(("predictions", f"{_f(p.counts.predicted)} rows  {p.labels}"))
        rows.append(("throughput", f"{_f(p.throughput.get('messages_per_s'))} messages/s"))
        drift = p.drift or {}
        rows.append(("drift PSI", f"labels {_f(drift.get('label_psi'))}  text length {_f(drift.get('text_length_psi'))}"
                     f"  (warn above {_f(drift.get('threshold'))})" if drift else p.drift_reason or "-"))
    for name, step in s.items():
        rows.append((f"step {name}", "skipped (already complete)" if step.get("skipped") else f"{_f(step.get('seconds'))} s"))
    for label, key in (("model", ("train", "output_dir")), ("predictions", ("predict", "output")),
                       ("report", ("report", "path"))):
        if key[0] in s and s[key[0]].get(key[1]):
            rows.append((f"{label} at", s[key[0]][key[1]]))
    rows.append(("run folder", result["root"]))
    width = max(len(k) for k, _ in rows)
    return "\n".join([f"Pipeline run {result['root']}", *(f"  {k:<{width}}  {v}" for k, v in rows)])
