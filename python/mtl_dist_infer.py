#!/usr/bin/env python3
"""Tag pre-tokenised text with an mtl-dist export, without Swift (standard library + numpy).

    python3 python/mtl_dist_infer.py EXPORT_DIR < tokens > tags.conll

Ships with python/mtl_dist_text.py (token features and tag schemes), imported from this folder.

EXPORT_DIR is what `mtl-dist export` writes: `model.safetensors` (float32 parameters under
their manifest names) and `model.json` (structure, vocabularies, label dictionaries, tag
schemes). Input: one sentence per line, tokens separated by spaces or tabs (blank lines are
skipped), as `mtl-dist predict --input-format pretokenized` reads it. Output: the same CoNLL as
that command's: per token `token<TAB>tag of task 1<TAB>...` in the model's task order, a blank
line after each sentence.

The model, as mtl-dist builds it (Sources/MultiTask, Sources/Layers), with no dropout:
  token vector = [word embedding ; casing embedding ; character BiLSTM]   (each optional)
  shared BiLSTM (optional), then per task: its own BiLSTM (optional), a linear map to the
  tags, and Viterbi over a linear-chain CRF or a per-token argmax (softmax head).
LSTM gates are in PyTorch's order i, f, g, o with one bias; a BiLSTM's backward direction reads
each sentence right to left. The character encoder gives [forward state after the last
character ; backward state after reading the word backwards]. Span tasks trained in BIOES are
written back in IOB2, as conlleval reads the spans. Both checksums of the export are verified
(CRC-32C of `model.safetensors`, and of `model.json` itself). Models with a transformer encoder,
or with a task that is not a tagging task (classification, lemma, dependency), are refused.
"""
import json
import re
import struct
import sys

import numpy as np

from mtl_dist_text import casing, encoded_characters, to_iob2, word_key

FORMAT = "mtl-dist-export"
VERSION = 1
MAX_HEADER_BYTES = 100_000_000
MAX_JSON_BYTES = 1 << 30
MAX_TOKENS_PER_PASS = 1000  # Evaluator.maxTokensPerPass: longer sentences are decoded in pieces
MAX_TOKEN_BYTES = 1024


