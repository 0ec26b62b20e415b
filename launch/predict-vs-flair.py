#!/usr/bin/env python3
"""Tagging throughput: `mtl-dist predict` at np = 1 and 2 against Flair's SequenceTagger.predict.

Usage (Flair 0.15.1 in a venv outside the repository, e.g. `python3 -m venv /work/venv-flair &&
/work/venv-flair/bin/pip install flair==0.15.1`):

    /work/venv-flair/bin/python launch/predict-vs-flair.py --model runs/conll03/best \
        --data-dir ../shared/data --copies 4 --rounds 3 [--binary .build/release/mtl-dist] [--no-flair] \
        [--precision fp32,bf16] [--write stdout]

`--no-flair` times mtl-dist alone (np = 1 and 2), with any python3 and no Flair installed.
`--precision fp32,bf16` times mtl-dist's runs once per precision (`predict --precision P`; the keys
of bf16 end in `_bf16`); the default is fp32 alone.

`--write file` (the default) has mtl-dist write its predictions with `--output` to a file in a
temporary folder, as a user tagging a large input would (under mpirun, standard output passes
through mpirun, which copies it on a core the ranks need); `--write stdout` to standard output,
sent to /dev/null.

The input is the CoNLL-2003 dev file (`conll03/dev.txt`) repeated `--copies` times. Each round
times, one after the other: `mtl-dist predict --input FILE` as one process, the same
with `--tasks ner` (the one task Flair's tagger stands for, `--flair-task`), both under
`mpirun -np 2`; with an even `--copies`, two one-process runs at once, each on half the input (the
most two processes on this machine's cores can do, `pair_of_halves_s`, fp32 with every task);
then Flair. Both sides run one thread per process (OPENBLAS_NUM_THREADS=1,
torch.set_num_threads(1)). mtl-dist's time is the whole command (start, model load, reading,
tagging, writing CoNLL); Flair's is `SequenceTagger.predict` alone over Sentence objects built
before the clock starts.

Flair gets the architecture of the model's NER head, untrained (speed does not depend on the
weights): one-hot word embeddings of 100 over the training tokens, character embeddings 25 with a
BiLSTM of 25, a BiLSTM of 256 and a CRF over the BIOES NER tags, no reprojection. mtl-dist's model
also has the casing feature and runs its POS head (BiLSTM 128 + softmax) in the same pass, so it
does more work than the Flair tagger. Prints one JSON line per round as it ends, then one line
with the medians and ratios (read the last line for the summary).
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time


def read_sentences(path):
    sentences, tokens = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if not fields:
                if tokens:
                    sentences.append(tokens)
                    tokens = []
                continue
            tokens.append(fields[0])
    if tokens:
        sentences.append(tokens)
    return sentences


def build_flair_tagger(train_sentences):
    import logging
    import torch
    from flair.data import Dictionary
    from flair.embeddings import CharacterEmbeddings, OneHotEmbeddings, StackedEmbeddings
    from flair.models import SequenceTagger
    # flair's import sets its logger to INFO; the vocabulary it logs is megabytes
    logging.getLogger("flair").setLevel(logging.WARNING)

    torch.set_num_threads(1)
    words = Dictionary(add_unk=True)
    chars = Dictionary(add_unk=True)
    for sentence in train_sentences:
        for token in sentence:
            words.add_item(token)
            for c in token:
                chars.add_item(c)
    tags = Dictionary(add_unk=False)
    for tag in ["O"] + [f"{p}-{t}" for t in ["PER", "LOC", "ORG", "MISC"] for p in "BIES"]:
        tags.add_item(tag)
    embeddings = StackedEmbeddings([
        OneHotEmbeddings(words, embedding_length=100),
        CharacterEmbeddings(path_to_char_dict=chars, char_embedding_dim=25, hidden_size_char=25),
    ])
    tagger = SequenceTagger(embeddings=embeddings, tag_dictionary=tags, tag_type="ner", hidden_size=256,
                            use_crf=True, reproject_embeddings=False, tag_format="BIOES")
    tagger.eval()
    return tagger


def time_flair(tagger, sentences, batch):
    from flair.data import Sentence
    objects = [Sentence(tokens) for tokens in sentences]
    start = time.perf_counter()
    tagger.predict(objects, mini_batch_size=batch)
    return time.perf_counter() - start


def time_mtl(binary, model, path, ranks, tasks=None, precision="fp32", output=None):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    command = [binary, "predict", "--model", model, "--input", path, "--precision", precision] \
        + (["--tasks", tasks] if tasks else []) + (["--output", output] if output else [])
    if ranks > 1:
        command = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", str(ranks)] + command
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def time_pair(binary, model, half, work):
    """Two independent one-process runs at once, each on half the input: what the machine's two
    cores give two processes that never talk, the most np = 2 could reach."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    start = time.perf_counter()
    runs = [subprocess.Popen([binary, "predict", "--model", model, "--input", half,
                              "--output", os.path.join(work, f"half{i}.conll")], env=env, stdout=subprocess.DEVNULL)
            for i in range(2)]
    for run in runs:
        if run.wait() != 0:
            raise SystemExit(f"a one-process run on half the input failed with status {run.returncode}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--binary", default=".build/release/mtl-dist")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--flair-batch", type=int, default=64)
    parser.add_argument("--flair-task", default="ner",
                        help="the model's task Flair's tagger stands for: mtl-dist also runs with --tasks TASK alone")
    parser.add_argument("--no-flair", action="store_true",
                        help="time mtl-dist at np = 1 and 2 only (no Flair needed)")
    parser.add_argument("--write", choices=["file", "stdout"], default="file",
                        help="mtl-dist's output: a file (--output, the default) or standard output to /dev/null")
    parser.add_argument("--precision", default="fp32",
                        help="comma-separated: fp32, bf16 (predict --precision), each timed in every round")
    args = parser.parse_args()
    precisions = args.precision.split(",")
    if not precisions or any(p not in ("fp32", "bf16") for p in precisions) or len(set(precisions)) != len(precisions):
        parser.error(f"--precision {args.precision}: expected fp32, bf16 or fp32,bf16")
    if not (1 <= args.copies <= 100 and 1 <= args.rounds <= 20 and 1 <= args.flair_batch <= 4096):
        parser.error("--copies 1..100, --rounds 1..20, --flair-batch 1..4096")

    dev = os.path.join(args.data_dir, "conll03", "dev.txt")
    with open(dev, encoding="utf-8") as f:
        text = f.read()
    work = tempfile.mkdtemp(prefix="predict-vs-flair-")
    path = os.path.join(work, "input.conll")
    with open(path, "w", encoding="utf-8") as f:
        f.write((text.rstrip("\n") + "\n\n") * args.copies)
    half = None
    if args.copies % 2 == 0:
        half = os.path.join(work, "half.conll")
        with open(half, "w", encoding="utf-8") as f:
            f.write((text.rstrip("\n") + "\n\n") * (args.copies // 2))
    sentences = read_sentences(path)
    tagger = None if args.no_flair else build_flair_tagger(read_sentences(os.path.join(args.data_dir, "conll03", "train.txt")))

    rounds = []
    for r in range(args.rounds):
        row = {"round": r}
        for precision in precisions:
            tail = "" if precision == "fp32" else "_" + precision
            for ranks in [1, 2]:
                out = os.path.join(work, "predicted.conll") if args.write == "file" else None
                row[f"mtl_np{ranks}{tail}_s"] = time_mtl(args.binary, args.model, path, ranks, precision=precision, output=out)
                row[f"mtl_np{ranks}_task{tail}_s"] = time_mtl(args.binary, args.model, path, ranks, args.flair_task, precision, out)
        if half is not None:
            row["pair_of_halves_s"] = time_pair(args.binary, args.model, half, work)
        if tagger is not None:
            row["flair_s"] = time_flair(tagger, sentences, args.flair_batch)
        rounds.append(row)
        print(json.dumps(row), flush=True)

    n = len(sentences)
    tails = ["" if p == "fp32" else "_" + p for p in precisions]
    keys = [f"mtl_np{r}{w}{t}_s" for t in tails for r in [1, 2] for w in ["", "_task"]] + ([] if tagger is None else ["flair_s"]) \
        + ([] if half is None else ["pair_of_halves_s"])
    median = {k: statistics.median(row[k] for row in rounds) for k in keys}
    summary = {
        "sentences": n, "tokens": sum(map(len, sentences)), "rounds": args.rounds, "precisions": precisions, "write": args.write,
        "median_s": median,
        "sentences_per_s": {k[:-2]: n / median[k] for k in keys},
        "task": args.flair_task, "machine": platform.processor() or platform.machine(),
        "cores": os.cpu_count(), "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "(detected)"), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    for t in tails:
        summary[f"np2_over_np1{t}"] = median[f"mtl_np1{t}_s"] / median[f"mtl_np2{t}_s"]
        summary[f"np2_over_np1_task{t}"] = median[f"mtl_np1_task{t}_s"] / median[f"mtl_np2_task{t}_s"]
        if tagger is not None:
            summary[f"np1_over_flair{t}"] = median["flair_s"] / median[f"mtl_np1{t}_s"]
            summary[f"np1_task_over_flair{t}"] = median["flair_s"] / median[f"mtl_np1_task{t}_s"]
    if half is not None and "fp32" in precisions:
        # np = 2 against two processes that never talk, in the same rounds (fp32, every task)
        summary["pair_over_np2"] = median["pair_of_halves_s"] / median["mtl_np2_s"]
        summary["np1_over_pair"] = median["mtl_np1_s"] / median["pair_of_halves_s"]
    if tagger is not None:
        import flair
        import torch
        summary.update({"flair": flair.__version__, "torch": torch.__version__})
    print(json.dumps(summary))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
