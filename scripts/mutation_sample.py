"""A bounded mutation sample: apply single-token changes to chosen modules, one at a time, run the
tests that reach the changed line, and count how many changes the tests catch.

    .venv/bin/python scripts/mutation_sample.py [--per-target 10] [--seed 13] [--budget 1800]
                                                [--only NAME ...] [--map FILE]

Each mutant is one token swapped for a likely mistake (< for <=, and for or, True for False, n for
n+1, min for max, any for all, in for not in, break for continue, - for +); mutants that do not
compile are not counted. Each target gets the same number of mutants (--per-target), drawn with
a fixed seed; --only picks targets. Every mutant runs in a scratch copy of the project (the work
tree is never touched), on SQLite only.

Which tests run: first one pytest run over every chosen target's test folders under coverage with
per-test contexts (pytest-cov, `--cov-context=test`) maps each line of the targets to the tests
that execute it (kept with --map FILE, to be reused while the code and tests are unchanged). A
mutant then runs only the tests of its line, fastest first, with `-x`; a line run only at import
(a constant, a signature) runs the tests of its whole module. A line no test reaches survives
without a run. A failing run, or one that exceeds its timeout (three times the tests' measured
time, plus start-up), is "caught". --budget bounds the whole run: mutants left when it is spent are
reported as not run, never counted. Survivors are printed with their diff, to be read: some are
equivalent (the same behaviour): those read and judged so are listed in EQUIVALENT, with why, and
left out of `caught_of_non_equivalent`.
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

#: target name -> (modules, the test folders or files that may cover them); the names are the
#: issue's five modules in the concept layout
TARGETS = {
    "plans.operations": (["onboarding/plans/states.py", "onboarding/plans/creation.py", "onboarding/plans/edits.py",
                          "onboarding/plans/completion.py"], ["tests/plans"]),
    "reminders.build+compose": (["onboarding/reminders/build.py", "onboarding/reminders/compose.py"],
                                ["tests/reminders", "tests/chat"]),
    "outbox.delivery+queue": (["onboarding/outbox/queue.py", "onboarding/outbox/delivery.py",
                               "onboarding/outbox/channels/email.py"], ["tests/outbox", "tests/reminders"]),
    "plans.access": (["onboarding/plans/access.py"], ["tests/plans"]),
    "roles.reader": (["onboarding/roles/reader/plan.py", "onboarding/roles/reader/sections.py"],
                     ["tests/roles/reader"]),
}

#: mutants read and judged not to change behaviour on SQLite, where the sample runs: (module, the
#: mutated line as written, old token, new token) -> why. They are reported, and left out of the
#: "of non-equivalent" figure; a surviving mutant not listed here asks for a test.
EQUIVALENT = {
    ("onboarding/plans/states.py", "n = 0", "0", "1"):
        "every depth is one more: only their order is used",
    ("onboarding/reminders/build.py", 'if db.session.get_bind().dialect.name == "postgresql":', "==", "!="):
        "SQLite compiles either dialect's ON CONFLICT DO NOTHING the same; on PostgreSQL every digest build fails",
    ("onboarding/plans/edits.py", "low = max((i.position for i in block), default=0)", "0", "1"):
        "a phase's first item gets another free position, in the same order",
    ("onboarding/plans/edits.py", "high = min(higher) if higher else low + 2 * POSITION_STEP", "2", "3"):
        "the last item gets another free position, in the same order",
    ("onboarding/outbox/channels/email.py", 'if len(line) <= 78 or " " not in value:', "or", "and"):
        "folding a short line, or one without a space, gives back the same line",
    ("onboarding/plans/access.py", "return number if 0 < number <= _MAX_ID else None", "<", "<="):
        "id 0 is then looked up and not found: a 404 either way (ids start at 1)",
    ("onboarding/plans/access.py",
     'return (user is not None and bool(getattr(user, "is_authenticated", False))', "False", "True"):
        "every user passed is a User or Flask-Login's anonymous user, both of which have is_authenticated",
    ("onboarding/plans/access.py",
     'and getattr(user, "id", None) is not None and bool(user.is_active))', "and", "or"):
        "Flask-Login's UserMixin.is_authenticated is is_active, so the last term never decides",
}


def _equivalent(mutant: "Mutant") -> str | None:
    line = (ROOT / mutant.path).read_text(encoding="utf-8").splitlines()[mutant.line - 1].strip()
    return EQUIVALENT.get((mutant.path, line, mutant.old, mutant.new))


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
    for entry in ("onboarding", "tests", "templates", "migrations", "benchmarks", "pyproject.toml"):
        src = ROOT / entry
        if src.is_dir():
            shutil.copytree(src, scratch / entry, ignore=ignore)
        else:
            shutil.copy2(src, scratch / entry)
    return scratch


def _pytest(scratch: Path, env: dict, args: list[str], timeout: float | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(scratch),
                           *args], cwd=scratch, env=env, capture_output=True, text=True, timeout=timeout)


#: the map: {"lines": {module path: {line: [test ids]}}, "seconds": {test id: seconds}}
Map = dict


def _coverage_map(scratch: Path, env: dict, names: list[str]) -> Map:
    """One pytest run over the targets' tests, measuring which test runs which line of the targets."""
    from coverage import CoverageData

    modules = sorted({m for name in names for m in TARGETS[name][0]})
    folders = sorted({t for name in names for t in TARGETS[name][1]})
    data_file = scratch / ".coverage.map"
    run = _pytest(scratch, {**env, "COVERAGE_FILE": str(data_file)},
                  [*(f"--cov={scratch / Path(m).parent}" for m in modules), "--cov-context=test", "--cov-report=",
                   "--durations=0", "--durations-min=0", "-vv", *folders])
    failing = {line.split()[1] for line in run.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))}
    if run.returncode not in (0, 1) or len(failing) > 10:
        raise SystemExit(f"the unmutated tests do not run, so no mutant can be judged:\n{run.stdout[-3000:]}")
    for test in sorted(failing):  # they cannot tell a mutant: left out of every selection
        print(f"fails unmutated, left out: {test}", flush=True)
    seconds: dict[str, float] = {}
    for line in run.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].endswith("s") and parts[1] in ("setup", "call", "teardown"):
            try:
                seconds[parts[2]] = seconds.get(parts[2], 0.0) + float(parts[0][:-1])
            except ValueError:
                pass
    data = CoverageData(basename=str(data_file))
    data.read()
    lines: dict[str, dict[str, list[str]]] = {}
    for module in modules:
        by_line = data.contexts_by_lineno(str(scratch / module))
        lines[module] = {str(n): sorted({c.rpartition("|")[0] for c in contexts if c} - failing)
                         for n, contexts in by_line.items()}
    return {"lines": lines, "seconds": seconds}


