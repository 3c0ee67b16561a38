"""Diacritics put back on a question typed without them ("di cai nghien ruou co duoc bhyt …").

Each syllable typed plain stands for several ("nghien": nghiên, nghiện, nghiền). The most frequent form alone
is wrong whenever the rarer one is meant: "nghiên" (from "nghiên cứu") would be chosen for "cai nghien ruou".
So the choice is made for the whole question at once (a Viterbi path through a bigram model), weighing how
often each form follows its left neighbour's form in the corpus ("nghiện rượu" is written; "nghiên rượu" is
not), smoothed by how frequent the form is. The pairs are counted in the chunks that hold both folded
syllables, found through the keyword index, so nothing is precomputed and a question costs a few hundred chunk
texts read at most.

Hand-written: no offline Vietnamese diacritic restorer installs from PyPI (underthesea's downloads its model).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache

from rag.index.keyword import KeywordIndex
from rag.text import lexicon
from rag.text.normalize import fold, nfc
from rag.text.tokens import FOLD_PREFIX, is_word_term

_OPTIONS = 6  # accented forms kept per folded syllable (the most frequent)
# Chunk texts read per pair of neighbouring syllables, and the weight of a form's own frequency where a pair was
# never seen (interpolated smoothing). Measured by typing every question of the law, golden, citizen and ALQAC
# sets without its diacritics and restoring it: syllables right 0.923 / 0.810 / 0.872 / 0.946 with these
# (0.869 / 0.799 / 0.824 / 0.933 by each syllable's most frequent form), 39 ms a question over the 17 laws
# (100 chunks: 0.952 on ALQAC at 71 ms).
_CHUNKS_PER_PAIR = 40
_SMOOTHING = 10.0
_TOKEN_RE = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def _fold(token: str) -> str:
    return fold(token)


class Restorer:
    """Put diacritics back on a query typed without them, using the corpus's own words."""

    def __init__(self, index: KeywordIndex) -> None:
        syll: dict[str, Counter[str]] = defaultdict(Counter)
        self.counts: Counter[str] = Counter()
        index.ensure_built()
        # Occurrences per term come from the BM25 matrix: no pass over every chunk's terms.
        for term, j in index.vocab.items():
            if term.startswith(FOLD_PREFIX):
                continue
            if not is_word_term(term):
                syll[fold(term)][term] += int(index.term_counts[j])
                self.counts[term] += int(index.term_counts[j])
        self.index = index
        self.options = {k: [form for form, _ in c.most_common(_OPTIONS)] for k, c in syll.items()}
        self.total = max(sum(self.counts.values()), 1)
        # How an asker names themselves ("toi", "con toi") is never in the documents, so the corpus cannot
        # restore it ("toi" would read "tối", as in "tối đa"); the asker lexicon can.
        self.askers = {fold(p).replace(" ", "_"): p for p in lexicon.raw_lines("asker")}
        # So are the question words of more than one syllable: "bao lau" is "bao lâu", though the corpus says
        # "bảo" far more often than "bao" (one syllable alone, "mấy" or "đâu", is too ambiguous to force).
        asks = {fold(p).replace(" ", "_"): p for p in lexicon.raw_lines("interrogatives") if " " in p}
        self.phrases = self.askers | asks | {fold(k).replace(" ", "_"): v for k, v in lexicon.table("plain_words")}

    def restore(self, text: str) -> str:
        words = re.findall(r"\w+|[^\w\s]", text)
        out: list[str] = []
        run: list[str] = []  # plain syllables waiting for the path through them
        i = 0
        while i < len(words):
            for n in (4, 3, 2, 1):
                key = "_".join(fold(w) for w in words[i:i + n])
                hit = self.phrases.get(key)
                if hit and n == 1 and key in self.askers and self._known_pair(words[i:i + 2]):
                    hit = None  # "toi da" is the corpus's "tối đa", not the asker's "tôi"
                if hit and len(words[i:i + n]) == n:
                    out += [*self._path(run), hit]
                    run = []
                    i += n
                    break
            else:
                w = words[i]
                if w.isalpha() and fold(w) == w.lower() and fold(w) in self.options:
                    run.append(w)
                else:
                    out += [*self._path(run), w]
                    run = []
                i += 1
        return " ".join(out + self._path(run))

    def _path(self, plain: list[str]) -> list[str]:
        """The likeliest accented forms of a run of plain syllables (Viterbi over forms and neighbours)."""
        if not plain:
            return []
        keys = [fold(w) for w in plain]
        options = [self.options[k] for k in keys]
        if len(plain) == 1:
            return [options[0][0]]
        pairs = self._neighbours(keys)
        best = {f: (math.log(self._p(f)), [f]) for f in options[0]}
        for pos in range(1, len(plain)):
            best = {f: max(((score + math.log(self._follows(prev, f, pairs)), [*path, f])
                            for prev, (score, path) in best.items()), key=lambda x: x[0])
                    for f in options[pos]}
        return max(best.values(), key=lambda x: x[0])[1]

    def _known_pair(self, words: list[str]) -> bool:
        """Whether the corpus has these two plain syllables side by side (in some accented form)."""
        keys = [fold(w) for w in words]
        return len(keys) == 2 and all(k in self.options for k in keys) and bool(self._neighbours(keys))

    def _p(self, form: str) -> float:
        return (self.counts[form] + 1) / self.total

    def _follows(self, prev: str, form: str, pairs: Counter[tuple[str, str]]) -> float:
        """P(form | prev): how often prev is followed by form, smoothed by form's own frequency."""
        return (pairs[(prev, form)] + _SMOOTHING * self._p(form)) / (self.counts[prev] + _SMOOTHING)

    def _neighbours(self, keys: list[str]) -> Counter[tuple[str, str]]:
        """How often each pair of accented forms of neighbouring syllables stands together in the corpus."""
        wanted = {(a, b) for a, b in itertools.pairwise(keys)}
        rows: set[int] = set()
        for a, b in wanted:
            both = set(self.index.rows_with(FOLD_PREFIX + a)) & set(self.index.rows_with(FOLD_PREFIX + b))
            rows.update(sorted(both)[:_CHUNKS_PER_PAIR])
        chunks = self.index.chunks
        out: Counter[tuple[str, str]] = Counter()
        for r in rows:
            tokens = _TOKEN_RE.findall(nfc(chunks[r].text).lower())
            folded = [_fold(t) for t in tokens]
            for k in range(len(tokens) - 1):
                if (folded[k], folded[k + 1]) in wanted:
                    out[(tokens[k], tokens[k + 1])] += 1
        return out