class ExportError(Exception):
    """A problem with the export or the input, with the file and the fix."""


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli), as Sources/Checkpointing/CRC32C.swift computes it."""
    crc ^= 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _verify_seal(raw, path, key="model_checksum"):
    """JSONSeal.verify: `"key" : "crc32c:XXXXXXXX"` occurs once, and the CRC of the file with those
    8 digits read as 0 equals them."""
    pattern = ('"%s"' % key).encode()
    if raw.count(pattern) != 1:
        raise ExportError("%s: %s present %d times, expected once (written by mtl-dist export)" % (path, key, raw.count(pattern)))
    m = re.compile(re.escape(pattern) + rb'[ \t\r\n]*:[ \t\r\n]*"crc32c:([0-9a-f]{8})"').search(raw)
    if m is None:
        raise ExportError("%s: %s has a malformed value" % (path, key))
    zeroed = raw[:m.start(1)] + b"00000000" + raw[m.end(1):]
    found = crc32c(zeroed)
    if found != int(m.group(1), 16):
        raise ExportError("%s: checksum crc32c:%08x, the file records crc32c:%s: it was edited or damaged after export; "
                          "export the model again" % (path, found, m.group(1).decode()))


class Vocabulary:
    """specials then items; an unseen entry maps to `unknown` (CoNLL/Vocabulary.swift)."""

    def __init__(self, obj, what):
        if not isinstance(obj, dict) or not isinstance(obj.get("specials"), list) or not isinstance(obj.get("items"), list):
            raise ExportError("model.json: %s: expected {specials, unknown, items}" % what)
        self.entries = obj["specials"] + obj["items"]
        self.ids = {e: i for i, e in enumerate(self.entries)}
        if len(self.ids) != len(self.entries):
            raise ExportError("model.json: %s has duplicate entries" % what)
        unknown = obj.get("unknown")
        self.unknown_id = self.ids.get(unknown, 0) if unknown is not None else 0

    def id(self, entry):
        return self.ids.get(entry, self.unknown_id)


def load_safetensors(path):
    """The tensors of a safetensors file as float32 arrays, every offset checked against the file."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ExportError("%s: %d bytes, too short for a safetensors header" % (path, len(raw)))
    (length,) = struct.unpack("<Q", raw[:8])
    if length > min(MAX_HEADER_BYTES, len(raw) - 8):
        raise ExportError("%s: header length %d, expected at most %d (the file's size)" % (path, length, min(MAX_HEADER_BYTES, len(raw) - 8)))
    try:
        header = json.loads(raw[8:8 + length])
    except ValueError as e:
        raise ExportError("%s: the header is not JSON (%s)" % (path, e))
    data = memoryview(raw)[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise ExportError("%s: tensor %r: expected {dtype, shape, data_offsets: [begin, end]}" % (path, name[:80]))
        count = int(np.prod(shape)) if shape else 1
        if dtype != "F32" or not (0 <= begin <= end <= len(data)) or begin % 4 or end - begin != 4 * count:
            raise ExportError("%s: tensor %r: dtype %s, shape %s, data_offsets [%s, %s] do not fit the %d data bytes"
                              % (path, name[:80], dtype, shape, begin, end, len(data)))
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(shape).astype(np.float32)
    return raw, tensors


class LSTM:
    """One direction: [i; f; g; o] = W_ih x_t + W_hh h_{t-1} + b; c = f c + i g; h = o tanh(c)."""

    def __init__(self, tensors, name, input_size, hidden):
        self.w_ih = _get(tensors, name + ".weight_ih", (4 * hidden, input_size))
        self.w_hh = _get(tensors, name + ".weight_hh", (4 * hidden, hidden))
        self.bias = _get(tensors, name + ".bias", (4 * hidden,))
        self.hidden = hidden

    def run(self, x, lengths):
        """x [B, T, C] (rows padded past their lengths) -> h [B, T, H], zero at padded steps."""
        b, t, _ = x.shape
        hsz = self.hidden
        gates_x = x @ self.w_ih.T + self.bias  # [B, T, 4H], all steps at once
        h = np.zeros((b, hsz), np.float32)
        c = np.zeros((b, hsz), np.float32)
        out = np.zeros((b, t, hsz), np.float32)
        lengths = np.asarray(lengths)
        for step in range(t):
            g = gates_x[:, step] + h @ self.w_hh.T
            i, f = _sigmoid(g[:, :hsz]), _sigmoid(g[:, hsz:2 * hsz])
            cand, o = np.tanh(g[:, 2 * hsz:3 * hsz]), _sigmoid(g[:, 3 * hsz:])
            live = (step < lengths)[:, None]
            c = np.where(live, f * c + i * cand, c)
            h = np.where(live, o * np.tanh(c), h)
            out[:, step] = np.where(live, h, 0)
        return out


class BiLSTM:
    def __init__(self, tensors, name, input_size, hidden):
        self.forward = LSTM(tensors, name + ".forward", input_size, hidden)
        self.backward = LSTM(tensors, name + ".backward", input_size, hidden)

    def run(self, x, lengths):
        """[B, T, C] -> [B, T, 2H] = [forward h_t ; backward h_t]."""
        back = _reverse_in_time(self.backward.run(_reverse_in_time(x, lengths), lengths), lengths)
        return np.concatenate([self.forward.run(x, lengths), back], axis=-1)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _reverse_in_time(x, lengths):
    out = np.zeros_like(x)
    for r, n in enumerate(lengths):
        out[r, :n] = x[r, :n][::-1]
    return out


def _get(tensors, name, shape):
    if name not in tensors:
        raise ExportError("model.safetensors: no tensor %r (the model.json describes it); export the model again" % name)
    if tuple(tensors[name].shape) != tuple(shape):
        raise ExportError("model.safetensors: tensor %r has shape %s, the model needs %s" % (name, list(tensors[name].shape), list(shape)))
    return tensors[name]


# -- the model -----------------------------------------------------------------------------------

class Model:
    """An export loaded: `Model(folder).tag(tokens)` -> one tag list per task, in task order."""

    def __init__(self, folder, verify=True):
        json_path, st_path = folder + "/model.json", folder + "/model.safetensors"
        try:
            with open(json_path, "rb") as f:
                raw_json = f.read(MAX_JSON_BYTES + 1)
        except OSError as e:
            raise ExportError("%s: %s (expected a folder written by 'mtl-dist export')" % (json_path, e.strerror))
        if len(raw_json) > MAX_JSON_BYTES:
            raise ExportError("%s: larger than %d bytes" % (json_path, MAX_JSON_BYTES))
        doc = json.loads(raw_json)
        if doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise ExportError("%s: format %r version %r, expected %r version %d (written by 'mtl-dist export')"
                              % (json_path, doc.get("format"), doc.get("version"), FORMAT, VERSION))
        try:
            raw_st, tensors = load_safetensors(st_path)
        except OSError as e:
            raise ExportError("%s: %s (export the model again)" % (st_path, e.strerror))
        if verify:
            _verify_seal(raw_json, json_path)
            found = "crc32c:%08x" % crc32c(raw_st)
            if found != doc.get("safetensors_checksum"):
                raise ExportError("%s: checksum %s, model.json records %s (safetensors_checksum): the file was changed or "
                                  "damaged after export; export the model again" % (st_path, found, doc.get("safetensors_checksum")))
        meta = doc["metadata"]
        enc, spec = meta["encoder"], meta["spec"]["encoder"]
        if spec.get("transformer") is not None:
            raise ExportError("%s: the model has a transformer encoder, which this module does not run; "
                              "use 'mtl-dist predict', or transformers with the export's transformer/ folder" % json_path)
        for task in enc["tasks"]:
            if task.get("kind", "tagging") != "tagging":
                raise ExportError("%s: task %s is a %s task, which this module does not run (it runs tagging tasks only); "
                                  "use 'mtl-dist predict'" % (json_path, task["name"], task["kind"]))
        self.words, self.chars = Vocabulary(enc["words"], "encoder.words"), Vocabulary(enc["characters"], "encoder.characters")
        self.lowercase, self.normalize_digits = bool(enc["lowercaseWords"]), bool(enc["normalizeDigits"])
        self.word_table = _get(tensors, "encoder.words.weight", (spec["wordVocabularySize"], spec["wordDimension"])) \
            if spec["wordDimension"] > 0 else None
        self.case_table = _get(tensors, "encoder.case.weight", (spec["caseClassCount"], spec["caseDimension"])) \
            if spec["caseDimension"] > 0 else None
        self.char_table = self.char_lstm = None
        if spec["characterDimension"] > 0:
            self.char_table = _get(tensors, "encoder.chars.embedding.weight", (spec["characterVocabularySize"], spec["characterDimension"]))
            self.char_lstm = BiLSTM(tensors, "encoder.chars.lstm", spec["characterDimension"], spec["characterHidden"])
        width = spec["wordDimension"] + spec["caseDimension"] + (2 * spec["characterHidden"] if self.char_lstm else 0)
        self.shared = BiLSTM(tensors, "encoder.lstm", width, spec["sharedHidden"]) if spec["sharedHidden"] > 0 else None
        width = 2 * spec["sharedHidden"] if self.shared else width
        self.tasks = []
        for head, task in zip(meta["spec"]["heads"], enc["tasks"]):
            k, prefix = head["tagCount"], "heads.%s" % head["name"]
            lstm = BiLSTM(tensors, prefix + ".lstm", width, head["hidden"]) if head["hidden"] > 0 else None
            inner = 2 * head["hidden"] if lstm else width
            crf = [_get(tensors, prefix + ".crf." + p, s) for p, s in (("transitions", (k, k)), ("start", (k,)), ("stop", (k,)))] \
                if head["kind"] == "crf" else None
            labels = Vocabulary(task["labels"], "task %s labels" % task["name"])
            scheme = task.get("trainScheme") if task.get("metric") == "span_f1" else None
            self.tasks.append(dict(name=task["name"], lstm=lstm, crf=crf, labels=labels.entries,
                                   weight=_get(tensors, prefix + ".projection.weight", (k, inner)),
                                   bias=_get(tensors, prefix + ".projection.bias", (k,)),
                                   scheme=scheme if scheme not in (None, "iob2") else None))

    def encode(self, tokens):
        """[1, T, C] token vectors: [word ; casing ; characters]."""
        parts = []
        if self.word_table is not None:
            parts.append(self.word_table[[self.words.id(word_key(t, self.lowercase, self.normalize_digits)) for t in tokens]])
        if self.case_table is not None:
            parts.append(self.case_table[[casing(t) for t in tokens]])
        if self.char_lstm is not None:
            ids = [[self.chars.id(c) for c in encoded_characters(t)] for t in tokens]
            lengths = [len(w) for w in ids]
            x = np.zeros((len(ids), max(lengths), self.char_table.shape[1]), np.float32)
            for w, word in enumerate(ids):
                x[w, :len(word)] = self.char_table[word]
            last = np.array(lengths) - 1
            rows = np.arange(len(ids))
            fwd = self.char_lstm.forward.run(x, lengths)[rows, last]
            bwd = self.char_lstm.backward.run(_reverse_in_time(x, lengths), lengths)[rows, last]
            parts.append(np.concatenate([fwd, bwd], axis=-1))
        x = np.concatenate(parts, axis=-1)[None].astype(np.float32)
        return self.shared.run(x, [len(tokens)]) if self.shared else x

    def tag(self, tokens):
        """One tag list per task for a sentence; longer than 1,000 tokens: decoded in pieces."""
        tags = [[] for _ in self.tasks]
        for a in range(0, len(tokens), MAX_TOKENS_PER_PASS):
            for i, piece in enumerate(self._tag_piece(tokens[a:a + MAX_TOKENS_PER_PASS])):
                tags[i] += piece
        return tags

    def _tag_piece(self, tokens):
        x = self.encode(tokens)
        out = []
        for task in self.tasks:
            h = task["lstm"].run(x, [len(tokens)]) if task["lstm"] else x
            emissions = (h[0] @ task["weight"].T + task["bias"]).astype(np.float32)
            ids = viterbi(emissions, *task["crf"]) if task["crf"] else list(np.argmax(emissions, axis=1))
            tags = [task["labels"][i] for i in ids]
            out.append(to_iob2(tags, task["scheme"]) if task["scheme"] else tags)
        return out


def viterbi(emissions, transitions, start, stop):
    """argmax_y start[y0] + sum E[t, y_t] + sum trans[y_{t-1}, y_t] + stop[y_last]; ties: lowest tag."""
    delta = start + emissions[0]
    pointers = []
    for t in range(1, len(emissions)):
        scores = delta[:, None] + transitions  # [from, to]
        best = np.argmax(scores, axis=0)
        pointers.append(best)
        delta = scores[best, np.arange(len(best))] + emissions[t]
    tag = int(np.argmax(delta + stop))
    path = [tag]
    for best in reversed(pointers):
        tag = int(best[tag])
        path.append(tag)
    return path[::-1]


def read_sentences(stream):
    """Pretokenised input: a sentence per line (LF, CRLF or CR), tokens split on spaces and tabs."""
    text = stream.read()
    if "\0" in text:
        raise ExportError("<stdin>: a NUL byte (binary data); expected text, a sentence per line")
    for number, line in enumerate(re.split("\r\n|\r|\n", text), 1):
        tokens = [t for t in re.split("[ \t]", line) if t]
        for t in tokens:
            if len(t.encode()) > MAX_TOKEN_BYTES:
                raise ExportError("<stdin>:%d: a token of %d bytes, more than %d" % (number, len(t.encode()), MAX_TOKEN_BYTES))
        if tokens:
            yield tokens


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: python3 mtl_dist_infer.py EXPORT_DIR < sentences (one per line, tokens separated by spaces)\n")
        return 2
    try:
        model = Model(argv[1])
        stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="strict", newline="")
        out = sys.stdout
        header = "# columns = " + " ".join(["token"] + [t["name"] for t in model.tasks]) + "\n"
        for tokens in read_sentences(stdin):
            tags = model.tag(tokens)
            # the header `mtl-dist predict` writes before its first sentence
            out.write(header)
            header = ""
            out.write("".join("\t".join([token] + [t[j] for t in tags]) + "\n" for j, token in enumerate(tokens)) + "\n")
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, as a tool killed by SIGPIPE
        sys.stderr.close()
        return 141
    except (ExportError, UnicodeDecodeError, KeyError, ValueError) as e:
        sys.stderr.write("mtl_dist_infer: %s\n" % (e if not isinstance(e, KeyError) else "model.json: missing field %s" % e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