def _tests_for(mutant: Mutant, coverage: Map) -> list[str]:
    """The tests that run the mutated line, fastest first; the module's tests for an import-time line."""
    by_line = coverage["lines"].get(mutant.path, {})
    tests = by_line.get(str(mutant.line))
    if tests is None:
        return []
    if not tests:  # only run when the module is imported: every test that uses the module
        tests = sorted({t for ids in by_line.values() for t in ids})
    seconds = coverage["seconds"]
    return sorted(tests, key=lambda t: (seconds.get(t, 1.0), t))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-target", type=int, default=10, help="mutants per target (default 10)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--budget", type=float, default=1800, help="seconds for the mutants' runs (default 1800)")
    parser.add_argument("--only", nargs="+", choices=sorted(TARGETS), help="these targets only")
    parser.add_argument("--map", type=Path, help="keep the line-to-tests map in this JSON file (reused if present)")
    args = parser.parse_args(argv)
    names = [name for name in TARGETS if not args.only or name in args.only]
    mutants = _sample(args.per_target, args.seed, args.only)
    scratch = _scratch_copy()
    env = {**os.environ, "ONBOARDING_TEST_BACKENDS": "sqlite", "PYTHONPATH": str(scratch),
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.setdefault("ONBOARDING_SEEDS_DIR", str(ROOT.parent.parent / "shared" / "seeds"))
    results: dict[str, list[int]] = {name: [0, 0] for name in names}
    survivors, timeouts, unreached, not_run = [], [], [], []
    started = time.monotonic()
    try:
        if args.map and args.map.exists():
            coverage = json.loads(args.map.read_text(encoding="utf-8"))
        else:
            coverage = _coverage_map(scratch, env, names)
            if args.map:
                args.map.write_text(json.dumps(coverage), encoding="utf-8")
        map_seconds = time.monotonic() - started
        print(f"map of {len(coverage['seconds'])} tests made in {map_seconds:.0f} s", flush=True)
        deadline = time.monotonic() + args.budget
        for number, mutant in enumerate(mutants, 1):
            if time.monotonic() > deadline:
                not_run.append(mutant)
                continue
            tests = _tests_for(mutant, coverage)
            timed_out = False
            if not tests:
                caught = False
                unreached.append(mutant)
            else:
                target_file = scratch / mutant.path
                original = target_file.read_text(encoding="utf-8")
                target_file.write_text(_apply(original, mutant), encoding="utf-8")
                timeout = 60 + 3 * sum(coverage["seconds"].get(t, 1.0) for t in tests)
                try:
                    caught = _pytest(scratch, env, ["-x", *tests], timeout=timeout).returncode != 0
                except subprocess.TimeoutExpired:  # counted as caught, and reported: on a loaded machine
                    caught = timed_out = True      # a slow run is not always a hanging mutant
                    timeouts.append(mutant)
                finally:
                    target_file.write_text(original, encoding="utf-8")
            results[mutant.target][0 if caught else 1] += 1
            if not caught:
                survivors.append(mutant)
            verdict = ("timeout " if timed_out else "caught  " if caught else
                       "SURVIVED (no test runs the line)" if not tests else "SURVIVED")
            print(f"[{number}/{len(mutants)}] {verdict} {mutant.describe()} ({len(tests)} tests)", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ran = len(mutants) - len(not_run)
    caught_total = sum(c for c, _ in results.values())
    print("\nsurvivors:")
    equivalent: dict[str, int] = {name: 0 for name in names}
    for mutant in survivors:
        line = (ROOT / mutant.path).read_text(encoding="utf-8").splitlines()[mutant.line - 1].strip()
        why = _equivalent(mutant)
        if why:
            equivalent[mutant.target] += 1
        print(f"  {mutant.describe()}    {line}" + (f"\n      equivalent: {why}" if why else ""))
    print(json.dumps({
        "mutants": len(mutants), "ran": ran, "not_run": len(not_run), "caught": caught_total,
        "of_which_timeouts": len(timeouts), "unreached": len(unreached),
        "caught_rate": round(caught_total / ran, 3) if ran else None,
        "equivalent": sum(equivalent.values()),
        "caught_of_non_equivalent": round(caught_total / (ran - sum(equivalent.values())), 3) if ran else None,
        "by_target": {name: {"caught": c, "survived": s, "equivalent": equivalent[name], "rate": round(c / (c + s), 3),
                             "rate_of_non_equivalent": round(c / (c + s - equivalent[name]), 3)}
                      for name, (c, s) in results.items() if c + s - equivalent[name]},
        "map_seconds": round(map_seconds), "seconds": round(time.monotonic() - started),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
