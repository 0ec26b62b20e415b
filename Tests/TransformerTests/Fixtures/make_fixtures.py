#!/usr/bin/env python3
"""Generates the transformer test fixtures of Tests/TransformerTests/Fixtures. Run once by hand;
the outputs are committed, so neither CI nor the tests need Python.

Needs Python 3.11 with torch, transformers (5.x), safetensors and numpy, e.g. a venv outside the
repository:

    python3 -m venv /work/py/venv && /work/py/venv/bin/pip install torch transformers safetensors numpy
    /work/py/venv/bin/python Tests/TransformerTests/Fixtures/make_fixtures.py [--minilm models/all-MiniLM-L6-v2]

Writes, next to this script:
  tiny-bert/{config.json,vocab.txt,tokenizer_config.json,model.safetensors}
      a random 2-layer BERT (hidden 32, 4 heads, FFN 64, 64 positions) with its own small
      uncased WordPiece vocabulary; every parameter random (LayerNorm too) so that a swapped or
      misnamed tensor shows in the outputs.
  tokenization.json
      BertTokenizer (transformers' tokenizers-backed class) and BertTokenizerLegacy (the Python
      BasicTokenizer + WordpieceTokenizer) on texts and on pre-split words, for the tiny vocabulary
      (uncased and cased) and for the real MiniLM vocabulary (minilm-vocab.txt, copied here).
  hidden-states.json
      every layer's hidden states (embedding output first) of the tiny BERT at the real positions
      of a padded batch, and of one sentence longer than the model's positions, cut into the
      windows the Swift code makes (see `windows` below) and run window by window.
  minilm-vocab.txt, minilm-reference.{json,safetensors} (only with --minilm DIR present)
      the real vocabulary, and MiniLM's hidden states of one sentence for MiniLMReferenceTests,
      which skip unless launch/fetch-minilm.sh has put the model in models/all-MiniLM-L6-v2.
  encode.json
      the pooled word vectors `mtl-dist encode` prints for a few sentences, for several
      --layers/--pooling settings.
"""
import argparse
import json
import math
import os
import shutil

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertModel, BertTokenizer
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(HERE, "tiny-bert")

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = """the quick brown fox jump over lazy dog a an and of to in is was he she it they we
un aff able re enter cafe resume naive angstrom co didn t s new york city john smith paris
visit ed ing er est ly tion control char replacement zero width tab line end emoji thumb flag
long word sentence window test token piece more very""".split()
CONTINUATIONS = "s ed ing er est ly aff able tion n t d e y".split()
PUNCT = list(".,;:!?'\"-()[]{}&$%/@#*")
CJK = ["中", "国", "北", "京", "首", "都"]


