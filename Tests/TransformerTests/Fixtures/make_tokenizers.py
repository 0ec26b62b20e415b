#!/usr/bin/env python3
"""Generates the tokenizer.json fixtures and what transformers and tokenizers make of them. Run once by
hand after make_tiny_models.py; the outputs are committed, so neither CI nor the tests need Python.

Needs tokenizers, transformers, sentencepiece, protobuf and torch (tokenizers 0.23.3, transformers 5.25.0,
sentencepiece 0.2.3 and torch 2.15.0 were used) in a venv outside the repository, e.g.

    /work/venv-tok/bin/python Tests/TransformerTests/Fixtures/make_tokenizers.py SENTENCEPIECE_TEST_MODEL

where SENTENCEPIECE_TEST_MODEL is google/sentencepiece's python/test/test_model.model (a real Unigram model of
1,000 pieces with the nmt_nfkc charsmap; Apache-2.0; commit 2734490 was used).

Writes, next to this script:
- tokenizers/*.json: tokenizers trained here on TRAIN_TEXT (WordPiece with BertNormalizer; BPE over characters
  with NFKD + StripAccents + Lowercase and WhitespaceSplit + Punctuation + Digits; BPE with NFKC + Replace,
  Whitespace + Split behaviours and added tokens (single_word, lstrip/rstrip, normalized or not); Unigram with
  NFC + Lowercase and Metaspace prepend "first"; a BPE and a Unigram model with byte_fallback, built here), and sentencepiece-unigram.json,
  SENTENCEPIECE_TEST_MODEL converted by transformers' XLMRobertaConverter (Precompiled charsmap, Strip, Replace,
  Metaspace, Unigram).
- tiny-models/{roberta,xlm-roberta,camembert}/tokenizer.json, each within its model's 100 ids: a byte-level BPE
  (RobertaProcessing, <unk> for bytes outside its 100 ids), and SentencePiece Unigram models trained here and
  converted by XLMRobertaConverter and CamembertConverter.
- tokenizer-parity.json: per tokenizer, per sentence of SENTENCES, the ids of each word as the tokenizers
  library gives them for tokenizer.json (encode with is_pretokenized=True, grouped by word_ids; byte-level BPE
  with add_prefix_space=True, as Flair loads it) and the ids framing the sequence; for a model folder also
  transformers' (AutoTokenizer with add_prefix_space=True, is_split_into_words=True), whose framing must be the
  same, and any word where its ids differ (`transformers_differs`): transformers 5 builds XLM-R's and
  CamemBERT's pipeline from its class defaults rather than from the file.
- encode-reference.json: per RoBERTa-family tiny model, the word vectors `mtl-dist encode` must give (last
  layer, first subword): words tokenised as above (a word with no subword is <unk>), cut into windows as
  SubwordWindows cuts them (16 positions), each window `<s> … </s>` run through transformers' model alone.

Sentences: English from UD EWT / Universal NER (en_ewt-uner-dev.iob2), Danish from UNER Danish-DDT
(da_ddt-ud-dev.iob2), Swedish from UNER Swedish-Talbanken (sv_talbanken-ud-dev.iob2), all CC BY-SA 4.0; the
rest written for these tests.
"""
import json
import os
import sys
import tempfile
from types import SimpleNamespace

import sentencepiece as spm
import torch
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoModel, AutoTokenizer
from transformers.convert_slow_tokenizer import CamembertConverter, XLMRobertaConverter

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZERS = os.path.join(HERE, "tokenizers")
MODELS = os.path.join(HERE, "tiny-models")

