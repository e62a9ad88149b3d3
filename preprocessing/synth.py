"""python -m preprocessing.synth --rows N --seed S --output raw.csv [--malformed-fraction F] [--spanish-fraction 0.3]

Deterministic generator of twcs-shaped ("Customer Support on Twitter") CSV.
Writes a header plus exactly N CSV records with the twcs columns
``tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id``.
Rows come in threads: customer message -> company reply -> sometimes a customer
follow-up -> sometimes another company reply; now and then two agents answer
the same message, another customer adds "me too", or the customer is answering
a company broadcast tweet.
There is no label column: roughly 30% of customer messages use urgent phrasing
and the rest routine phrasing, so a rule labeler / model can recover it.

Same (rows, seed, fractions) -> byte-identical file: one ``random.Random(seed)``
drives everything and timestamps are synthetic, never the wall clock.

With ``--malformed-fraction F`` about F*N evenly spaced rows are corrupted, cycling
through MALFORMED_KINDS; every malformed row is still exactly ONE CSV record for a
multi-line-aware RFC 4180 reader (pandas, Spark multiLine + escape '"').
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import time
from pathlib import Path

from . import synth_company
from . import synth_text as st

INTENT_COLUMNS = ["tweet_id", "lang", "category", "intent_label"]
COLUMNS = ["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"]
MALFORMED_KINDS = ("bad_quoting", "wrong_column_count", "bad_inbound", "bad_created_at",
                   "empty_text", "invalid_utf8", "huge_text", "duplicate_id")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # fixed English names: strftime is locale-dependent
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_START_TS = 1506816000  # 2017-10-01 00:00:00 UTC, the twcs era
_HUGE_CHARS = 102_400  # "100 KB" text; stays under Python csv's default 131072-char field limit
_STRIP_FOR_BAD_QUOTE = str.maketrans({",": " ", '"': "", "\n": " "})


def format_created_at(ts: int) -> str:
    """Twitter's ``Wed Oct 11 06:55:44 +0000 2017`` format for a UTC epoch second."""
    t = time.gmtime(ts)
    return (f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000 {t.tm_year}")


class _Threads:
    """Produces threads as lists of nodes: (parent_index, author, inbound, ts, text, urgent, intent).

    `intent` is None for company rows and "lang/category" for customer rows: the
    class each message was written for, which never reaches the CSV (the ETL
    labels with its rules) but can go to a sidecar (`generate(intents=...)`).
    """

    def __init__(self, rng: random.Random, spanish_fraction: float):
        self.rng = rng
        self.spanish_fraction = spanish_fraction
        self.voices = st.Voices(rng)
        self.ts = _START_TS
        self.next_customer = 115712
        self.recent_customers: list[str] = []

    def _customer(self) -> str:
        # Some customers write more than once, as in the real data.
        rng = self.rng
        if self.recent_customers and rng.random() < 0.15:
            return rng.choice(self.recent_customers)
        self.next_customer += 1
        cid = str(self.next_customer)
        if len(self.recent_customers) < 500:
            self.recent_customers.append(cid)
        else:
            self.recent_customers[self.next_customer % 500] = cid
        return cid

    def thread(self) -> list[tuple]:
        """One conversation; parents always precede children so any prefix is self-consistent."""
        rng, voices = self.rng, self.voices
        lang = "es" if rng.random() < self.spanish_fraction else "en"
        company = rng.choice(synth_company.COMPANIES[lang])
        customer = self._customer()
        urgent = rng.random() < 0.31
        self.ts += int(rng.random() * 30) + 1
        ts = self.ts
        nodes: list[tuple] = []
        if rng.random() < 0.05:  # customer answers a company broadcast tweet
            nodes.append((-1, company, False, ts - int(rng.random() * 86400), voices.broadcast(lang), False, None))
        first = len(nodes)
        body, category = voices.customer(lang, urgent)
        text = voices.address(company, body, self.recent_customers)
        nodes.append((first - 1, customer, True, ts, text, urgent, f"{lang}/{category}"))
        if rng.random() < 0.08:
            return nodes  # unanswered
        ts += 60 + int(rng.random() * 7200)
        reply = len(nodes)
        nodes.append((first, company, False, ts, voices.reply(lang, urgent, customer), False, None))
        if rng.random() < 0.05:  # a second agent also answers -> "id1,id2" in response_tweet_id
            nodes.append((first, company, False, ts + 97, voices.reply(lang, urgent, customer), False, None))
        if urgent and rng.random() < 0.1:
            other = self._customer()
            text = f"@{company} @{customer} {voices.me_too(lang)}"
            nodes.append((first, other, True, ts + 300, text, True, f"{lang}/me_too"))
        self._follow_up(nodes, reply, lang, urgent, company, customer, ts)
        return nodes

    def _follow_up(self, nodes, reply, lang, urgent, company, customer, ts) -> None:
        rng, voices = self.rng, self.voices
        if rng.random() >= 0.25:
            return
        still_urgent = urgent and rng.random() < 0.6  # urgent threads often end in a thank-you
        ts += 30 + int(rng.random() * 3600)
        text = f"@{company} {voices.follow_up(lang, still_urgent)}"
        follow = len(nodes)
        tag = f"{lang}/follow_up_{'open' if still_urgent else 'closed'}"
        nodes.append((reply, customer, True, ts, text, still_urgent, tag))
        if rng.random() < 0.6:
            ts += 60 + int(rng.random() * 1800)
            nodes.append((follow, company, False, ts, voices.reply(lang, still_urgent, customer), False, None))


def _corrupt(kind: str, row: list[str], prev_id: str, writer, buf: io.StringIO) -> None:
    """Write `row` damaged as `kind`; each kind still makes exactly one CSV record."""
    if kind == "bad_quoting":
        # Stray quote mid-way through an unquoted field (abc"def): RFC 4180 readers keep it literal.
        words = row[4].translate(_STRIP_FOR_BAD_QUOTE).split(" ")
        i = len(words) // 2
        w = words[i] if words[i] else "x"
        words[i] = w[: max(1, len(w) // 2)] + '"' + w[max(1, len(w) // 2):]
        resp = f'"{row[5]}"' if "," in row[5] else row[5]
        buf.write(",".join(row[:4] + [" ".join(words), resp, row[6]]) + "\n")
        return
    if kind == "wrong_column_count":
        row = row[:5] if int(row[0]) % 2 else row + ["extra", ""]  # 5 or 9 fields
    elif kind == "bad_inbound":
        row[2] = "maybe" if int(row[0]) % 2 else "unknown"
    elif kind == "bad_created_at":
        row[3] = "yesterday" if int(row[0]) % 2 else "2017-13-45 25:61:00"
    elif kind == "empty_text":
        row[4] = ""
    elif kind == "invalid_utf8":
        # Lone surrogates become raw \xff\xfe bytes through the surrogateescape encoder.
        row[4] = row[4][:8] + "\udcff\udcfe" + row[4][8:]
    elif kind == "huge_text":
        base = row[4] + " "
        row[4] = (base * (_HUGE_CHARS // len(base) + 1))[:_HUGE_CHARS]
    elif kind == "duplicate_id":
        row[0] = prev_id
    writer.writerow(row)


def _thread_rows(nodes: list[tuple], first_id: int) -> list[list[str]]:
    """CSV rows for one thread with consecutive ids; children ids are comma-joined like twcs."""
    ids = [str(first_id + i) for i in range(len(nodes))]
    children: list[list[str]] = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        if node[0] >= 0:
            children[node[0]].append(ids[i])
    return [[ids[i], author, "True" if inbound else "False", format_created_at(ts), text,
             ",".join(children[i]), ids[parent] if parent >= 0 else ""]
            for i, (parent, author, inbound, ts, text, _urgent, _intent) in enumerate(nodes)]


def _flush(buf: io.StringIO, fh) -> None:
    # surrogateescape turns the lone surrogates planted by invalid_utf8 back into raw bytes.
    fh.write(buf.getvalue().encode("utf-8", "surrogateescape"))
    buf.seek(0)
    buf.truncate()


def _malformed_schedule(rows: int, fraction: float):
    """Yield (row_index, kind) evenly spaced: malformed k sits at floor((k + 0.5) / fraction)."""
    k = 0
    while fraction > 0:
        pos = int((k + 0.5) / fraction)
        if pos >= rows:
            return
        yield pos, MALFORMED_KINDS[k % len(MALFORMED_KINDS)]
        k += 1


def _validate(rows: int, malformed_fraction: float, spanish_fraction: float) -> None:
    if rows < 0:
        raise ValueError("rows must be >= 0")
    if not 0.0 <= malformed_fraction <= 1.0:
        raise ValueError("malformed_fraction must be within [0, 1]")
    if not 0.0 <= spanish_fraction <= 1.0:
        raise ValueError("spanish_fraction must be within [0, 1]")


def generate(rows: int, seed: int, output: str | Path, malformed_fraction: float = 0.0,
             spanish_fraction: float = 0.3, intents: str | Path | None = None) -> dict:
    """Write header + `rows` CSV records to `output`; return counts of what was written.

    `intents`: also write, for each customer row, the class its text was written for
    (INTENT_COLUMNS), so rules and models can be measured against it.
    """
    _validate(rows, malformed_fraction, spanish_fraction)
    rng = random.Random(seed)
    threads = _Threads(rng, spanish_fraction)
    schedule = _malformed_schedule(rows, malformed_fraction)
    next_bad = next(schedule, (-1, None))
    stats = {"records": 0, "customer_rows": 0, "company_rows": 0, "threads": 0, "urgent_customer_rows": 0,
             "malformed": dict.fromkeys(MALFORMED_KINDS, 0), "malformed_total": 0}
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(COLUMNS)
    intent_fh = open(intents, "w", newline="", encoding="utf-8") if intents else None
    intent_writer = csv.writer(intent_fh, lineterminator="\n") if intent_fh else None
    if intent_writer:
        intent_writer.writerow(INTENT_COLUMNS)
    next_id, prev_id = 1, ""
    with open(output, "wb") as fh:  # binary: we encode ourselves so invalid bytes are possible
        while stats["records"] < rows:
            nodes = threads.thread()[: rows - stats["records"]]  # trimming keeps parents before children
            stats["threads"] += 1
            next_id += int(rng.random() * 4) if rng.random() < 0.03 else 0  # ids with occasional gaps
            for row, node in zip(_thread_rows(nodes, next_id), nodes):
                if stats["records"] == next_bad[0]:
                    _corrupt(next_bad[1], row, prev_id, writer, buf)
                    stats["malformed"][next_bad[1]] += 1
                    stats["malformed_total"] += 1
                    next_bad = next(schedule, (-1, None))
                else:
                    writer.writerow(row)
                if intent_writer and node[6]:
                    lang, category = node[6].split("/")
                    intent_writer.writerow([row[0], lang, category, "critical" if node[5] else "non_critical"])
                stats["customer_rows" if node[2] else "company_rows"] += 1
                stats["urgent_customer_rows"] += node[5]
                stats["records"] += 1
                prev_id = str(next_id)
                next_id += 1
            if buf.tell() > 1 << 20:  # flush in ~1 MB chunks: few large writes are fastest
                _flush(buf, fh)
        _flush(buf, fh)
    if intent_fh:
        intent_fh.close()
    return stats


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m preprocessing.synth", description="Generate deterministic twcs-shaped CSV.")
    p.add_argument("--rows", type=int, required=True, help="number of CSV records (header excluded)")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--output", required=True, help="CSV path to write")
    p.add_argument("--malformed-fraction", type=float, default=0.0, help="share of corrupted rows, 0..1")
    p.add_argument("--spanish-fraction", type=float, default=0.3, help="share of Spanish threads, 0..1")
    p.add_argument("--intents", help="also write each customer row's intended class to this CSV")
    a = p.parse_args(argv)
    stats = generate(a.rows, a.seed, a.output, a.malformed_fraction, a.spanish_fraction, a.intents)
    print(json.dumps(stats, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
