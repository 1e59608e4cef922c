"""Searching policies in memory the way people search Chinese text: every term is a substring.

Chinese has no spaces between words and people type fragments ("小微" for "小微企业"), so a term
matches wherever it occurs inside a title, summary, department name or body; there is no word
segmentation to get wrong. An inverted index of character bigrams (and single characters, for
one-character terms) narrows each term to a few candidates, which are then checked for the real
substring, so a query never scans every document. Each posting also carries the key's count in
every field, so a one- or two-character term (most Chinese words) is scored without reading any
text; longer terms are counted in the candidates' text.

Text is folded before indexing and searching: NFKC per character (full-width "ＡＩ" and "，" become
"AI" and ","), then casefold, control characters become spaces. Folding character by character
(rather than the whole string) keeps fold(a + b) == fold(a) + fold(b), so a piece of a title is
always found in that title, and positions map back to the original text for snippets; the price
is that a letter and a separate combining accent are not composed, which policy text never needs.

Query syntax (after folding):
- terms are separated by whitespace, the ideographic space U+3000 included;
- "..." or “...” is one term, spaces and all; an empty pair is dropped;
- quote characters are syntax, never searched for: an unpaired one separates terms like a space,
  so `“专精特新` finds 专精特新 whether or not the policy quotes it;
- repeated terms count once; beyond MAX_TERMS terms the rest are ignored, and only the first
  MAX_QUERY_CHARS characters of the query are read, so a pasted essay costs no more than a title;
- a query with no terms (blank, or only quotes) sets no text condition.

Not locked: a search never yields (no I/O), so under eventlet it always sees one state of the
index. Callers on OS threads must serialise put/remove against search themselves.
"""
from __future__ import annotations

import bisect
import heapq
import itertools
import math
import operator
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.contracts.policies import PolicyStatus

MAX_QUERY_CHARS = 400   # a whole title (at most 300) pasted as the query still works
MAX_TERMS = 20
SNIPPET_CHARS = 60
SNIPPET_LEAD = 15       # characters of context shown before the first hit

# BM25F: each field's term frequency is weighted and length-normalised before one saturation.
# Short fields get little length normalisation: a long title is not a worse title.
_FIELDS = ("title", "summary", "department_name", "body")
_WEIGHTS = (6.0, 3.0, 2.0, 1.0)
_B = (0.3, 0.6, 0.3, 0.75)
_K1 = 1.2
TITLE_PREFIX_BOOST = 1.5   # the title starts with the first term
EXACT_TITLE_BOOST = 2.0    # the title is the query, on top of the prefix boost

# A posting's counts share one 16-bit word, (shift, mask) per field in _FIELDS order. A count past its
# mask is capped, which changes nothing that matters: by then the field's share of the score has
# saturated (three hits in a title already weigh 18 against K1 = 1.2).
_PACKING = ((14, 0x3), (12, 0x3), (10, 0x3), (0, 0x3FF))

_QUOTES = {'"': '"', "“": "”"}
_QUOTE_CHARS = frozenset('"“”')


@dataclass(frozen=True, slots=True)
class PolicyDoc:
    id: int
    title: str
    summary: str
    body: str
    department: str
    department_name: str | None
    level: str
    county: str | None
    tags_used: tuple[str, ...]
    status: str
    redeemable: bool
    proactive: bool
    valid_from: str   # ISO dates: text order is date order
    valid_to: str
    updated_at: str   # ISO datetime, all in one zone (the store's UTC) so text order is time order

    def __post_init__(self) -> None:
        if not isinstance(self.tags_used, tuple):  # the store hands over a JSON list
            object.__setattr__(self, "tags_used", tuple(self.tags_used))

    @classmethod
    def from_policy(cls, policy: dict[str, Any]) -> PolicyDoc:
        """From a policy as `policy_store.public` returns it."""
        return cls(id=policy["id"], title=policy["title"], summary=policy["summary"], body=policy["body"] or "",
                   department=policy["department"], department_name=policy.get("department_name"),
                   level=policy["level"], county=policy.get("county"), tags_used=tuple(policy["tags_used"]),
                   status=policy["status"], redeemable=policy["redeemable"], proactive=policy["proactive"],
                   valid_from=policy["valid_from"], valid_to=policy["valid_to"], updated_at=policy["updated_at"])