SENTENCES = [
    "where can I get morcillas in tampa bay , I will like the argentinian type , but I will to try anothers please ?".split(" "),
    "I searched all over the internet , but I could not find one place in Tampa Bay that sells morcillas .".split(" "),
    "Kelds oplæg blev fulgt 100 procent , \" pointerer Susan Mackensie .".split(" "),
    "Kører man mange lange ture , bør man vælge en bil med motor i 1,6- 1,8- eller 2-liters klasse".split(" "),
    ["\"", "Åbenbart", "!"],
    "Å andra sidan kan det skapa en osäkerhet och villrådighet hos kibbutzbarnen".split(" "),
    ["'", "Du", "skall", "lyda", "din", "fader", ".", "'"],
    "Größere Straßenbahnen fahren über die Brücke nach Köln .".split(" "),
    ["café", "cafe\u0301", "naïve", "ﬁnancial", "Ａｂｃ", "İstanbul", "ΣΊΣΥΦΟΣ", "Ǆemal", "x²"],
    ["東京", "は", "日本", "の", "首都", "です", "。", "서울", "ひらがな"],
    ["I", "❤️", "🦀", "👍🏽", "🇩🇰", "!!"],
    ["a", "", "\u200b", "b", "\u200d", " ", "\ufeff", "c", "\u00ad", "New York", "tab\there"],
    ["<s>", "x<mask>y", "[CLS]", "</s>", "<unk>", "[UNK]"],
    ["2026", "3.14", "1,000,000", "½", "٣", "--", "...", "a-b-c", "``quoted''"],
    ["Supercalifragilisticexpialidocious", "Donaudampfschifffahrtsgesellschaftskapitän"],
]

# the sentences whose word vectors encode-reference.json holds (Danish, Swedish, German, accents, CJK, emoji,
# empty and zero-width words)
ENCODED = [2, 4, 6, 7, 8, 9, 10, 11]

TRAIN_TEXT = [" ".join(s) for s in SENTENCES[:8]] + [
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Den hurtige brune ræv springer over den dovne hund, og så går den hjem.",
    "Den snabba bruna räven hoppar över den lata hunden och springer hem.",
    "In 2026 the trainer read 1,000 sentences in 3.5 seconds.",
]


def train(tokenizer, trainer):
    tokenizer.train_from_iterator(TRAIN_TEXT, trainer=trainer)
    return tokenizer


def wordpiece():
    t = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=20))
    t.normalizer = normalizers.BertNormalizer(lowercase=True)
    t.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    train(t, trainers.WordPieceTrainer(vocab_size=200, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    t.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return t


def char_bpe():
    t = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True, continuing_subword_prefix="##", end_of_word_suffix="</w>"))
    t.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase()])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(behavior="isolated"),
                                               pre_tokenizers.Digits(individual_digits=True)])
    train(t, trainers.BpeTrainer(vocab_size=250, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], limit_alphabet=60,
                                 continuing_subword_prefix="##", end_of_word_suffix="</w>"))
    t.post_processor = processors.BertProcessing(("</s>", 2), ("<s>", 0))
    return t


def split_bpe():
    t = Tokenizer(models.BPE(unk_token="<unk>", ignore_merges=True))
    t.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex("[0-9]"), "0"), normalizers.Replace("``", "\"")])
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Whitespace(),
        pre_tokenizers.Split(Regex("-"), behavior="merged_with_next"),
        pre_tokenizers.Split(".", behavior="merged_with_previous"),
        pre_tokenizers.Split(Regex("[aeiou]+"), behavior="contiguous", invert=True),
        pre_tokenizers.Digits(individual_digits=False)])
    train(t, trainers.BpeTrainer(vocab_size=220, special_tokens=["<s>", "</s>", "<unk>"]))
    t.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 1)])
    # added tokens matched in raw text (normalized=False) and in normalised text, whole words only, taking
    # the whitespace around them
    t.add_tokens([AddedToken("New York", single_word=True, normalized=False), AddedToken("b", single_word=True),
                  AddedToken("tab", lstrip=True, rstrip=True, normalized=False), AddedToken("rr", normalized=True)])
    return t


def unigram():
    t = Tokenizer(models.Unigram())
    t.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase(), normalizers.Replace(Regex(" {2,}"), " ")])
    t.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first")
    t.decoder = decoders.Metaspace(prepend_scheme="first")
    train(t, trainers.UnigramTrainer(vocab_size=150, special_tokens=["<pad>", "<unk>", "<cls>", "<sep>"], unk_token="<unk>"))
    t.post_processor = processors.TemplateProcessing(single="<cls> $A <sep>", special_tokens=[("<cls>", 2), ("<sep>", 3)])
    return t


