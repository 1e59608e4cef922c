import random
import re
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.policy.domain.search_index import (
    MAX_QUERY_CHARS,
    MAX_TERMS,
    SNIPPET_CHARS,
    PolicyDoc,
    SearchIndex,
    SearchQuery,
    fold,
    parse_terms,
)
from tests.properties import examples

FILLER = "本政策由市人民政府制定，自发布之日起施行。"


def doc(policy_id: int, **fields) -> PolicyDoc:
    values = dict(id=policy_id, title=f"政策{policy_id}", summary="支持本地发展。", body=FILLER,
                  department="finance", department_name="市财政局", level="city", county=None,
                  tags_used=(), status="published", redeemable=False, proactive=False,
                  valid_from="2025-01-01", valid_to="2026-12-31",
                  updated_at=f"2025-06-01T00:00:{policy_id % 60:02d}+00:00")
    values.update(fields)
    return PolicyDoc(**values)


def ids(index: SearchIndex, q: str | None = None, **filters) -> list[int]:
    return index.search(SearchQuery(q=q, limit=1000, **filters)).ids


# --- ranking ----------------------------------------------------------------------------------------

def test_a_title_hit_ranks_above_a_body_hit():
    index = SearchIndex([doc(1, body=FILLER + "对研发费用给予补助。"),
                         doc(2, title="研发费用加计扣除政策")])
    assert ids(index, "研发费用") == [2, 1]


def test_a_summary_hit_ranks_above_a_body_hit():
    index = SearchIndex([doc(1, body=FILLER + "支持人才引进。"), doc(2, summary="支持人才引进。")])
    assert ids(index, "人才") == [2, 1]


def test_more_occurrences_rank_higher():
    index = SearchIndex([doc(1, body=FILLER + "贷款贴息。"), doc(2, body=FILLER + "贷款贴息，贷款担保，贷款风险补偿。"),
                         doc(3, body=FILLER + "贷款贴息，贷款担保。")])
    assert ids(index, "贷款") == [2, 3, 1]


def test_a_rarer_term_weighs_more():
    common = [doc(i, body=FILLER + "企业") for i in range(10, 20)]
    index = SearchIndex([*common, doc(1, body=FILLER + "企业企业，专精特新。"),
                         doc(2, body=FILLER + "企业，专精特新专精特新。")])
    assert ids(index, "企业 专精特新") == [2, 1]


def test_a_title_starting_with_the_query_beats_one_containing_it():
    index = SearchIndex([doc(1, title="支持小微企业融资措施"), doc(2, title="小微企业融资支持措施")])
    assert ids(index, "小微企业") == [2, 1]


def test_the_exact_title_comes_first():
    index = SearchIndex([doc(1, title="小微企业融资支持措施（修订）"), doc(2, title="小微企业融资支持措施")])
    assert ids(index, "小微企业融资支持措施") == [2, 1]


def test_equal_scores_are_broken_by_newer_update_then_higher_id():
    index = SearchIndex([doc(1, title="人才补贴", updated_at="2025-01-02T00:00:00+00:00"),
                         doc(2, title="人才补贴", updated_at="2025-01-01T00:00:00+00:00"),
                         doc(3, title="人才补贴", updated_at="2025-01-02T00:00:00+00:00")])
    assert ids(index, "人才") == [3, 1, 2]


def test_without_a_query_the_newest_come_first():
    index = SearchIndex([doc(1, updated_at="2025-03-01T00:00:00+00:00"),
                         doc(2, updated_at="2025-01-01T00:00:00+00:00"),
                         doc(3, updated_at="2025-03-01T00:00:00+00:00"),
                         doc(4, updated_at="2025-05-01T00:00:00+00:00")])
    assert ids(index) == [4, 3, 1, 2]


# --- filters and pages ------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value", "kept", "other"), [
    ("department", "science", "department", "finance"),
    ("level", "county", "level", "city"),
    ("county", "371602", "county", None),
    ("status", "draft", "status", "published"),
    ("redeemable", True, "redeemable", False),
])
def test_each_filter_keeps_only_exact_matches(name, value, kept, other):
    index = SearchIndex([doc(1, **{kept: value}), doc(2, **{kept: other}), doc(3, **{kept: value})])
    assert sorted(ids(index, **{name: value})) == [1, 3]
    assert sorted(ids(index, "政策", **{name: value})) == [1, 3]


