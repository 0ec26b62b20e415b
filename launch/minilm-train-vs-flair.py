#!/usr/bin/env python3
"""MiniLM fine-tuning speed: `mtl-dist bench step` against Flair 0.15.1 training the same recipe.

Usage (Flair 0.15.1 in a venv outside the repository, e.g. `python3 -m venv /work/venv-flair &&
/work/venv-flair/bin/pip install flair==0.15.1`; the model from launch/fetch-minilm.sh):

    /work/venv-flair/bin/python launch/minilm-train-vs-flair.py --model models/all-MiniLM-L6-v2 \
        --data-dir ../shared/data --steps 15 --warmup 2 --rounds 3 [--binary .build/release/mtl-dist] \
        [--precision fp32,bf16]

The recipe is Flair's: the MiniLM fine-tuned, last layer, a word's first subword, a linear head per
task (NER and POS of CoNLL-2003, every sentence in both tasks), AdamW, mini-batches of 32 sentences,
one thread on each side (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)). Each round times, one
after the other, `mtl-dist bench step` on configs/conll03-minilm-ner-pos.yaml with its BiLSTMs,
character and casing features off (its median step over `--steps` after `--warmup`), then Flair's
`MultitaskModel` of two `SequenceTagger`s (no RNN, no CRF, no reprojection) over one shared
`TransformerWordEmbeddings`: forward_loss, backward, AdamW step and the embeddings cleared, as
Flair's trainer does per mini-batch, over training sentences in a seeded random order. With
`use_all_tasks` Flair's MultitaskModel hands the batch to each tagger in turn and each runs the
shared (fine-tuned, so never cached) transformer on it: two encoder passes per step where mtl-dist
runs one; that is Flair's behaviour, and it is what is timed. The two sides draw different
sentences, so tokens/s is printed beside sentences/s. `--precision` lists the values of
`encoder.transformer.precision` to time mtl-dist with (default fp32), each once per round, in the
order given, before Flair (which runs fp32, as its recipe does). Prints one JSON object per round and
one with the medians (keys `mtl_<precision>_...`).
"""
import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import time


def time_mtl(binary, config, data_dir, model, steps, warmup, precision):
    command = [binary, "bench", "step", "--config", config, "--data-dir", data_dir, "--steps", str(steps),
               "--warmup", str(warmup), "--json",
               "--set", f"encoder.transformer.path={os.path.abspath(model)}",
               "--set", f"encoder.transformer.precision={precision}",
               "--set", "tasks.ner.hidden=0", "--set", "tasks.pos.hidden=0",
               "--set", "encoder.char_dim=0", "--set", "encoder.case_dim=0"]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    report = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    return report


def build_flair(model, data_dir):
    import logging
    import torch
    from flair.datasets import ColumnCorpus
    from flair.embeddings import TransformerWordEmbeddings
    from flair.models import MultitaskModel, SequenceTagger
    logging.getLogger("flair").setLevel(logging.WARNING)
    torch.set_num_threads(1)
    folder = os.path.join(data_dir, "conll03")
    corpus = ColumnCorpus(folder, {0: "text", 1: "pos", 3: "ner"}, train_file="train.txt", dev_file="dev.txt",
                          test_file=None, document_separator_token="-DOCSTART-")
    embeddings = TransformerWordEmbeddings(model=os.path.abspath(model), layers="-1", subtoken_pooling="first",
                                           fine_tune=True, use_context=False)
    taggers = []
    for task in ["ner", "pos"]:
        dictionary = corpus.make_label_dictionary(task, add_unk=False)
        taggers.append(SequenceTagger(hidden_size=256, embeddings=embeddings, tag_dictionary=dictionary, tag_type=task,
                                      use_crf=False, use_rnn=False, reproject_embeddings=False))
    model = MultitaskModel(taggers, task_ids=["ner", "pos"], use_all_tasks=True)
    sentences = [s for s in corpus.train if len(s) > 0]
    random.Random(1).shuffle(sentences)  # a random sample, as our sampler draws (the file begins with short lines)
    for s in sentences:
        for task in ["ner", "pos"]:
            s.add_label("multitask_id", task)
    return model, sentences


def time_flair(model, sentences, steps, warmup, batch=32, lr=5e-5):
    import torch
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    times = []
    tokens = []
    for i in range(warmup + steps):
        chunk = sentences[i * batch:(i + 1) * batch]
        start = time.perf_counter()
        loss = model.forward_loss(chunk)
        loss = loss[0] if isinstance(loss, tuple) else loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        for s in chunk:
            s.clear_embeddings()
        if i >= warmup:
            times.append(time.perf_counter() - start)
            tokens.append(sum(len(s) for s in chunk))
    return statistics.median(times), sum(tokens) / sum(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--binary", default=".build/release/mtl-dist")
    parser.add_argument("--config", default="configs/conll03-minilm-ner-pos.yaml")
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--precision", default="fp32", help="comma-separated: fp32, bf16 (default fp32)")
    args = parser.parse_args()
    if not (1 <= args.steps <= 1000 and 0 <= args.warmup <= 100 and 1 <= args.rounds <= 20):
        parser.error("--steps 1..1000, --warmup 0..100, --rounds 1..20")
    precisions = args.precision.split(",")
    if not precisions or any(p not in ("fp32", "bf16") for p in precisions) or len(set(precisions)) != len(precisions):
        parser.error("--precision: fp32, bf16 or both, comma-separated, each once")

    flair_model, sentences = build_flair(args.model, args.data_dir)
    if len(sentences) < 32 * (args.steps + args.warmup):
        parser.error("not enough training sentences for --steps + --warmup mini-batches of 32")
    rounds = []
    for r in range(args.rounds):
        row = {"round": r}
        for p in precisions:
            mtl = time_mtl(args.binary, args.config, args.data_dir, args.model, args.steps, args.warmup, p)
            row.update({f"mtl_{p}_sentences_per_s": mtl["sentences_per_s"], f"mtl_{p}_step_ms": mtl["median_step_ms"],
                        f"mtl_{p}_tokens_per_s": mtl["tokens_per_s"]})
        flair_step, flair_tokens = time_flair(flair_model, sentences, args.steps, args.warmup)
        row.update({"flair_sentences_per_s": 32 / flair_step, "flair_step_ms": 1000 * flair_step,
                    "flair_tokens_per_s": flair_tokens})
        rounds.append(row)
        print(json.dumps(row), flush=True)
    import flair
    import torch

    def median(key):
        return statistics.median(r[key] for r in rounds)

    summary = {"rounds": args.rounds, "median_flair_sentences_per_s": median("flair_sentences_per_s"),
               "median_flair_tokens_per_s": median("flair_tokens_per_s")}
    for p in precisions:
        summary.update({f"median_mtl_{p}_sentences_per_s": median(f"mtl_{p}_sentences_per_s"),
                        f"median_mtl_{p}_tokens_per_s": median(f"mtl_{p}_tokens_per_s"),
                        f"mtl_{p}_over_flair": median(f"mtl_{p}_sentences_per_s") / median("flair_sentences_per_s"),
                        f"mtl_{p}_over_flair_tokens": median(f"mtl_{p}_tokens_per_s") / median("flair_tokens_per_s")})
    summary.update({"flair": flair.__version__, "torch": torch.__version__,
                    "machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())})
    print(json.dumps(summary))

if __name__ == "__main__":
    main()