def tiny_vocab():
    vocab = list(SPECIAL)
    vocab += WORDS
    vocab += ["##" + c for c in CONTINUATIONS]
    vocab += list("abcdefghijklmnopqrstuvwxyz0123456789")
    vocab += ["##" + c for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    vocab += PUNCT + CJK
    seen, out = set(), []
    for v in vocab:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def write_tiny_model():
    os.makedirs(TINY, exist_ok=True)
    vocab = tiny_vocab()
    with open(os.path.join(TINY, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    with open(os.path.join(TINY, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": True, "tokenizer_class": "BertTokenizer", "model_max_length": 64}, f, indent=1)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2,
                        hidden_act="gelu", layer_norm_eps=1e-12, hidden_dropout_prob=0.1,
                        attention_probs_dropout_prob=0.1)
    torch.manual_seed(20261126)
    model = BertModel(config, add_pooling_layer=True)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) / math.sqrt(p.shape[-1]))
    config.save_pretrained(TINY)
    tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, os.path.join(TINY, "model.safetensors"), metadata={"format": "pt"})
    return config


TEXTS = [
    "The quick brown fox jumped over the lazy dog.",
    "Unaffable naïve café résumé, Ångström & Co. didn't re-enter!",
    "中国的首都是北京。",
    "Emoji 😀 and 👍🏽 thumbs, flags 🇫🇷.",
    "control\u0000chars\u0001 and\ufffd replacement \u200bzero\u00a0width\ttab\nline\r\nend\u2028sep",
    "a" * 101 + " " + "b" * 100 + " " + "ab" * 50,
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ ½ ﬁne",
    "İstanbul ΣΟΦΟΣ straße ΌΣΟΣ",
    "한국어 テキスト ภาษาไทย",
    "Cafe\u0301 e\u0301te\u0301 (decomposed)",
    "New York [MASK] visit, $3.50 @home #tag 50% e-mail U.S.A.",
    "   leading and   trailing   ",
    "",
]

WORD_CASES = [
    ["John", "Smith", "visited", "New", "York", "."],
    ["Unaffable", "naïve", "didn't", "re-enter", "U.S.A."],
    ["中国", "北京", "😀", "\u200b", "", "a" * 101],
    ["[MASK]", "[SEP]", "[unk]", "tab\there"],
]


def tokenization_cases(tok_fast, tok_legacy, vocab_name, lower):
    cases = []
    for text in TEXTS:
        fast = tok_fast.tokenize(text)
        legacy = tok_legacy.tokenize(text)
        case = {"vocab": vocab_name, "lowercase": lower, "text": text, "tokens": fast,
                "ids": tok_fast.convert_tokens_to_ids(fast)}
        if legacy != fast:
            case["legacy_tokens"] = legacy
        cases.append(case)
    for words in WORD_CASES:
        per_word = [tok_fast.tokenize(w) for w in words]
        enc = tok_fast(words, is_split_into_words=True, add_special_tokens=True)
        # the word each subword belongs to, as transformers reports it
        word_ids = enc.word_ids()
        case = {"vocab": vocab_name, "lowercase": lower, "words": words, "word_tokens": per_word,
                "input_ids": enc["input_ids"], "word_ids": word_ids}
        legacy = [tok_legacy.tokenize(w) for w in words]
        if legacy != per_word:
            case["legacy_word_tokens"] = legacy
        cases.append(case)
    return cases


def windows(n, max_positions):
    """The Swift windowing (SubwordWindows): windows of W = max_positions - 2 subwords, stride W/2
    (the last window ends at n), each subword taken from the window in which it is farthest from an
    edge (the earlier window on a tie). Returns [(start, end)], owner window per subword."""
    w = max_positions - 2
    if n <= w:
        return [(0, n)], [0] * n
    stride = max(1, w // 2)
    starts = list(range(0, n - w, stride)) + [n - w]
    spans = [(s, s + w) for s in starts]
    owner = []
    for i in range(n):
        best, best_margin = 0, -1
        for k, (s, e) in enumerate(spans):
            if s <= i < e:
                margin = min(i - s, e - 1 - i)
                if margin > best_margin:
                    best, best_margin = k, margin
        owner.append(best)
    return spans, owner


def hidden_state_cases(model, tok):
    sentences = [
        ["The", "quick", "brown", "fox", "jumped", "over", "the", "lazy", "dog", "."],
        ["John", "Smith", "visited", "Paris", "."],
        ["Unaffable", "naïve", "café", "résumé", ",", "didn't", "re-enter", "!"],
        ["中国", "北京", "😀", "tokens"],
    ]
    enc = tok(sentences, is_split_into_words=True, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**enc, output_hidden_states=True)
    batch = []
    for b, words in enumerate(sentences):
        n = int(enc["attention_mask"][b].sum())
        batch.append({
            "words": words,
            "input_ids": enc["input_ids"][b][:n].tolist(),
            "hidden_states": [h[b][:n].tolist() for h in out.hidden_states],
        })

    # one sentence longer than the positions: windows of subwords, each run as its own sequence
    long_words = ("the quick brown fox jumped over the lazy dog and " * 9).split() + ["end", "."]
    subwords = [tok.convert_tokens_to_ids(tok.tokenize(w)) for w in long_words]
    flat = [i for ids in subwords for i in ids]
    spans, owner = windows(len(flat), model.config.max_position_embeddings)
    window_states = []
    for s, e in spans:
        ids = torch.tensor([[tok.cls_token_id] + flat[s:e] + [tok.sep_token_id]])
        with torch.no_grad():
            h = model(input_ids=ids, output_hidden_states=True).hidden_states
        window_states.append([layer[0] for layer in h])
    # the last layer at each subword, read from its owner window (position +1 skips [CLS])
    last = [window_states[owner[i]][-1][i - spans[owner[i]][0] + 1].tolist() for i in range(len(flat))]
    long_case = {"words": long_words, "subword_ids": flat, "windows": [list(sp) for sp in spans],
                 "owner": owner, "last_layer": last}
    return batch, long_case


def pool(states, word_ranges, layers, pooling):
    """Word vectors as `mtl-dist encode` prints them: mean over `layers` of the hidden states
    (index 0 = embedding output, negative from the end), then per word first / mean / first+last."""
    stack = torch.stack([states[l] for l in layers]).mean(0)
    vectors = []
    for s, e in word_ranges:
        if pooling == "first":
            v = stack[s]
        elif pooling == "mean":
            v = stack[s:e].mean(0)
        else:
            v = torch.cat([stack[s], stack[e - 1]])
        vectors.append(v.tolist())
    return vectors


def encode_cases(model, tok):
    sentences = [
        ["John", "Smith", "visited", "New", "York", "."],
        ["Unaffable", "naïve", "didn't", "re-enter", "U.S.A.", "\u200b"],
        ["中国", "😀", "dog"],
    ]
    settings = [([-1], "first"), ([-1, -2], "mean"), ([0, -1], "first_last")]
    out = {"sentences": sentences, "settings": []}
    for layers, pooling in settings:
        vectors = []
        for words in sentences:
            pieces = [tok.tokenize(w) or [tok.unk_token] for w in words]
            ids = [tok.cls_token_id] + [tok.convert_tokens_to_ids(p) for ps in pieces for p in ps] + [tok.sep_token_id]
            with torch.no_grad():
                h = model(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states
            states = [layer[0] for layer in h]
            ranges, start = [], 1
            for ps in pieces:
                ranges.append((start, start + len(ps)))
                start += len(ps)
            vectors.append(pool(states, ranges, layers, pooling))
        out["settings"].append({"layers": layers, "pooling": pooling,
                                "subwords": [[p for w in s for p in (tok.tokenize(w) or [tok.unk_token])] for s in sentences],
                                "vectors": vectors})
    return out


MINILM_SENTENCE = ["Johann", "Müller", "visited", "New", "York's", "Museum", "of", "Modern", "Art", "in", "2019", "."]


def minilm_reference(minilm_dir):
    """All hidden states of MiniLM for one sentence, as float32 tensors `hidden_states.N` [n, 384]
    in minilm-reference.safetensors, with the words and ids in minilm-reference.json."""
    model = BertModel.from_pretrained(minilm_dir, attn_implementation="eager").eval()
    tok = BertTokenizer.from_pretrained(minilm_dir)
    enc = tok(MINILM_SENTENCE, is_split_into_words=True, return_tensors="pt")
    with torch.no_grad():
        states = model(**enc, output_hidden_states=True).hidden_states
    save_file({f"hidden_states.{i}": h[0].contiguous() for i, h in enumerate(states)},
              os.path.join(HERE, "minilm-reference.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(HERE, "minilm-reference.json"), "w", encoding="utf-8") as f:
        json.dump({"words": MINILM_SENTENCE, "input_ids": enc["input_ids"][0].tolist(),
                   "layers": len(states)}, f, ensure_ascii=False)


def rounded(x):
    """Floats to 8 significant digits (float32 carries about 7): smaller files, no loss that matters."""
    if isinstance(x, float):
        return float(f"{x:.8g}")
    if isinstance(x, list):
        return [rounded(v) for v in x]
    if isinstance(x, dict):
        return {k: rounded(v) for k, v in x.items()}
    return x


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minilm", default=os.path.join(HERE, "..", "..", "..", "models", "all-MiniLM-L6-v2"))
    args = parser.parse_args()

    write_tiny_model()
    tiny_vocab_file = os.path.join(TINY, "vocab.txt")
    minilm_vocab_file = os.path.join(HERE, "minilm-vocab.txt")
    if os.path.exists(os.path.join(args.minilm, "vocab.txt")):
        shutil.copyfile(os.path.join(args.minilm, "vocab.txt"), minilm_vocab_file)
        minilm_reference(args.minilm)

    cases = []
    for lower in (True, False):
        fast = BertTokenizer(vocab=BertTokenizerLegacy(tiny_vocab_file).vocab, do_lower_case=lower)
        legacy = BertTokenizerLegacy(tiny_vocab_file, do_lower_case=lower)
        cases += tokenization_cases(fast, legacy, "tiny", lower)
    minilm_legacy = BertTokenizerLegacy(minilm_vocab_file, do_lower_case=True)
    minilm_fast = BertTokenizer(vocab=minilm_legacy.vocab, do_lower_case=True)
    cases += tokenization_cases(minilm_fast, minilm_legacy, "minilm", True)
    with open(os.path.join(HERE, "tokenization.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=0)

    model = BertModel.from_pretrained(TINY, attn_implementation="eager").eval()
    tok = BertTokenizer(vocab=BertTokenizerLegacy(tiny_vocab_file).vocab, do_lower_case=True)
    batch, long_case = hidden_state_cases(model, tok)
    with open(os.path.join(HERE, "hidden-states.json"), "w", encoding="utf-8") as f:
        json.dump(rounded({"batch": batch, "long": long_case}), f, ensure_ascii=False)
    with open(os.path.join(HERE, "encode.json"), "w", encoding="utf-8") as f:
        json.dump(rounded(encode_cases(model, tok)), f, ensure_ascii=False)


if __name__ == "__main__":
    main()