def test_redeemable_false_is_a_filter_not_no_filter():
    index = SearchIndex([doc(1, redeemable=True), doc(2, redeemable=False)])
    assert ids(index, redeemable=False) == [2]
    assert sorted(ids(index, redeemable=None)) == [1, 2]


def test_the_tag_filter_keeps_policies_whose_rules_use_the_tag():
    index = SearchIndex([doc(1, tags_used=("scale.small", "industry.c")), doc(2, tags_used=("industry.c",)),
                         doc(3, tags_used=())])
    assert ids(index, tag="scale.small") == [1]
    assert sorted(ids(index, tag="industry.c")) == [1, 2]


def test_valid_on_includes_both_ends():
    index = SearchIndex([doc(1, valid_from="2025-01-01", valid_to="2025-06-30"),
                         doc(2, valid_from="2025-07-01", valid_to="2025-12-31")])
    assert ids(index, valid_on=date(2025, 6, 30)) == [1]
    assert ids(index, valid_on=date(2025, 7, 1)) == [2]
    assert ids(index, valid_on=date(2026, 1, 1)) == []


def test_filters_combine_with_and_and_an_unknown_value_matches_nothing():
    index = SearchIndex([doc(1, department="science", level="city"), doc(2, department="science", level="county"),
                         doc(3, department="finance", level="city")])
    assert ids(index, department="science", level="city") == [1]
    assert ids(index, department="nobody") == []
    assert index.search(SearchQuery(q="政策", department="nobody")).total == 0


def test_pages_partition_the_results_and_total_counts_them_all():
    index = SearchIndex([doc(i, title=f"人才政策{i}", body=FILLER + "人才" * (i % 4)) for i in range(1, 24)])
    everything = ids(index, "人才")
    pages = [index.search(SearchQuery(q="人才", limit=5, offset=offset)) for offset in range(0, 25, 5)]
    assert [policy_id for page in pages for policy_id in page.ids] == everything
    assert {page.total for page in pages} == {23}
    beyond = index.search(SearchQuery(q="人才", limit=5, offset=40))
    assert (beyond.ids, beyond.total) == ([], 23)
    assert index.search(SearchQuery(limit=0)).total == 23


def test_negative_limit_or_offset_is_refused():
    with pytest.raises(ValueError):
        SearchQuery(limit=-1)
    with pytest.raises(ValueError):
        SearchQuery(offset=-1)


# --- matching -----------------------------------------------------------------------------------

def test_a_term_matches_inside_a_word():
    index = SearchIndex([doc(1, title="小微企业贷款贴息"), doc(2, title="高新技术企业认定奖励")])
    assert ids(index, "小微") == [1]
    assert sorted(ids(index, "企业")) == [1, 2]


def test_every_term_must_occur_somewhere():
    index = SearchIndex([doc(1, title="小微企业贷款贴息"), doc(2, title="小微企业房租补贴", summary="贷款另行支持。")])
    assert sorted(ids(index, "小微 贷款")) == [1, 2]
    assert ids(index, "小微 贴息") == [1]
    assert ids(index, "小微 不存在") == []


def test_terms_are_found_in_the_department_name():
    index = SearchIndex([doc(1, department_name="市工业和信息化局"), doc(2, department_name="市财政局")])
    assert ids(index, "工业和信息化") == [1]


def test_a_single_character_term():
    index = SearchIndex([doc(1, title="税收优惠"), doc(2, title="人才奖励"), doc(3, body="减免房产税。")])
    assert sorted(ids(index, "税")) == [1, 3]


def test_a_term_longer_than_any_text_matches_nothing():
    index = SearchIndex([doc(1, title="税", summary="税", body="", department_name=None)])
    assert ids(index, "税" * 500) == []


def test_a_quoted_phrase_keeps_its_spaces():
    index = SearchIndex([doc(1, title="AI 赋能 制造业"), doc(2, title="AI 与 制造业 赋能")])
    assert ids(index, '"ai 赋能"') == [1]
    assert ids(index, "“ai 赋能”") == [1]
    assert sorted(ids(index, "ai 赋能")) == [1, 2]


