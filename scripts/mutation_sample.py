"""A bounded mutation sample: apply single-token changes to chosen modules, one at a time, run the
tests that cover each module, and count how many changes the tests catch.

    .venv/bin/python scripts/mutation_sample.py [--per-target 10] [--seed 13] [--timeout 240] [--only NAME ...]

Each mutant is one token swapped for a likely mistake (< for <=, and for or, True for False, n for
n+1, min for max, any for all, in for not in, break for continue, - for +); mutants that do not
compile are not counted. Each target gets the same number of mutants (--per-target), drawn with
a fixed seed; --only picks targets, so that two processes can share the work. Every mutant runs in a scratch copy of the project (the
work tree is never touched), on SQLite only, with `pytest -x` over the target's test files: a
failing or timed-out run is "caught". Survivors are printed with their diff, to be read: some are
equivalent (the same behaviour), which the figure does not subtract on its own.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: target name -> (modules, the test files that cover them)
TARGETS = {
    "plans.states": (["onboarding/plans/states.py"],
                     ["tests/plans/test_plan_states.py", "tests/plans/test_plan_rules.py"]),
    "reminders.build+sections": (["onboarding/reminders/build.py", "onboarding/reminders/sections.py"],
                                 ["tests/reminders/test_digest_content.py", "tests/reminders/test_digest_manager.py",
                                  "tests/reminders/test_timezones.py"]),
    "outbox": (["onboarding/outbox/queue.py", "onboarding/outbox/delivery.py", "onboarding/outbox/channels/email.py"],
               ["tests/reminders/test_outbox.py", "tests/reminders/test_smtp_failures.py",
                "tests/reminders/test_messages.py", "tests/reminders/test_outbox_crash.py"]),
    "plans.access": (["onboarding/plans/access.py"],
                     ["tests/plans/test_plan_access.py", "tests/views/test_permissions.py"]),
    "reader.plan": (["onboarding/roles/reader/plan.py"], ["tests/roles/reader"]),
}

SWAPS = {
    "<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==", "+": "-", "-": "+",
    "+=": "-=", "-=": "+=", "and": "or", "or": "and", "True": "False", "False": "True",
    "min": "max", "max": "min", "any": "all", "all": "any", "break": "continue", "continue": "break",
    "in": "not in", "is": "is not",
}


@dataclass
class Mutant:
    target: str
    path: str
    line: int
    column: int
    old: str
    new: str

    def describe(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.old!r} -> {self.new!r}"


def _candidates(target: str, path: str) -> list[Mutant]:
    source = (ROOT / path).read_text(encoding="utf-8")
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines()
    found = []
    for n, tok in enumerate(tokens):
        if tok.start[0] > len(lines):
            break
        text = lines[tok.start[0] - 1].strip()
        if text.startswith(("logger.", "log.", "@", "import ", "from ")) or "__future__" in text:
            continue
        before = tokens[n - 1].string if n else ""
        after = tokens[n + 1].string if n + 1 < len(tokens) else ""
        new = None
        if tok.type in (tokenize.OP, tokenize.NAME) and tok.string in SWAPS:
            if tok.string == "in" and (before == "not" or text.startswith("for ") or " for " in text):
                continue
            if tok.string == "is" and after == "not":
                continue
            if tok.string == "-" and before in ("(", ",", "=", "[", "return", ":"):
                continue  # a negative number, not a subtraction
            new = SWAPS[tok.string]
        elif tok.type == tokenize.NUMBER and tok.string.isdigit():
            new = str(int(tok.string) + 1)
        if new is not None:
            found.append(Mutant(target, path, tok.start[0], tok.start[1], tok.string, new))
    return found


def _apply(source: str, mutant: Mutant) -> str:
    lines = source.splitlines(keepends=True)
    line = lines[mutant.line - 1]
    assert line[mutant.column:mutant.column + len(mutant.old)] == mutant.old
    lines[mutant.line - 1] = line[:mutant.column] + mutant.new + line[mutant.column + len(mutant.old):]
    return "".join(lines)


def _sample(share: int, seed: int, only: list[str] | None) -> list[Mutant]:
    chosen: list[Mutant] = []
    for name, (modules, _) in TARGETS.items():
        if only and name not in only:
            continue
        rng = random.Random(f"{seed}:{name}")
        pool = [m for path in modules for m in _candidates(name, path)]
        compiling = []
        for mutant in rng.sample(pool, len(pool)):
            source = (ROOT / mutant.path).read_text(encoding="utf-8")
            try:
                compile(_apply(source, mutant), mutant.path, "exec")
            except SyntaxError:
                continue
            compiling.append(mutant)
            if len(compiling) == share:
                break
        chosen.extend(compiling)
    return chosen


def _scratch_copy() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="onboarding-mutants-"))
    ignore = shutil.ignore_patterns(".venv", ".git", "instance", "__pycache__", ".hypothesis", "node_modules")
    for entry in ("onboarding", "tests", "templates", "migrations", "pyproject.toml"):
        src = ROOT / entry
        if src.is_dir():
            shutil.copytree(src, scratch / entry, ignore=ignore)
        else:
            shutil.copy2(src, scratch / entry)
    return scratch


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-target", type=int, default=10, help="mutants per target (default 10)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--timeout", type=float, default=240, help="seconds per mutant's test run")
    parser.add_argument("--only", nargs="+", choices=sorted(TARGETS), help="these targets only")
    args = parser.parse_args(argv)
    mutants = _sample(args.per_target, args.seed, args.only)
    scratch = _scratch_copy()
    env = {**os.environ, "ONBOARDING_TEST_BACKENDS": "sqlite", "PYTHONPATH": str(scratch),
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.setdefault("ONBOARDING_SEEDS_DIR", str(ROOT.parent.parent / "shared" / "seeds"))
    results: dict[str, list[int]] = {name: [0, 0] for name in TARGETS}
    survivors, timeouts = [], []
    started = time.monotonic()
    try:
        for number, mutant in enumerate(mutants, 1):
            target_file = scratch / mutant.path
            original = target_file.read_text(encoding="utf-8")
            target_file.write_text(_apply(original, mutant), encoding="utf-8")
            tests = [str(scratch / t) for t in TARGETS[mutant.target][1]]
            timed_out = False
            try:
                run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                      "--rootdir", str(scratch), *tests], cwd=scratch, env=env,
                                     capture_output=True, text=True, timeout=args.timeout)
                caught = run.returncode != 0
            except subprocess.TimeoutExpired:  # counted as caught, and reported: on a loaded machine
                caught = timed_out = True      # a slow run is not always a hanging mutant
                timeouts.append(mutant)
            finally:
                target_file.write_text(original, encoding="utf-8")
            results[mutant.target][0 if caught else 1] += 1
            if not caught:
                survivors.append(mutant)
            verdict = "timeout " if timed_out else "caught  " if caught else "SURVIVED"
            print(f"[{number}/{len(mutants)}] {verdict} {mutant.describe()}", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    caught_total = sum(c for c, _ in results.values())
    print("\nsurvivors:")
    for mutant in survivors:
        line = (ROOT / mutant.path).read_text(encoding="utf-8").splitlines()[mutant.line - 1].strip()
        print(f"  {mutant.describe()}    {line}")
    print(json.dumps({
        "mutants": len(mutants), "caught": caught_total, "of_which_timeouts": len(timeouts),
        "caught_rate": round(caught_total / len(mutants), 3) if mutants else None,
        "by_target": {name: {"caught": c, "survived": s} for name, (c, s) in results.items() if c + s},
        "seconds": round(time.monotonic() - started),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