@dataclass(frozen=True, slots=True)
class SearchQuery:
    q: str | None = None
    department: str | None = None
    level: str | None = None
    county: str | None = None
    tag: str | None = None
    status: str | None = None
    redeemable: bool | None = None
    valid_on: date | None = None   # valid_from <= valid_on <= valid_to
    hide_drafts: bool = False      # for callers who may not see drafts (enterprises)
    limit: int = 20
    offset: int = 0

    def __post_init__(self) -> None:
        if self.limit < 0 or self.offset < 0:
            raise ValueError("limit and offset must not be negative")


@dataclass(frozen=True, slots=True)
class SearchResult:
    ids: list[int]
    total: int                                            # every match, before limit and offset
    snippets: dict[int, str] = field(default_factory=dict)  # by id; only when the query has terms


# --- folding and query parsing ----------------------------------------------------------------------

class _FoldTable(dict):
    """str.translate's table, filled the first time each character is seen."""

    def __init__(self) -> None:
        super().__init__()
        self.expanding: set[str] = set()   # characters seen that fold to several ("㎡" -> "m2")
        self._pattern: re.Pattern[str] | None = None

    def __missing__(self, code: int) -> str:
        char = chr(code)
        # a control character (tab, line break) separates words as a space does
        folded = " " if unicodedata.category(char) == "Cc" else unicodedata.normalize("NFKC", char).casefold()
        if len(folded) > 1:
            self.expanding.add(char)
            self._pattern = None
        self[code] = folded
        return folded

    def expanding_pattern(self) -> re.Pattern[str]:
        """Matches any expanding character folded so far, which covers every character of indexed text."""
        if self._pattern is None:
            self._pattern = re.compile("[" + "".join(map(re.escape, sorted(self.expanding))) + "]")
        return self._pattern


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """The form both documents and queries are compared in."""
    return text.translate(_FOLD)


def parse_terms(q: str | None) -> tuple[str, ...]:
    """The folded terms of a query, in order, without repeats (see the module docstring)."""
    if not q:
        return ()
    text = fold(q[:MAX_QUERY_CHARS])
    terms: list[str] = []
    i, end = 0, len(text)
    while i < end and len(terms) < MAX_TERMS:
        char = text[i]
        if char in _QUOTES:
            close = text.find(_QUOTES[char], i + 1)
            if close == -1:
                i += 1
                continue
            term, i = text[i + 1:close].strip(), close + 1
        elif char.isspace() or char in _QUOTE_CHARS:
            i += 1
            continue
        else:
            start = i
            while i < end and not text[i].isspace() and text[i] not in _QUOTE_CHARS:
                i += 1
            term = text[start:i]
        if term and term not in terms:
            terms.append(term)
    return tuple(terms)


def _frequencies(fields: Iterable[str]) -> dict[str, int]:
    """Every character and bigram of the fields (none spans two), with its packed count in each."""
    packed: dict[str, int] = {}
    for text, (shift, mask) in zip(fields, _PACKING, strict=True):
        counts = Counter(text)
        counts.update(map(operator.add, text, text[1:]))
        for key, count in counts.items():
            packed[key] = packed.get(key, 0) | ((count if count < mask else mask) << shift)
    return packed


def _term_keys(term: str) -> set[str]:
    return {term} if len(term) == 1 else set(map(operator.add, term, term[1:]))


# --- the index ----------------------------------------------------------------------------------

@dataclass(slots=True)
class _Entry:
    doc: PolicyDoc
    fields: tuple[str, str, str, str]   # folded, in _FIELDS order


@dataclass(slots=True)
class _Posting:
    slots: array    # ascending
    counts: array   # packed per _PACKING, one per slot


@dataclass(slots=True)
class _Term:
    """What searching needs of one term, worked out once per state of the index."""

    slots: set[int] | array      # the documents with the term in some field
    posting: _Posting | None     # the term's own posting, when it is one or two characters long
    idf: float
    scores: dict[int, float] = field(default_factory=dict)   # slot -> the term's BM25F score, as needed
    title_prefixed: set[int] | None = None                   # slots whose title starts with the term