def test_full_width_and_case_are_folded_both_ways():
    index = SearchIndex([doc(1, title="ＡＩ＋制造"), doc(2, title="ai赋能")])
    assert sorted(ids(index, "ai")) == [1, 2]
    assert sorted(ids(index, "ＡＩ")) == [1, 2]
    assert ids(index, "AI+制造") == [1]


def test_the_ideographic_space_separates_terms():
    index = SearchIndex([doc(1, title="小微企业贷款贴息"), doc(2, title="小微企业房租补贴")])
    assert ids(index, "小微　贴息") == [1]


def test_line_breaks_in_a_text_match_a_space_in_a_phrase():
    index = SearchIndex([doc(1, body="第一条\n支持 对象")])
    assert ids(index, '"第一条 支持"') == [1]


@pytest.mark.parametrize("q", [None, "", "   ", "　", '""', '"  "', "“”", '" "“ ”'])
def test_a_query_without_terms_sets_no_text_condition(q):
    index = SearchIndex([doc(1, updated_at="2025-01-01T00:00:00+00:00"),
                         doc(2, updated_at="2025-02-01T00:00:00+00:00")])
    result = index.search(SearchQuery(q=q))
    assert (result.ids, result.total, result.snippets) == ([2, 1], 2, {})


@pytest.mark.parametrize(("q", "terms"), [
    ("小微 企业", ("小微", "企业")),
    ("小微　企业\t贷款", ("小微", "企业", "贷款")),
    ('"ai 赋能" 制造', ("ai 赋能", "制造")),
    ("“专精 特新”企业", ("专精 特新", "企业")),
    ('  " padded "  ', ("padded",)),
    ("“专精特新", ("专精特新",)),          # unpaired: the quote is dropped, not searched for
    ('专精"特新', ("专精", "特新")),        # a stray quote separates like a space
    ("专精特新”", ("专精特新",)),
    ("ＡＩ 赋能 ai", ("ai", "赋能")),       # folded first, then repeats dropped
    ('“a"b”', ('a"b',)),                   # inside a phrase the other quote is text
])
def test_parse_terms(q, terms):
    assert parse_terms(q) == terms


def test_a_huge_query_is_capped_in_terms_and_length():
    many = " ".join(f"词{i}" for i in range(500))
    assert len(parse_terms(many)) == MAX_TERMS
    assert parse_terms("长" * 100_000) == ("长" * MAX_QUERY_CHARS,)
    index = SearchIndex([doc(1, title="长" * 300)])
    assert index.search(SearchQuery(q=many)).total == 0
    assert index.search(SearchQuery(q="长" * 100_000)).total == 0
    assert index.search(SearchQuery(q="长" * 300)).ids == [1]


# --- snippets ----------------------------------------------------------------------------------

def test_a_snippet_marks_the_terms_around_the_first_hit():
    body = "一" * 200 + "对认定为专精特新中小企业的给予一次性奖励。" + "二" * 200
    index = SearchIndex([doc(1, summary="支持中小企业。", body=body)])
    snippet = index.search(SearchQuery(q="专精特新 奖励")).snippets[1]
    assert "【专精特新】" in snippet and "【奖励】" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet.replace("【", "").replace("】", "")) <= SNIPPET_CHARS + 2


def test_a_snippet_prefers_the_summary_on_a_tie():
    index = SearchIndex([doc(1, summary="对小微企业给予贴息。", body=FILLER + "小微企业贷款。")])
    assert index.search(SearchQuery(q="小微")).snippets[1] == "对【小微】企业给予贴息。"


def test_a_snippet_takes_the_field_with_more_of_the_terms():
    index = SearchIndex([doc(1, summary="对小微企业给予贴息。", body="小微企业贷款贴息，按贷款额的50%给予。")])
    assert index.search(SearchQuery(q="小微 贷款")).snippets[1] == "【小微】企业【贷款】贴息，按【贷款】额的50%给予。"