def byte_fallback():
    """A BPE and a Unigram model over ASCII letters with <0xXX> pieces for every byte (as Llama's and Gemma's
    SentencePiece conversions carry them): anything else falls back to its UTF-8 bytes."""
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["▁"]
    pieces = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + letters
    merges = [("▁", "t"), ("h", "e"), ("▁t", "he"), ("e", "r"), ("i", "n"), ("▁", "a")]
    pieces += [a + b for a, b in merges]
    bpe = Tokenizer(models.BPE(vocab={p: i for i, p in enumerate(pieces)}, merges=merges, unk_token="<unk>", fuse_unk=True,
                               byte_fallback=True))
    bpe.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always")
    bpe.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
    bpe.add_special_tokens(["<unk>", "<s>", "</s>"])
    scores = [0.0, 0.0, 0.0] + [-20.0] * 256 + [-5.0 - i / 10 for i in range(len(letters))] + [-4.0] * len(merges)
    uni = Tokenizer(models.Unigram(list(zip(pieces, scores)), unk_id=0, byte_fallback=True))
    uni.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always")
    uni.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
    uni.add_special_tokens(["<unk>", "<s>", "</s>"])
    return bpe, uni


def byte_level_bpe():
    # RoBERTa's layout: <s> 0, <pad> 1, </s> 2, <unk> 3, <mask> 4; only the most frequent bytes fit in 100 ids,
    # and as in RoBERTa the model has no unknown token (transformers' RobertaTokenizer drops a byte it lacks)
    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    t.decoder = decoders.ByteLevel()
    train(t, trainers.BpeTrainer(vocab_size=100, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"], limit_alphabet=45))
    t.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    return t


def converted(converter, model_file):
    options = SimpleNamespace(vocab_file=model_file, handle_byte_fallback=False, legacy=True, add_prefix_space=True)
    c = converter(options)
    ids = {piece: i for i, (piece, _) in enumerate(c.vocab(c.proto))}
    options.convert_tokens_to_ids = ids.get
    return c.converted()


def sentencepiece(workdir, name, vocab_size):
    prefix = os.path.join(workdir, name)
    with open(prefix + ".txt", "w", encoding="utf-8") as f:
        f.write("\n".join(TRAIN_TEXT * 4) + "\n")
    spm.SentencePieceTrainer.train(input=prefix + ".txt", model_prefix=prefix, vocab_size=vocab_size, model_type="unigram",
                                   character_coverage=0.98, normalization_rule_name="identity", seed_sentencepiece_size=2000,
                                   hard_vocab_limit=False, minloglevel=2, num_threads=1)
    return prefix + ".model"


def grouped(ids, word_ids, count):
    words = [[] for _ in range(count)]
    for i, w in zip(ids, word_ids):
        if w is not None:
            words[w].append(i)
    return words


def parity(name, tokenizer, folder=None):
    """Each sentence's per-word ids from tokenizers and, for a model folder, from transformers (must agree)."""
    rows = []
    raw = Tokenizer.from_str(tokenizer.to_str())
    if isinstance(raw.pre_tokenizer, pre_tokenizers.ByteLevel):
        raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    auto = AutoTokenizer.from_pretrained(folder, add_prefix_space=True) if folder else None
    for words in SENTENCES:
        e = raw.encode(words, is_pretokenized=True)
        per_word = grouped(e.ids, e.word_ids, len(words))
        row = {"words": words, "ids": per_word, "framing": [e.ids[0], e.ids[-1]]}
        if auto is not None:
            b = auto(words, is_split_into_words=True)
            theirs = grouped(b["input_ids"], b.word_ids(), len(words))
            assert [b["input_ids"][0], b["input_ids"][-1]] == row["framing"]
            # transformers 5 rebuilds XLM-R's and CamemBERT's normaliser and pre-tokenizer from its class
            # defaults (no normaliser, WhitespaceSplit + Metaspace) instead of the file's: words it reads
            # otherwise are recorded, and printed
            differing = [{"word": w, "transformers": t} for w, (t, o) in enumerate(zip(theirs, per_word)) if t != o]
            if differing:
                row["transformers_differs"] = differing
                print(f"{name}: transformers differs from tokenizer.json on", [(words[d["word"]], d["transformers"]) for d in differing])
        rows.append(row)
    return rows


def windows(n, w):
    """SubwordWindows.cut: windows of w subwords every w // 2, the last ending at n; each subword read where its margin is largest."""
    if n <= w:
        return [(0, n)], [0] * n
    stride = max(1, w // 2)
    starts = list(range(0, n - w, stride)) + [n - w]
    spans = [(s, s + w) for s in starts]
    owner = []
    for i in range(n):
        best, k_best = -1, 0
        for k, (a, b) in enumerate(spans):
            if a <= i < b and min(i - a, b - 1 - i) > best:
                best, k_best = min(i - a, b - 1 - i), k
        owner.append(k_best)
    return spans, owner


def encode_reference(folder, tokenizer):
    model = AutoModel.from_pretrained(folder)
    model.eval()
    config = model.config
    positions = config.max_position_embeddings - config.pad_token_id - 1
    raw = Tokenizer.from_str(tokenizer.to_str())
    if isinstance(raw.pre_tokenizer, pre_tokenizers.ByteLevel):
        raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    framing = raw.encode(["x"], is_pretokenized=True).ids
    cls, sep = framing[0], framing[-1]
    unk = raw.token_to_id("<unk>")
    out = []
    for words in (SENTENCES[i] for i in ENCODED):
        e = raw.encode(words, is_pretokenized=True)
        per_word = [ids or [unk] for ids in grouped(e.ids, e.word_ids, len(words))]
        flat = [i for ids in per_word for i in ids]
        spans, owner = windows(len(flat), positions - 2)
        states = []
        with torch.no_grad():
            for a, b in spans:
                h = model(input_ids=torch.tensor([[cls] + flat[a:b] + [sep]])).last_hidden_state[0]
                states.append(h)
        vectors, start = [], 0
        for ids in per_word:
            k = owner[start]
            row = states[k][1 + start - spans[k][0]]
            vectors.append([round(float(v), 6) for v in row])
            start += len(ids)
        out.append({"words": words, "ids": per_word, "vectors": vectors})
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_tokenizers.py SENTENCEPIECE_TEST_MODEL (google/sentencepiece python/test/test_model.model)")
    os.makedirs(TOKENIZERS, exist_ok=True)
    reference, vectors = {}, {}
    standalone = [("wordpiece", wordpiece()), ("char-bpe", char_bpe()), ("split-bpe", split_bpe()), ("unigram", unigram()),
                  ("sentencepiece-unigram", converted(XLMRobertaConverter, sys.argv[1]))]
    standalone += list(zip(["byte-fallback-bpe", "byte-fallback-unigram"], byte_fallback()))
    for name, t in standalone:
        t.save(os.path.join(TOKENIZERS, name + ".json"))
        reference[name] = {"file": f"tokenizers/{name}.json", "sentences": parity(name, t)}
    with tempfile.TemporaryDirectory() as work:
        families = [("roberta", byte_level_bpe()),
                    ("xlm-roberta", converted(XLMRobertaConverter, sentencepiece(work, "xlmr", 96))),
                    ("camembert", converted(CamembertConverter, sentencepiece(work, "camembert", 94)))]
        for family, t in families:
            folder = os.path.join(MODELS, family)
            t.save(os.path.join(folder, "tokenizer.json"))
            size = json.load(open(os.path.join(folder, "config.json")))["vocab_size"]
            assert t.get_vocab_size(with_added_tokens=True) <= size, f"{family}: {t.get_vocab_size()} ids > {size}"
            reference[family] = {"file": f"tiny-models/{family}/tokenizer.json", "sentences": parity(family, t, folder)}
            vectors[family] = encode_reference(folder, t)
    with open(os.path.join(HERE, "tokenizer-parity.json"), "w", encoding="utf-8") as f:
        json.dump(reference, f, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(HERE, "encode-reference.json"), "w", encoding="utf-8") as f:
        json.dump(vectors, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
