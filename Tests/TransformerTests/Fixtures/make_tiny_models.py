#!/usr/bin/env python3
"""Generates the tiny model of each non-BERT family under Tests/TransformerTests/Fixtures/tiny-models
and the hidden states transformers computes with them. Run once by hand; the outputs are committed,
so neither CI nor the tests need Python.

Needs torch and transformers (4.57 was used) in a venv outside the repository, e.g.

    /work/venv-flair/bin/python Tests/TransformerTests/Fixtures/make_tiny_models.py

Writes, next to this script, tiny-models/<family>/ as transformers' save_pretrained writes it
(config.json + model.safetensors; camembert sharded: model.safetensors.index.json + shards) for
roberta, xlm-roberta, camembert, distilbert and electra (embedding_size 16 against hidden 32):
hidden 32, 2 layers, 4 heads, FFN 64, every parameter random (LayerNorm too, so a swapped or
misnamed tensor shows), seeded. The RoBERTa family has a vocabulary of 100 and no tokenizer (the
tests pass ids); DistilBERT and ELECTRA take tiny-bert's WordPiece vocabulary (vocab.txt,
tokenizer_config.json), so today's tokenizer reads them. And
tiny-models/hidden-states.json: per family, a padded batch of id sequences (specials at the ends,
one id equal to the padding id inside a RoBERTa-family sequence is avoided: the Swift side packs
without padding) with its attention masks, and every hidden state (embedding output first) at the
real positions of each sequence.
"""
import json
import os
import shutil

import torch
from transformers import (CamembertConfig, CamembertModel, DistilBertConfig, DistilBertModel, ElectraConfig,
                          ElectraModel, RobertaConfig, RobertaModel, XLMRobertaConfig, XLMRobertaModel)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tiny-models")
VOCAB = 100
# DistilBERT and ELECTRA read WordPiece: they share tiny-bert's vocabulary ([PAD] 0, [CLS] 2, [SEP] 3)
# and take its vocab.txt and tokenizer_config.json, so `encode` and `train` read them today
WORDPIECE = os.path.join(HERE, "tiny-bert")
with open(os.path.join(WORDPIECE, "vocab.txt"), encoding="utf-8") as f:
    WORDPIECE_VOCAB = len(f.read().splitlines())
COMMON = dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
              hidden_act="gelu", layer_norm_eps=1e-12, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)


def families():
    # RoBERTa family: <s> 0, <pad> 1, </s> 2; positions from pad + 1, so 18 positions hold 16 tokens
    roberta = dict(COMMON, max_position_embeddings=18, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2)
    yield "roberta", RobertaModel(RobertaConfig(**roberta)), (0, 2, 1)
    yield "xlm-roberta", XLMRobertaModel(XLMRobertaConfig(**roberta)), (0, 2, 1)
    yield "camembert", CamembertModel(CamembertConfig(**roberta)), (5, 6, 1)
    distil = DistilBertConfig(vocab_size=WORDPIECE_VOCAB, dim=32, n_layers=2, n_heads=4, hidden_dim=64, max_position_embeddings=16,
                              activation="gelu", dropout=0.1, attention_dropout=0.1, pad_token_id=0)
    yield "distilbert", DistilBertModel(distil), (2, 3, 0)
    electra = dict(COMMON, vocab_size=WORDPIECE_VOCAB, embedding_size=16, max_position_embeddings=16, type_vocab_size=2, pad_token_id=0)
    yield "electra", ElectraModel(ElectraConfig(**electra)), (2, 3, 0)


def randomise(model, generator):
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=generator) * 0.2
            p.copy_(1 + noise if "LayerNorm.weight" in name or "layer_norm.weight" in name else noise)


def batch(generator, bos, eos, pad, vocab):
    lengths = [7, 16, 3, 11]
    ids, masks = [], []
    for n in lengths:
        # ids 7...vocab-1: never a special id, never the padding id
        body = (torch.randint(7, vocab, (n - 2,), generator=generator)).tolist()
        seq = [bos] + body + [eos]
        ids.append(seq + [pad] * (max(lengths) - n))
        masks.append([1] * n + [0] * (max(lengths) - n))
    return ids, masks


def main():
    os.makedirs(OUT, exist_ok=True)
    reference = {}
    for seed, (family, model, (bos, eos, pad)) in enumerate(families()):
        generator = torch.Generator().manual_seed(1000 + seed)
        randomise(model, generator)
        model.eval()
        folder = os.path.join(OUT, family)
        shard = "40KB" if family == "camembert" else "10GB"
        model.save_pretrained(folder, safe_serialization=True, max_shard_size=shard)
        if model.config.vocab_size == WORDPIECE_VOCAB:
            for name in ("vocab.txt", "tokenizer_config.json"):
                shutil.copy(os.path.join(WORDPIECE, name), os.path.join(folder, name))
        ids, masks = batch(generator, bos, eos, pad, model.config.vocab_size)
        with torch.no_grad():
            out = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(masks), output_hidden_states=True)
        sequences = []
        for b, (seq, mask) in enumerate(zip(ids, masks)):
            n = sum(mask)
            states = [[[round(float(v), 7) for v in row] for row in h[b, :n].tolist()] for h in out.hidden_states]
            sequences.append({"input_ids": seq[:n], "padded_ids": seq, "attention_mask": mask, "hidden_states": states})
        reference[family] = {"bos": bos, "eos": eos, "pad": pad, "sequences": sequences}
    with open(os.path.join(OUT, "hidden-states.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
