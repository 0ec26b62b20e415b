"""Text side of python/mtl_dist_infer.py: the token features mtl-dist computes from a token's
surface string (word keys, casing classes, the characters the character encoder reads) and
conlleval's reading of tag sequences into spans (BIOES predictions back to IOB2), following
Sources/CoNLL/TokenFeatures.swift and Sources/CoNLL/Span.swift."""
import re
import unicodedata

MAX_CHARACTERS = 64  # TokenFeatures.maxCharacters


# -- token features (CoNLL/TokenFeatures.swift) --------------------------------------------------

def characters(token):
    """Approximate Swift Characters (extended grapheme clusters): a code point with the combining
    marks and joiners that follow it, CR LF as one."""
    out = []
    for ch in token:
        if out and (unicodedata.category(ch).startswith("M") or ch in "\u200d\ufe0f" or (out[-1] == "\r" and ch == "\n")):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def encoded_characters(token):
    """The characters the character encoder reads: all up to 64, else the first and last 32."""
    chars = characters(token)
    if len(chars) <= MAX_CHARACTERS:
        return chars
    half = MAX_CHARACTERS // 2
    return chars[:half] + chars[-half:]


_CASING = {"padding": 0, "allLower": 1, "allUpper": 2, "initialUpper": 3, "mixedCase": 4, "numeric": 5, "containsDigit": 6, "other": 7}


def _is_number(ch):
    return any(unicodedata.numeric(c, None) is not None for c in ch[:1])


def _is_letter(ch):
    return ch[:1].isalpha()


def casing(token):
    """TokenFeatures.casing: the casing class id of a token."""
    letters = upper = digits = 0
    first_upper = False
    chars = characters(token)
    for i, ch in enumerate(chars):
        if _is_number(ch):
            digits += 1
        elif _is_letter(ch):
            letters += 1
            if ch[:1].isupper():
                upper += 1
                if i == 0:
                    first_upper = True
    n = len(chars)
    if n > 0 and digits == n:
        return _CASING["numeric"]
    if letters == 0:
        return _CASING["containsDigit"] if digits > 0 else _CASING["other"]
    if digits > 0:
        return _CASING["containsDigit"]
    if upper == 0:
        return _CASING["allLower"]
    if upper == letters:
        return _CASING["allUpper"]
    if first_upper and upper == 1:
        return _CASING["initialUpper"]
    return _CASING["mixedCase"]


def word_key(token, lowercase, normalize_digits):
    """TokenFeatures.wordKey: optionally lowercased, ASCII digits replaced by 0."""
    s = token.lower() if lowercase else token
    return re.sub("[0-9]", "0", s) if normalize_digits else s


# -- tag schemes (CoNLL/Span.swift, conlleval's chunk rules) -------------------------------------

def _split_tag(tag):
    if tag == "O" or "-" not in tag:
        return (tag, "")
    prefix, _, kind = tag.partition("-")
    return prefix, kind


def _chunk_ends(pt, t, ptype, tp, bioes):
    if pt in ("B", "I") and t in ("B", "O"): return True
    if pt == "E" and t in ("E", "I", "O"): return True
    if pt not in ("O", ".") and ptype != tp: return True
    if pt in ("]", "["): return True
    if bioes and (pt in ("E", "S") or (pt in ("B", "I") and t == "S")): return True
    return False


def _chunk_starts(pt, t, ptype, tp, bioes):
    if t == "B" and pt in ("B", "I", "O"): return True
    if pt == "O" and t in ("I", "E"): return True
    if pt == "E" and t in ("E", "I"): return True
    if t not in ("O", ".") and ptype != tp: return True
    if t in ("[", "]"): return True
    if bioes and (t in ("B", "S") or (pt in ("S", "E") and t in ("I", "E"))): return True
    return False


def spans(tags, scheme):
    """(type, start, end) spans as conlleval reads them."""
    bioes = scheme == "bioes"
    result, open_start, open_type, pt, ptype = [], -1, "", "O", ""
    for i in range(len(tags) + 1):
        t, tp = _split_tag(tags[i]) if i < len(tags) else ("O", "")
        if open_start >= 0 and _chunk_ends(pt, t, ptype, tp, bioes):
            result.append((open_type, open_start, i))
            open_start = -1
        if i < len(tags) and _chunk_starts(pt, t, ptype, tp, bioes):
            if open_start >= 0:
                result.append((open_type, open_start, i))
            open_start, open_type = i, tp
        pt, ptype = t, tp
    if open_start >= 0:
        result.append((open_type, open_start, len(tags)))
    return result


def to_iob2(tags, scheme):
    out = ["O"] * len(tags)
    for kind, start, end in spans(tags, scheme):
        for i in range(start, end):
            out[i] = "I-" + kind
        out[start] = "B-" + kind
    return out