def test_a_snippet_shows_the_original_text_of_a_folded_hit():
    index = SearchIndex([doc(1, summary="支持ＡＩ＋制造，推进㍿改制与ﬁnance。")])
    snippets = index.search(SearchQuery(q="ai 式会 fi")).snippets
    # a hit inside a character that folds to several is shown as that whole character
    assert snippets[1] == "支持【ＡＩ】＋制造，推进【㍿】改制与【ﬁ】nance。"


def test_a_title_only_hit_shows_the_summary_opening():
    summary = "这是一段很长的摘要" * 20
    index = SearchIndex([doc(1, title="人才公寓", summary=summary)])
    snippet = index.search(SearchQuery(q="人才")).snippets[1]
    assert snippet == summary[:SNIPPET_CHARS] + "…"


def test_snippets_come_only_with_terms_and_only_for_the_page():
    index = SearchIndex([doc(i, title=f"人才{i}") for i in range(1, 6)])
    assert index.search(SearchQuery()).snippets == {}
    result = index.search(SearchQuery(q="人才", limit=2))
    assert set(result.snippets) == set(result.ids)


# --- keeping the index consistent ----------------------------------------------------------------

def test_replacing_a_policy_forgets_its_old_text():
    index = SearchIndex([doc(1, title="人才公寓补贴"), doc(2, title="人才引进奖励")])
    index.put(doc(1, title="厂房租金补助", department="science"))
    assert len(index) == 2
    assert ids(index, "人才") == [2]
    assert ids(index, "公寓") == []
    assert ids(index, "租金") == [1]
    assert ids(index, department="finance") == [2]
    assert ids(index, department="science") == [1]


def test_removing_a_policy_forgets_it_and_unknown_ids_are_ignored():
    index = SearchIndex([doc(1, title="人才公寓补贴", tags_used=("scale.small",)), doc(2, title="人才引进奖励")])
    index.remove(1)
    index.remove(1)
    index.remove(99)
    assert len(index) == 1 and 1 not in index and 2 in index
    assert ids(index, "人才") == [2]
    assert ids(index, tag="scale.small") == []
    assert ids(index) == [2]


def test_a_search_after_a_change_sees_the_change():
    index = SearchIndex([doc(1, title="人才公寓")])
    assert ids(index, "人才") == [1]   # fills the caches
    index.put(doc(2, title="人才引进", updated_at="2026-01-01T00:00:00+00:00"))
    assert ids(index, "人才") == [2, 1]
    index.remove(2)
    assert ids(index, "人才") == [1]


def test_from_policy_takes_a_stored_policy():
    stored = {"id": 7, "title": "人才", "summary": "s", "body": "", "department": "finance", "department_name": None,
              "level": "city", "county": None, "tags_used": ["a"], "status": "published", "redeemable": True,
              "proactive": True, "valid_from": "2025-01-01", "valid_to": "2025-12-31",
              "updated_at": "2025-01-01T00:00:00+00:00", "eligibility": {}, "version": 3}
    policy = PolicyDoc.from_policy(stored)
    assert (policy.id, policy.tags_used, policy.department_name) == (7, ("a",), None)


# --- properties: the index answers what scanning every policy would ------------------------------

# few characters, so random terms often hit; with the awkward ones: folding (full width, ß, ligatures
# that fold to several characters), spaces of both widths, line breaks and quotes
ALPHABET = "小微企业专精特新税收补贴aAＡbß㍿ﬁ㈠㎡ 　\n\"“”"
texts = st.text(ALPHABET, max_size=40)
DEPARTMENTS, LEVELS, COUNTIES, STATUSES, TAGS = ["finance", "science"], ["city", "county"], [None, "371602"], \
    ["draft", "published"], ["t1", "t2", "t3"]
DAYS = ["2025-01-01", "2025-06-01", "2025-12-31"]


