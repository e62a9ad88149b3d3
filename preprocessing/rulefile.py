"""Reading and checking a rule file (configs/labels/*.yaml) into the parts of a `labeling.RuleSet`.

    rules = load_rules("configs/labels/default.yaml")

The file's shape (every phrase is normalised with `clean_text`, so write it naturally):

    default_label: non_critical
    ignore_phrases: [no problem, ...]      # harmless: found, then ignored
    classes:
      - name: critical
        priority: 1                        # lower is tried first
        categories:                        # named groups, counted in the ETL manifest
          - {name: fraud_security, strong: true, keywords: [fraud, hacked, ...]}
        keywords: [...]                    # optional: an unnamed group, counted under the class name
      - name: non_critical
    context:                               # demote a fired class ...
      - {name: resolved, strong: true, phrases: [issue resolved, ...]}
    urgent_signals: [still, right now, ...]  # ... unless one of these is found too

Errors name the file and the key to change.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from common.configfile import ConfigError
from preprocessing.text import clean_text

TOP_KEYS = ("default_label", "classes", "ignore_phrases", "context", "urgent_signals")
CLASS_KEYS = ("name", "priority", "keywords", "categories")
GROUP_KEYS = {"category": ("name", "keywords", "strong"), "context": ("name", "phrases", "strong")}


@dataclass(frozen=True)
class Category:
    """A named group of keywords; `strong` ones survive a weak (non-strong) context."""

    name: str
    keywords: tuple[str, ...]
    strong: bool = False


@dataclass(frozen=True)
class Context:
    """Phrases that demote a fired class; a `strong` context demotes strong categories too."""

    name: str
    phrases: tuple[str, ...]
    strong: bool = False


@dataclass(frozen=True)
class LabelClass:
    name: str
    priority: int
    categories: tuple[Category, ...] = ()

    @property
    def keywords(self) -> tuple[str, ...]:
        return tuple(k for cat in self.categories for k in cat.keywords)


def load_rules(path: str | Path):
    """The RuleSet a rule file declares (see the module docstring), or a ConfigError naming the key."""
    from preprocessing.labeling import MAX_GROUPS, RuleSet

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with keys {', '.join(TOP_KEYS)}")
    _check_keys(data, TOP_KEYS, str(path), "")
    if "default_label" not in data or not data.get("classes"):
        raise ConfigError(f"{path}: needs 'default_label' and a non-empty 'classes' list")
    seen: dict[str, str] = {}  # phrase -> where it is, so one phrase has one meaning
    classes = [_read_class(item, i, path, seen) for i, item in enumerate(_as_list(data["classes"], path, "classes"))]
    classes.sort(key=lambda c: c.priority)
    contexts = tuple(_read_group(item, f"context[{i}]", "context", path, seen)
                     for i, item in enumerate(_as_list(data.get("context"), path, "context")))
    ignore = _phrases(data.get("ignore_phrases"), path, "ignore_phrases", seen)
    urgent = _phrases(data.get("urgent_signals"), path, "urgent_signals", seen)
    names = [c.name for cls in classes for c in cls.categories] + [c.name for c in contexts]
    names += ["urgent"] if urgent else []
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"{path}: category/context name '{twice[0]}' is used twice ('urgent' names the "
                          "urgent_signals); give each group its own name")
    if len(names) > MAX_GROUPS:
        raise ConfigError(f"{path}: {len(names)} categories, contexts and urgent_signals; at most {MAX_GROUPS} "
                          "(one bit each in the rule mask): merge some categories")
    return RuleSet(tuple(classes), str(data["default_label"]), ignore, contexts, urgent)


def _read_class(item, i: int, path, seen: dict) -> LabelClass:
    where = f"classes[{i}]"
    if not isinstance(item, dict) or "name" not in item:
        raise ConfigError(f"{path}: {where} needs 'name' (+ 'priority', 'categories', 'keywords'); found {item!r}")
    _check_keys(item, CLASS_KEYS, str(path), where)
    name = str(item["name"])
    groups = [_read_group(g, f"{where}.categories[{j}]", "category", path, seen)
              for j, g in enumerate(_as_list(item.get("categories"), path, f"{where}.categories"))]
    if item.get("keywords"):
        groups.append(Category(name, _phrases(item["keywords"], path, f"{where}.keywords", seen)))
    try:
        priority = int(item.get("priority", i))
    except (TypeError, ValueError):
        raise ConfigError(f"{path}: {where}.priority must be an integer, found {item.get('priority')!r}") from None
    return LabelClass(name, priority, tuple(groups))


def _read_group(item, where: str, kind: str, path, seen: dict):
    keys = GROUP_KEYS[kind]
    if not isinstance(item, dict) or "name" not in item or keys[1] not in item:
        raise ConfigError(f"{path}: {where} needs 'name' and '{keys[1]}' (+ 'strong'); found {item!r}")
    _check_keys(item, keys, str(path), where)
    strong = item.get("strong", False)
    if not isinstance(strong, bool):
        raise ConfigError(f"{path}: {where}.strong must be true or false, found {strong!r}")
    words = _phrases(item[keys[1]], path, f"{where}.{keys[1]} ({item['name']})", seen)
    if not words:
        raise ConfigError(f"{path}: {where}.{keys[1]} is empty; list at least one phrase or drop the group")
    return (Category if kind == "category" else Context)(str(item["name"]), words, strong)


def _phrases(words, path, where: str, seen: dict) -> tuple[str, ...]:
    out: list[str] = []
    for word in _as_list(words, path, where):
        phrase = clean_text(str(word))
        if not phrase:
            raise ConfigError(f"{path}: phrase {word!r} in {where} is empty after normalisation")
        if phrase in out:  # two spellings of one phrase ("can't", "cant") in one list
            continue
        if phrase in seen:
            raise ConfigError(f"{path}: phrase '{phrase}' is in both {seen[phrase]} and {where}; keep it in one")
        seen[phrase] = where
        out.append(phrase)
    return tuple(out)


def _as_list(value, path, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{path}: {where} must be a list, found {type(value).__name__}")
    return value


def _check_keys(item: dict, known, path: str, where: str) -> None:
    unknown = sorted(set(item) - set(known))
    if unknown:
        at = f"{where}: " if where else ""
        raise ConfigError(f"{path}: {at}unknown key '{unknown[0]}'; known: {', '.join(known)}")