_FILTERS = ("department", "level", "county", "status", "redeemable")
# A broad term ("企业") is in nearly every policy and a long one must be counted in every candidate's
# text, so a term's scores are kept until the index changes: policies change seldom, queries repeat.
MAX_CACHED_TERMS = 1000
MAX_CACHED_SCORES = 500_000   # some 50 MB at worst


class SearchIndex:
    """Policies by id, searchable by substring terms and exact filters. See the module docstring."""

    def __init__(self, docs: Iterable[PolicyDoc] = ()) -> None:
        self._slot_of: dict[int, int] = {}
        self._entries: list[_Entry | None] = []
        self._free: list[int] = []
        # arrays, not sets: 20,000 policies of a few KB hold some twenty million postings, at 6 bytes
        # each here and over 40 in a set
        self._postings: dict[str, _Posting] = {}
        self._filters: dict[str, dict[Any, set[int]]] = {name: {} for name in (*_FILTERS, "tag")}
        # folded title -> slots, and its first one and two characters -> slots: the title boosts
        self._titles: dict[str, set[int]] = {}
        self._title_starts: dict[str, set[int]] = {}
        self._columns: tuple[list[str], ...] = tuple([] for _ in _FIELDS)   # per field: folded text by slot
        self._length_sums = [0] * len(_FIELDS)
        # derived from all documents, so rebuilt on the first search after a change, not on every put
        self._recency: list[int] | None = None   # slots, newest first
        self._rank: list[int] = []               # slot -> its place in _recency
        self._norms: tuple[list[float], ...] = ()   # per field, by slot: weight over length normalisation
        self._terms: dict[str, _Term] = {}
        self._cached_scores = 0
        for doc in docs:
            self.put(doc)

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, policy_id: int) -> bool:
        return policy_id in self._slot_of

    def put(self, doc: PolicyDoc) -> None:
        """Insert the policy, or replace the one with its id."""
        slot = self._slot_of.get(doc.id)
        if slot is not None:
            self._unlink(slot)
        elif self._free:
            slot = self._free.pop()
        else:
            slot = len(self._entries)
            self._entries.append(None)
            for column in self._columns:
                column.append("")
        folded = (fold(doc.title), fold(doc.summary), fold(doc.department_name or ""), fold(doc.body))
        self._entries[slot] = _Entry(doc, folded)
        self._slot_of[doc.id] = slot
        postings = self._postings
        for key, counts in _frequencies(folded).items():
            posting = postings.get(key)
            if posting is None:
                postings[key] = _Posting(array("I", (slot,)), array("H", (counts,)))
            elif slot > posting.slots[-1]:   # a new slot is the highest unless one was freed
                posting.slots.append(slot)
                posting.counts.append(counts)
            else:
                at = bisect.bisect_left(posting.slots, slot)
                posting.slots.insert(at, slot)
                posting.counts.insert(at, counts)
        for table, value in self._lookups(doc, folded[0]):
            table.setdefault(value, set()).add(slot)
        for i, text in enumerate(folded):
            self._columns[i][slot] = text
            self._length_sums[i] += len(text)
        self._changed()

    def remove(self, policy_id: int) -> None:
        """Forget the policy; an unknown id is not an error (removing is idempotent)."""
        slot = self._slot_of.pop(policy_id, None)
        if slot is None:
            return
        self._unlink(slot)
        self._entries[slot] = None
        self._free.append(slot)
        self._changed()

    def _unlink(self, slot: int) -> None:
        entry = self._entries[slot]
        for key in _frequencies(entry.fields):
            posting = self._postings[key]
            at = bisect.bisect_left(posting.slots, slot)
            del posting.slots[at], posting.counts[at]
            if not posting.slots:
                del self._postings[key]
        for table, value in self._lookups(entry.doc, entry.fields[0]):
            slots = table[value]
            slots.discard(slot)
            if not slots:
                del table[value]
        for i, text in enumerate(entry.fields):
            self._columns[i][slot] = ""
            self._length_sums[i] -= len(text)

    def _lookups(self, doc: PolicyDoc, title: str) -> list[tuple[dict[Any, set[int]], Any]]:
        """Each table of slots the document is in, with its key there."""
        pairs = [(self._filters[name], getattr(doc, name)) for name in _FILTERS]
        pairs.extend((self._filters["tag"], tag) for tag in set(doc.tags_used))
        pairs.append((self._titles, title))
        pairs.extend((self._title_starts, start) for start in {title[:1], title[:2]})
        return pairs

    def _changed(self) -> None:
        self._recency = None
        self._terms.clear()
        self._cached_scores = 0

    # --- searching -------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        terms = parse_terms(query.q)
        sets: list[Iterable[int]] = []
        for name in (*_FILTERS, "tag"):
            value = getattr(query, name)
            if value is not None:
                slots = self._filters[name].get(value)
                if slots is None:
                    return SearchResult([], 0, {})
                sets.append(slots)
        if query.hide_drafts:
            shown = set().union(*(slots for status, slots in self._filters["status"].items()
                              if status != PolicyStatus.draft))
            if not shown:
                return SearchResult([], 0, {})
            sets.append(shown)
        self._refresh()
        self._trim()   # before this query's terms are looked up, so none is dropped while in use
        found = [self._term(term) for term in terms]
        sets.extend(term.slots for term in found)
        matched: Iterable[int] | None = _intersection(sets) if sets else None
        if query.valid_on is not None:
            day = query.valid_on.isoformat()
            entries = self._entries
            matched = [slot for slot in (self._slot_of.values() if matched is None else matched)
                       if entries[slot].doc.valid_from <= day <= entries[slot].doc.valid_to]
        total = len(self._slot_of) if matched is None else len(matched)
        wanted = query.offset + query.limit
        if not wanted or query.offset >= total:
            return SearchResult([], total, {})
        if terms:
            page = self._best(terms, found, list(matched), wanted)[query.offset:]
        elif matched is None:
            page = self._recency[query.offset:wanted]
        else:
            page = heapq.nsmallest(wanted, matched, key=self._rank.__getitem__)[query.offset:]
        entries = self._entries
        ids = [entries[slot].doc.id for slot in page]
        snippets = {entries[slot].doc.id: _snippet(entries[slot], terms) for slot in page} if terms else {}
        return SearchResult(ids, total, snippets)

    def _refresh(self) -> None:
        if self._recency is not None:
            return
        entries = self._entries
        self._recency = sorted(self._slot_of.values(), reverse=True,
                               key=lambda slot: (entries[slot].doc.updated_at, entries[slot].doc.id))
        self._rank = [0] * len(entries)
        for place, slot in enumerate(self._recency):
            self._rank[slot] = place
        count = max(len(self._slot_of), 1)
        self._norms = tuple([0.0] * len(entries) for _ in _FIELDS)
        for weight, b, total, texts, norms in zip(_WEIGHTS, _B, self._length_sums, self._columns, self._norms,
                                                  strict=True):
            average = max(total / count, 1.0)
            for slot in self._slot_of.values():
                norms[slot] = weight / (1 - b + b * len(texts[slot]) / average)

    def _term(self, term: str) -> _Term:
        known = self._terms.pop(term, None)   # and put back last: the cache forgets the least recently used
        if known is None:
            slots, posting = self._containing(term)
            documents, df = len(self._slot_of), len(slots)
            known = _Term(slots, posting, math.log(1 + (documents - df + 0.5) / (df + 0.5)))
        self._terms[term] = known
        return known

    def _trim(self) -> None:
        """Forget the least recently used terms while the cache is over its bounds."""
        while len(self._terms) > MAX_CACHED_TERMS or self._cached_scores > MAX_CACHED_SCORES:
            oldest = self._terms.pop(next(iter(self._terms)))
            self._cached_scores -= len(oldest.scores)

    def _containing(self, term: str) -> tuple[set[int] | array, _Posting | None]:
        """The slots of every document with the term in some field, and the term's own posting if it has one."""
        postings = []
        for key in _term_keys(term):
            posting = self._postings.get(key)
            if posting is None:
                return set(), None
            postings.append(posting)
        if len(term) <= 2:   # the key is the term itself: its posting is exact
            return postings[0].slots, postings[0]
        # a few of the rarest bigrams cut the candidates to about the answer; checking each
        # candidate's text is cheaper than intersecting the common bigrams' long postings
        postings.sort(key=lambda posting: len(posting.slots))
        candidates = _intersection([posting.slots for posting in postings[:3]])
        entries = self._entries
        return {slot for slot in candidates if _contains(entries[slot].fields, term)}, None

    def _best(self, terms: tuple[str, ...], found: list[_Term], matched: list[int], wanted: int) -> list[int]:
        """The `wanted` best of `matched`: highest score, then newest, then highest id."""
        totals: Iterable[float] = itertools.repeat(0.0)
        for term, known in zip(terms, found, strict=True):
            self._score(term, known, matched)
            totals = list(map(operator.add, totals, map(known.scores.__getitem__, matched)))
        by_slot = dict(zip(matched, totals, strict=True))
        first = found[0]
        if first.title_prefixed is None:
            titles = self._columns[0]
            first.title_prefixed = {slot for slot in self._title_starts.get(terms[0][:2], ())
                                    if titles[slot].startswith(terms[0])}
        # an exact title also starts with the first term, so it gets both boosts
        for boost, slots in ((TITLE_PREFIX_BOOST, first.title_prefixed),
                             (EXACT_TITLE_BOOST, self._titles.get(" ".join(terms), ()))):
            for slot in slots:
                if slot in by_slot:
                    by_slot[slot] *= boost
        if len(by_slot) > 4 * wanted:   # sort only what can make the page: floats compare fast, tuples do not
            floor = heapq.nlargest(wanted, by_slot.values())[-1]
            by_slot = {slot: score for slot, score in by_slot.items() if score >= floor}
        rank = self._rank
        return sorted(by_slot, key=lambda slot: (-by_slot[slot], rank[slot]))[:wanted]

    def _score(self, term: str, known: _Term, matched: list[int]) -> None:
        """Fill in the term's scores for the matched documents that have none yet."""
        scores = known.scores
        missing = [slot for slot in matched if slot not in scores] if scores else matched
        if not missing:
            return
        frequencies: Iterable[float] = itertools.repeat(0.0)
        if known.posting is not None:
            posting = known.posting
            if len(missing) * 8 < len(posting.slots):
                counts = [posting.counts[bisect.bisect_left(posting.slots, slot)] for slot in missing]
            else:   # most of the posting: unpacking all of it in bulk is cheaper than finding each
                missing, counts = posting.slots, posting.counts
            for (shift, mask), norms in zip(_PACKING, self._norms, strict=True):
                field_counts = map(operator.and_, map(operator.rshift, counts, itertools.repeat(shift)),
                                   itertools.repeat(mask))
                frequencies = list(map(operator.add, frequencies,
                                       map(operator.mul, field_counts, map(norms.__getitem__, missing))))
        else:
            for texts, norms in zip(self._columns, self._norms, strict=True):
                field_counts = [texts[slot].count(term) for slot in missing]
                frequencies = list(map(operator.add, frequencies,
                                       map(operator.mul, field_counts, map(norms.__getitem__, missing))))
        scale = known.idf * (_K1 + 1)
        before = len(scores)
        scores.update(zip(missing, [scale * frequency / (frequency + _K1) for frequency in frequencies], strict=True))
        self._cached_scores += len(scores) - before