@st.composite
def documents(draw, count=st.integers(0, 8)):
    docs = []
    for policy_id in range(1, draw(count) + 1):
        start, end = sorted(draw(st.lists(st.sampled_from(DAYS), min_size=2, max_size=2)))
        docs.append(PolicyDoc(
            id=policy_id, title=draw(texts), summary=draw(texts), body=draw(st.text(ALPHABET, max_size=120)),
            department=draw(st.sampled_from(DEPARTMENTS)), department_name=draw(st.none() | texts),
            level=draw(st.sampled_from(LEVELS)), county=draw(st.sampled_from(COUNTIES)),
            tags_used=tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2))),
            status=draw(st.sampled_from(STATUSES)), redeemable=draw(st.booleans()), proactive=False,
            valid_from=start, valid_to=end,
            updated_at=draw(st.sampled_from(["2025-01-01T00:00:00", "2025-02-01T00:00:00"]))))
    return docs


queries = st.builds(
    SearchQuery, q=st.none() | st.text(ALPHABET, max_size=8), department=st.none() | st.sampled_from(DEPARTMENTS),
    level=st.none() | st.sampled_from(LEVELS), county=st.none() | st.sampled_from(COUNTIES[1:]),
    tag=st.none() | st.sampled_from(TAGS), status=st.none() | st.sampled_from(STATUSES),
    redeemable=st.none() | st.booleans(), valid_on=st.none() | st.sampled_from([date(2025, 1, 1), date(2025, 3, 1)]),
    limit=st.just(1000), offset=st.just(0))


def reference(docs: list[PolicyDoc], query: SearchQuery) -> set[int]:
    terms = parse_terms(query.q)
    found = set()
    for policy in docs:
        if any(getattr(query, name) is not None and getattr(query, name) != getattr(policy, name)
               for name in ("department", "level", "county", "status", "redeemable")):
            continue
        if query.tag is not None and query.tag not in policy.tags_used:
            continue
        if query.valid_on is not None and not policy.valid_from <= query.valid_on.isoformat() <= policy.valid_to:
            continue
        fields = [fold(policy.title), fold(policy.summary), fold(policy.department_name or ""), fold(policy.body)]
        if all(any(term in text for text in fields) for term in terms):
            found.add(policy.id)
    return found


@settings(deadline=None)
@given(documents(st.integers(1, 8)), st.data())
def test_a_piece_of_a_title_finds_its_policy(docs, data):
    policy = data.draw(st.sampled_from(docs))
    start = data.draw(st.integers(0, len(policy.title)))
    end = data.draw(st.integers(start, len(policy.title)))
    assert policy.id in SearchIndex(docs).search(SearchQuery(q=policy.title[start:end], limit=1000)).ids


@settings(deadline=None)
@given(documents(), queries)
def test_results_are_what_scanning_every_policy_finds(docs, query):
    result = SearchIndex(docs).search(query)
    expected = reference(docs, query)
    assert set(result.ids) == expected
    assert result.total == len(expected) == len(result.ids)


@settings(deadline=None)
@given(documents(), queries.map(lambda query: replace(query, q=" ")))
def test_without_terms_results_are_newest_first(docs, query):
    by_id = {policy.id: policy for policy in docs}
    expected = sorted(reference(docs, query), key=lambda policy_id: (by_id[policy_id].updated_at, policy_id),
                      reverse=True)
    assert SearchIndex(docs).search(query).ids == expected


@settings(deadline=None)
@given(documents(), st.lists(st.tuples(st.sampled_from(["put", "remove"]), st.integers(1, 10), texts), max_size=12),
       st.lists(queries, min_size=1, max_size=3))
def test_puts_and_removes_leave_what_indexing_the_survivors_afresh_gives(docs, operations, probes):
    index = SearchIndex(docs)
    survivors = {policy.id: policy for policy in docs}
    template = doc(0)
    for operation, policy_id, text in operations:
        for probe in probes:   # searching between changes must not leave anything stale behind
            index.search(probe)
        if operation == "put":
            survivors[policy_id] = replace(survivors.get(policy_id, template), id=policy_id, title=text,
                                           body=text[::-1])
            index.put(survivors[policy_id])
        else:
            survivors.pop(policy_id, None)
            index.remove(policy_id)
    fresh = SearchIndex(survivors.values())
    assert len(index) == len(fresh) == len(survivors)
    assert _postings_by_id(index) == _postings_by_id(fresh)
    for probe in probes:
        assert index.search(probe) == fresh.search(probe)


@given(st.text())
def test_folding_is_idempotent_and_piecewise(text):
    assert fold(fold(text)) == fold(text)
    assert fold(text) == "".join(fold(char) for char in text)


