"""The short table the pipeline prints at the end: counts, metrics, gate, throughput, locations."""
from __future__ import annotations

from common.contracts import PredictSummary
from pipeline.steps import training_etl


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
    simulated = (s.get("simulated_review") or {}).get("simulated_review")
    if simulated:
        rows.append(("simulated review", f"first-pass model queued {_f(simulated['queued'])} training messages "
                                         f"{simulated['by_signal']}; the generator answered {_f(simulated['answered'])}, "
                                         f"{_f(simulated['changed'])} against the rule label"))
    reviewed = training_etl(s).get("reviewed_labels")
    if reviewed:
        rows.append(("reviewed labels", f"{_f(reviewed['applied'])} applied ({_f(reviewed['changed'])} changed the rule "
                                        f"label), {_f(reviewed['absent_from_input'])} ids not in the input"))
    t = s.get("train", {})
    rule = t.get("triage_threshold")
    if t.get("gold"):
        g, label = t["gold"], (rule or {}).get("label") or "critical"
        rows.append(("human labels", f"gold test macro-F1 model {_f(g['model'].get('macro_f1'))}  rules "
                                     f"{_f(g['rules'].get('macro_f1'))}; {label} recall {_f(g['model'].get(f'recall_{label}'))}"
                                     f" precision {_f(g['model'].get(f'precision_{label}'))}"))
    if "approved" in t:
        rows.append(("threshold", f"{rule['label']} iff P >= {rule['threshold']:.3f} (chosen on {rule['chosen_on']} for "
                                  f"recall {rule['target_recall']})" if rule else "none: argmax"))
    if t.get("metrics"):
        test, base = t["metrics"]["test"] or {}, t.get("baseline") or {}
        rows.append(("rules agreement", f"test macro-F1 model {_f(test.get('macro_f1'))}  vs baseline "
                                        f"{_f(base.get('macro_f1'))} (weak labels)"))
    if "approved" in t:
        reg = t.get("registry") or {}
        reasons = "; ".join((t.get("gate") or {}).get("reasons") or [])
        rows.append(("approved", f"{t['approved']}  (registered {reg.get('name', '-')}/{reg.get('version', '-')})"
                     + (f"  rejected because {reasons}" if reasons else "")))
    if s.get("predict", {}).get("summary"):
        p = PredictSummary.from_json(s["predict"]["summary"], source=f"{result['root']}/steps/predict.json")
        unapproved = "" if s["predict"].get("model_approved", True) else "  (by a model the gate REJECTED: unapproved_fallback)"
        rows.append(("predictions", f"{_f(p.counts.predicted)} rows  {p.labels}{unapproved}"))
        rows.append(("throughput", f"{_f(p.throughput.get('messages_per_s'))} messages/s"))
        drift = p.drift or {}
        rows.append(("drift PSI", f"labels {_f(drift.get('label_psi'))}  text length {_f(drift.get('text_length_psi'))}"
                     f"  (warn above {_f(drift.get('threshold'))})" if drift else p.drift_reason or "-"))
    if s.get("review"):
        r = s["review"]
        rows.append(("review queue", f"{_f(r['rows'])} of {_f(r['candidates'])} candidates  {r['by_signal']}"))
    for name, step in s.items():
        rows.append((f"step {name}", "skipped (already complete)" if step.get("skipped") else f"{_f(step.get('seconds'))} s"))
    for label, key in (("model", ("train", "output_dir")), ("predictions", ("predict", "output")),
                       ("review queue", ("review", "output")), ("report", ("report", "path"))):
        if key[0] in s and s[key[0]].get(key[1]):
            rows.append((f"{label} at", s[key[0]][key[1]]))
    rows.append(("run folder", result["root"]))
    width = max(len(k) for k, _ in rows)
    return "\n".join([f"Pipeline run {result['root']}", *(f"  {k:<{width}}  {v}" for k, v in rows)])
