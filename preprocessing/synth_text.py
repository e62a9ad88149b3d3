"""Customer and company texts for ``preprocessing.synth``: a small grammar plus realistic noise.

    voice = Voices(random.Random(7)); voice.customer("es", True)  # -> ("no me llega la plata ...", "money_missing")

Customer messages are composed, per row, as opener + core + extra + closer, then
put through noise (case, typos, text-speak, missing accents, handles, links).
The cores come from intent categories in ``synth_phrases_en`` / ``synth_phrases_es``:
urgent ones (fraud, lock-outs, money that never arrived, outages, safety, ...)
and harmless look-alikes that use the same words (refund *policy* questions,
hypotheticals, "the refund arrived, thanks", "not bad at all", horror movies).
Each message keeps the class its category was written for, so the rules can be
measured against it (``preprocessing.synth_agreement``).

Template syntax: ``{a|b|}`` picks one alternative (an empty one makes it
optional), ``{slot}`` a value from the language's SLOTS; innermost braces are
filled first, so alternatives nest and slot values may hold placeholders.
Templates are expanded once per run (``Voices.__init__``) into plain strings,
so the per-row work stays a few ``rng`` calls: that keeps 1M rows fast.
Texts never contain a carriage return: Python's csv writer with lineterminator
"\\n" would leave a bare "\\r" unquoted.
"""
from __future__ import annotations

import random
import re

from . import synth_company as company
from . import synth_phrases_en as en
from . import synth_phrases_es as es

PHRASES = {"en": en, "es": es}
EXPANSIONS_PER_TEMPLATE = 24  # distinct fillings kept per template and run; rows then draw from them
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SPACES = re.compile(" {2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=\S) +(?=[?,.!])")  # "where is it ?" after an empty alternative
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_NO_ACCENTS = str.maketrans("áéíóúÁÉÍÓÚüÜ", "aeiouAEIOUuU", "¿¡")
_KEYBOARD_NEIGHBOURS = dict(zip("aeiostnrlcdmu", ["s", "r", "o", "p", "d", "r", "m", "t", "k", "v", "f", "n", "y"]))


def expand(template: str, slots: dict, rng: random.Random) -> str:
    """One random filling of `template`; an unknown slot name raises KeyError naming it."""
    def fill(match: re.Match) -> str:
        body = match.group(1)
        if "|" in body:
            return rng.choice(body.split("|"))
        value = slots[body]
        return value(rng) if callable(value) else rng.choice(value)

    while "{" in template:
        template = _PLACEHOLDER.sub(fill, template)
    return template


def expand_all(templates: list[str], slots: dict, rng: random.Random, k: int = EXPANSIONS_PER_TEMPLATE) -> list[str]:
    """Up to k distinct fillings of each template; dict.fromkeys dedups in a deterministic order.

    Runs of spaces left by empty alternatives collapse; a leading space stays, because
    closers say with it whether they follow the text with a space (" thanks") or not ("!!").
    """
    out = [expand(t, slots, rng) for t in templates for _ in range(k if "{" in t else 1)]
    return list(dict.fromkeys(_SPACE_BEFORE_PUNCT.sub("", _SPACES.sub(" ", s)).rstrip() for s in out))


def _weighted(categories: dict, weights: dict) -> list[str]:
    """Category names repeated by weight, so one rng.choice draws a weighted category."""
    return [name for name in categories for _ in range(weights.get(name, 2))]