def _postings_by_id(index: SearchIndex) -> dict[str, list[tuple[int, int]]]:
    """The index's postings with slots read as policy ids: slots are reused, ids are what must agree."""
    policy_of = {slot: policy_id for policy_id, slot in index._slot_of.items()}
    return {key: sorted(zip((policy_of[slot] for slot in posting.slots), posting.counts, strict=True))
            for key, posting in index._postings.items()}


@settings(deadline=None)
@given(documents(st.integers(1, 8)), st.text(ALPHABET, min_size=1, max_size=6))
def test_a_snippet_is_a_marked_piece_of_the_summary_or_body(docs, q):
    result = SearchIndex(docs).search(SearchQuery(q=q, limit=1000))
    terms = parse_terms(q)
    by_id = {policy.id: policy for policy in docs}
    for policy_id, snippet in result.snippets.items():
        piece = snippet.removeprefix("…").removesuffix("…")
        marked = re.findall("【(.*?)】", piece)
        assert all(any(term in fold(text) for term in terms) for text in marked)
        plain = piece.replace("【", "").replace("】", "")
        policy = by_id[policy_id]
        assert plain in " ".join(policy.summary.split()) or plain in " ".join(policy.body.split())


def random_documents(rng, count: int) -> list[PolicyDoc]:
    """Many policies cheaply: drawing each field through Hypothesis is too slow at this size."""
    def text(longest: int) -> str:
        return "".join(rng.choices(ALPHABET, k=rng.randint(0, longest)))

    docs = []
    for policy_id in range(1, count + 1):
        start, end = sorted(rng.choices(DAYS, k=2))
        docs.append(PolicyDoc(
            id=policy_id, title=text(12), summary=text(20), body=text(60), department=rng.choice(DEPARTMENTS),
            department_name=rng.choice([None, text(6)]), level=rng.choice(LEVELS), county=rng.choice(COUNTIES),
            tags_used=tuple(rng.sample(TAGS, rng.randint(0, 2))), status=rng.choice(STATUSES),
            redeemable=rng.random() < 0.5, proactive=False, valid_from=start, valid_to=end,
            updated_at=rng.choice(["2025-01-01T00:00:00", "2025-02-01T00:00:00"])))
    return docs


@settings(deadline=None, max_examples=examples(50))
@given(st.integers(0, 2**32), queries.map(lambda query: replace(query, q=query.q and query.q[:2])),
       st.integers(1, 5), st.integers(0, 12))
def test_filters_and_pages_cut_one_ranking(seed, query, limit, offset):
    """Enough policies that a filtered search scores a few documents one by one, the unfiltered one scores
    whole postings in bulk, and a page is picked from many: all must rank alike."""
    docs = random_documents(random.Random(seed), 200)
    index = SearchIndex(docs)
    page = index.search(replace(query, limit=limit, offset=offset))
    filtered = index.search(replace(query, limit=1000))
    unfiltered = SearchIndex(docs).search(SearchQuery(q=query.q, limit=1000)).ids
    assert set(filtered.ids) == reference(docs, query)
    assert filtered.ids == [policy_id for policy_id in unfiltered if policy_id in set(filtered.ids)]
    assert (page.ids, page.total) == (filtered.ids[offset:offset + limit], filtered.total)


def test_hide_drafts_leaves_out_drafts_and_keeps_the_rest():
    docs = [PolicyDoc(id=number, title=f"政策{number}", summary="小微企业", body="", department="finance",
                      department_name="财政局", level="city", county=None, tags_used=(), status=status,
                      redeemable=False, proactive=False, valid_from="2026-01-01", valid_to="2026-12-31",
                      updated_at=f"2026-01-0{number}T00:00:00+00:00")
            for number, status in ((1, "draft"), (2, "published"), (3, "withdrawn"))]
    index = SearchIndex(docs)
    assert sorted(index.search(SearchQuery(q="小微", hide_drafts=True)).ids) == [2, 3]
    assert index.search(SearchQuery(status="draft", hide_drafts=True)).total == 0
    assert index.search(SearchQuery(q="小微")).total == 3
