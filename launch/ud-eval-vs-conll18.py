#!/usr/bin/env python3
"""A trained UD model's scores from `mtl-dist evaluate` against the CoNLL 2018 shared task's script.

Usage (the script is public: github.com/ufal/conll2018, evaluation_script/conll18_ud_eval.py; keep it
outside the repository):

    launch/ud-eval-vs-conll18.py --model RUN/best --gold ../shared/data/ewt/en_ewt-ud-dev.conllu \
        --script /path/to/conll18_ud_eval.py [--binary .build/release/mtl-dist] [--np 2] \
        [--upos upos] [--lemma lemma] [--deps deps]

Steps: `mtl-dist predict --input-format conllu` tags the gold file's words (multi-word token lines
and empty nodes skipped, as the script reads them); the predicted UPOS, lemma, head and relation
replace the gold file's columns of the same words, everything else kept, so the system file has the
gold tokenisation; the script scores it (`-v`, and `-c` for counts); `mtl-dist evaluate --split GOLD
--json` scores the same model on the same file. Prints one JSON object with both sides' UPOS, lemma,
UAS and LAS (percent) and their differences. Tasks left out with an empty name are not compared.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile


def gold_sentences(path):
    """Each sentence's lines (comments, multi-word token lines, empty nodes and words, in order)."""
    sentences, current = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line:
                if current:
                    sentences.append(current)
                current = []
            else:
                current.append(line)
    if current:
        sentences.append(current)
    return sentences


def is_word(line):
    if line.startswith("#"):
        return False
    first = line.split("\t", 1)[0]
    return "-" not in first and "." not in first


def run(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--gold", required=True)
    parser.add_argument("--script", required=True, help="conll18_ud_eval.py")
    parser.add_argument("--binary", default=".build/release/mtl-dist")
    parser.add_argument("--np", type=int, default=1, help="ranks for predict and evaluate (mpirun above 1)")
    parser.add_argument("--upos", default="upos", help="the model's UPOS task ('' = none)")
    parser.add_argument("--lemma", default="lemma", help="the model's lemma task ('' = none)")
    parser.add_argument("--deps", default="deps", help="the model's dependency task ('' = none)")
    args = parser.parse_args()
    if not 1 <= args.np <= 64:
        parser.error("--np 1..64")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    launcher = [] if args.np == 1 else ["mpirun", "--oversubscribe", "-np", str(args.np), "-x", "OPENBLAS_NUM_THREADS"]
    if args.np > 1 and os.geteuid() == 0:
        launcher[1:1] = ["--allow-run-as-root"]

    sentences = gold_sentences(args.gold)
    with tempfile.TemporaryDirectory() as work:
        tasks = [t for t in (args.upos, args.lemma, args.deps) if t]
        out = run(launcher + [args.binary, "predict", "--model", args.model, "--input", args.gold, "--input-format", "conllu",
                              "--output-format", "jsonl", "--tasks", ",".join(tasks)], env)
        predicted = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        if len(predicted) != len(sentences):
            sys.exit(f"predict returned {len(predicted)} sentences for {len(sentences)}")
        system = os.path.join(work, "system.conllu")
        with open(system, "w", encoding="utf-8") as f:
            for s, p in zip(sentences, predicted):
                w = 0
                for line in s:
                    if not is_word(line):
                        f.write(line + "\n")
                        continue
                    c = line.split("\t")
                    if args.upos:
                        c[3] = p["tasks"][args.upos]["tags"][w] if "tasks" in p else p[args.upos]["tags"][w]
                    if args.lemma:
                        task = p["tasks"][args.lemma] if "tasks" in p else p[args.lemma]
                        c[2] = task.get("lemmas", task.get("tags"))[w]
                    if args.deps:
                        task = p["tasks"][args.deps] if "tasks" in p else p[args.deps]
                        c[6] = str(task["heads"][w])
                        c[7] = task["relations"][w]
                    f.write("\t".join(c) + "\n")
                    w += 1
                f.write("\n")
        verbose = run([sys.executable, args.script, "-v", args.gold, system])
        script = {}
        for line in verbose.splitlines():
            m = re.match(r"^(UPOS|Lemmas|UAS|LAS)\s*\|.*\|\s*([\d.]+)\s*$", line)
            if m:
                script[m.group(1)] = float(m.group(2))   # AligndAcc: accuracy over the aligned (all) words
        ours = json.loads([l for l in run(launcher + [args.binary, "evaluate", "--model", args.model, "--split", args.gold,
                                                      "--json"], env).splitlines() if l.startswith("{")][-1])

    def task_scores(name):
        for key in ("tasks", "scores"):
            if isinstance(ours.get(key), dict) and name in ours[key]:
                return ours[key][name]
        return ours.get(name, {})

    compared = {}
    if args.upos:
        compared["UPOS"] = 100 * task_scores(args.upos).get("accuracy", float("nan"))
    if args.lemma:
        compared["Lemmas"] = 100 * task_scores(args.lemma).get("accuracy", float("nan"))
    if args.deps:
        compared["UAS"] = 100 * task_scores(args.deps).get("uas", float("nan"))
        compared["LAS"] = 100 * task_scores(args.deps).get("las", float("nan"))
    report = {"sentences": len(sentences), "mtl_dist": compared, "conll18_ud_eval": script,
              "difference": {k: round(compared[k] - script.get(k, float("nan")), 4) for k in compared}}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