def _contains(fields: tuple[str, ...], term: str) -> bool:
    title, summary, department, body = fields
    return term in title or term in summary or term in department or term in body


def _intersection(sets: list[Iterable[int]]) -> set[int] | Iterable[int]:
    """The slots in every one of `sets` (sets of slots or sorted arrays of them)."""
    if len(sets) == 1:
        return sets[0]
    ordered = sorted(sets, key=len)
    result = set(ordered[0])
    for other in ordered[1:]:
        if not result:
            break
        if isinstance(other, array) and len(result) * 16 < len(other):
            # a handful of slots against a long posting: binary search beats walking it
            result = {slot for slot in result if _holds(other, slot)}
        else:
            result.intersection_update(other)
    return result


def _holds(posting: array, slot: int) -> bool:
    i = bisect.bisect_left(posting, slot)
    return i < len(posting) and posting[i] == slot


# --- snippets -----------------------------------------------------------------------------------

def _snippet(entry: _Entry, terms: tuple[str, ...]) -> str:
    """About SNIPPET_CHARS characters of the summary or body around the first hit, hits in 【】.

    The field with more of the terms wins, the summary on a tie (it is written to be read); when
    only the title or department matched, the summary's opening is shown as it is.
    """
    _, summary, _, body = entry.fields
    in_summary = sum(term in summary for term in terms)
    in_body = sum(term in body for term in terms)
    if in_body > in_summary or (not summary and body):
        text = _Folded(entry.doc.body, body)
    else:
        text = _Folded(entry.doc.summary, summary)
    folded = text.folded
    hits = [at for at in (folded.find(term) for term in terms) if at >= 0]
    if not hits:
        end = text.snap_up(min(len(folded), SNIPPET_CHARS))
        return _tidy(text.original_of(0, end) + ("…" if end < len(folded) else ""))
    end = min(len(folded), max(0, min(hits) - SNIPPET_LEAD) + SNIPPET_CHARS)
    start = max(0, end - SNIPPET_CHARS)
    spans = []
    for term in terms:
        at = folded.find(term, max(0, start - len(term) + 1))
        while 0 <= at < end:
            spans.append((text.snap_down(at), text.snap_up(at + len(term))))
            at = folded.find(term, at + 1)
    merged: list[list[int]] = []
    for left, right in sorted(spans):
        if merged and left <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right])
    # a hit cut by the window's edge is shown whole
    start = text.snap_down(min(start, merged[0][0]))
    end = text.snap_up(max(end, merged[-1][1]))
    pieces = ["…" if start > 0 else ""]
    cursor = start
    for left, right in merged:
        pieces += [text.original_of(cursor, left), "【", text.original_of(left, right), "】"]
        cursor = right
    pieces += [text.original_of(cursor, end), "…" if end < len(folded) else ""]
    return _tidy("".join(pieces))