class Voices:
    """Per-run pools of expanded phrases and the per-row composition of customer and company texts."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.cores, self.categories, self.parts = {}, {}, {}
        for lang, ph in PHRASES.items():
            for urgent, bank in ((True, ph.URGENT), (False, ph.ROUTINE)):
                key = (lang, urgent)
                self.cores[key] = {cat: expand_all(tpls, ph.SLOTS, rng) for cat, tpls in bank.items()}
                self.categories[key] = _weighted(bank, ph.WEIGHTS)
                self.parts[key] = {name: expand_all(getattr(ph, name)[urgent], ph.SLOTS, rng, 4)
                                   for name in ("OPENERS", "EXTRAS", "CLOSERS", "FOLLOWUPS")}
            self.parts[lang] = {"me_too": expand_all(ph.ME_TOO, ph.SLOTS, rng, 6), "question_openers": ph.QUESTION_OPENERS,
                                "broadcast": expand_all(company.BROADCASTS[lang], ph.SLOTS, rng, 4)}
        # A fixed pool of t.co links: random per row would cost ~10 rng calls each.
        self.urls = ["https://t.co/" + "".join(rng.choices(_ALPHABET, k=10)) for _ in range(4096)]
        self.textspeak = {lang: (re.compile(r"\b(" + "|".join(map(re.escape, ph.TEXTSPEAK)) + r")\b"), ph.TEXTSPEAK)
                          for lang, ph in PHRASES.items()}

    def customer(self, lang: str, urgent: bool) -> tuple[str, str]:
        """(body without handle, category): a first message in a thread."""
        rng, key = self.rng, (lang, urgent)
        category = rng.choice(self.categories[key])
        parts = self.parts[key]
        core = rng.choice(self.cores[key][category]).lstrip()
        if "?" in core and ":" not in core and rng.random() < 0.25:
            opener = rng.choice(self.parts[lang]["question_openers"])
        else:
            opener = rng.choice(parts["OPENERS"])
        body = f"{opener} {core}" if opener and ":" not in core else core  # no "question: question: ..."
        if rng.random() < (0.4 if urgent else 0.25):
            extra = rng.choice(parts["EXTRAS"])
            body += ("\n" if rng.random() < 0.04 else self._joint(body)) + extra  # a few multi-line (quoted) fields
        closer = rng.choice(parts["CLOSERS"])
        if closer != "." or body[-1] not in ".!?":
            body += closer
        return self.noise(body, lang, urgent), category

    def follow_up(self, lang: str, urgent: bool) -> str:
        """A customer's answer after the company replied: still broken, or sorted."""
        rng, key = self.rng, (lang, urgent)
        if rng.random() < 0.5:
            body = rng.choice(self.parts[key]["FOLLOWUPS"])
        else:  # as varied as first messages: "still nothing, cancel everything", "all sorted, thanks"
            body = rng.choice(self.cores[key][rng.choice(PHRASES[lang].FOLLOWUP_CATEGORIES[urgent])]).lstrip()
        return self.noise(body, lang, urgent)

    def me_too(self, lang: str) -> str:
        return self.noise(self.rng.choice(self.parts[lang]["me_too"]), lang, True)

    def broadcast(self, lang: str) -> str:
        return self.rng.choice(self.parts[lang]["broadcast"])

    def address(self, handle: str, body: str, others: list[str]) -> str:
        """Where the company's handle goes: first (as twcs mostly has it), last, mid-sentence, or with a friend."""
        rng = self.rng
        r = rng.random()
        if r < 0.80:
            text = f"@{handle} {body}"
        elif r < 0.89:
            text = f"{body} @{handle}"
        elif r < 0.94 and " " in body:
            first, rest = body.split(" ", 1)  # "So @Company locked my account", "Gracias @Company por nada"
            text = f"{first} @{handle} {rest}"
        else:
            text = f"@{handle} @{rng.choice(others)} {body}" if others else f"@{handle} {body}"
        if rng.random() < 0.1:
            text += " " + rng.choice(self.urls)
        return text

    def reply(self, lang: str, urgent: bool, customer: str) -> str:
        rng = self.rng
        reply = rng.choice(company.REPLIES[(lang, urgent)])
        text = f"@{customer} {reply}"
        if reply.endswith(":") or rng.random() < 0.2:  # "...here:" replies always carry their link
            text += " " + rng.choice(self.urls)
        sig = rng.choice(company.SIGNATURES)
        if sig:
            text += ("\n" if rng.random() < 0.05 else " ") + sig  # agent initials, sometimes on their own line
        return text

    def _joint(self, body: str) -> str:
        # Most people end a sentence before adding another; some just keep typing.
        r = self.rng.random()
        if body[-1] in ".!?)":
            return " "
        return ". " if r < 0.45 else ", " if r < 0.75 else " " if r < 0.9 else "... "

    def noise(self, text: str, lang: str, urgent: bool) -> str:
        """Case, text-speak, typos and (Spanish) missing accents, each on a share of rows."""
        rng = self.rng
        r = rng.random()
        if r < (0.06 if urgent else 0.015):
            text = text.upper()  # shouting
        elif r < 0.35:
            text = text.lower()
        elif r < 0.7:
            text = text[0].upper() + text[1:]
        if lang == "es" and rng.random() < 0.4:
            text = text.translate(_NO_ACCENTS)
        if rng.random() < 0.15:
            pattern, table = self.textspeak[lang]
            text = pattern.sub(lambda m: rng.choice(table[m.group(1)]), text)
        if rng.random() < 0.15:
            text = self._typo(text)
        return text

    def _typo(self, text: str) -> str:
        """One slip of the finger in a word of 4+ letters: a dropped, doubled, swapped or wrong key."""
        rng = self.rng
        words = text.split(" ")
        candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
        if not candidates:
            return text
        i = rng.choice(candidates)
        w = words[i]
        j = rng.randrange(1, len(w) - 1)
        kind = rng.random()
        if kind < 0.35:
            w = w[:j] + w[j + 1:]
        elif kind < 0.55:
            w = w[:j] + w[j] + w[j:]
        elif kind < 0.8:
            w = w[:j - 1] + w[j] + w[j - 1] + w[j + 1:]
        else:
            w = w[:j] + _KEYBOARD_NEIGHBOURS.get(w[j].lower(), w[j]) + w[j + 1:]
        words[i] = w
        return " ".join(words)