class _Folded:
    """A field and its folded form, mapping folded positions back to the original characters.

    Folding never shortens a character, so equal lengths mean one to one, the usual case. Otherwise
    a few characters expanded ("㈠" -> "(一)", "㎡" -> "m2"); only those are recorded, since a
    position per character would cost a Python step for each of a long body's characters, and
    positions inside one snap outward to the whole character.
    """

    __slots__ = ("original", "folded", "_at", "_folded_at", "_ends", "_extra")

    def __init__(self, original: str, folded: str) -> None:
        self.original, self.folded = original, folded
        self._at: list[int] = []          # where each expanding character is in the original
        self._folded_at: list[int] = []   # and where its fold starts in the folded text
        self._ends: list[int] = []        # and ends
        self._extra = [0]                 # characters added by folding before each of them, and in all
        if len(original) != len(folded):
            for match in _FOLD.expanding_pattern().finditer(original):
                at, extra = match.start(), self._extra[-1]
                self._at.append(at)
                self._folded_at.append(at + extra)
                self._ends.append(at + extra + len(_FOLD[ord(match.group())]))
                self._extra.append(self._ends[-1] - at - 1)

    def _expansion(self, at: int) -> int:
        """The index of the last expanding character whose fold starts at or before `at`, or -1."""
        return bisect.bisect_right(self._folded_at, at) - 1

    def snap_down(self, at: int) -> int:
        k = self._expansion(at)
        return self._folded_at[k] if k >= 0 and at < self._ends[k] else at

    def snap_up(self, at: int) -> int:
        k = self._expansion(at)
        return self._ends[k] if k >= 0 and self._folded_at[k] < at < self._ends[k] else at

    def original_of(self, start: int, end: int) -> str:
        """The original text of folded[start:end], both ends on character boundaries."""
        return self.original[self._original_at(start):self._original_at(end)]

    def _original_at(self, at: int) -> int:
        k = self._expansion(at)
        if k >= 0 and at < self._ends[k]:
            return self._at[k]
        return at - self._extra[k + 1]


def _tidy(text: str) -> str:
    """One line: bodies break lines and indent paragraphs, a snippet should not."""
    return " ".join(text.split())
