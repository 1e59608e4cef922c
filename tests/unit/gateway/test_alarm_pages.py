"""`GET /api/v1/alarms` merges two services' lists: any page of the merge, read a page of each list at
a time, is the page of the whole merged list, with the whole list's total."""
from hypothesis import given, settings
from hypothesis import strategies as st

from services.gateway.alarms import Chunk, merged, merged_page
from tests.properties import examples

# (key, which list, position): keys descending in each list, with ties within and across lists
keys = st.lists(st.integers(min_value=0, max_value=30), max_size=60).map(lambda found: sorted(found, reverse=True))


def reader(first: list, second: list, asked: list):
    def fetch_both(ask_first, ask_second):
        asked.append((ask_first, ask_second))
        for offset, limit in (ask_first, ask_second):
            assert offset >= 0 and limit >= 1
        return (Chunk(first[ask_first[0]:ask_first[0] + ask_first[1]], len(first)),
                Chunk(second[ask_second[0]:ask_second[0] + ask_second[1]], len(second)))
    return fetch_both


def whole(first: list, second: list) -> list:
    """The merged list as a stable sort would have it: by key, newest first; on equal keys the first list's
    items, each list in its own order."""
    return sorted(first + second, key=lambda item: (-item[0], item[1], item[2]))


def tagged(found: list[int], which: int) -> list[tuple[int, int, int]]:
    return [(key, which, position) for position, key in enumerate(found)]


@settings(max_examples=examples(300))
@given(keys, keys, st.integers(min_value=0, max_value=130), st.integers(min_value=1, max_value=20),
       st.sampled_from([0, 5, 1000]))
def test_any_page_of_the_merge_is_read_without_the_items_before_it(first_keys, second_keys, offset, limit, window):
    first, second = tagged(first_keys, 0), tagged(second_keys, 1)
    asked: list = []
    page, total = merged_page(reader(first, second, asked), offset, limit, key=lambda item: item[0], window=window)
    assert page == whole(first, second)[offset:offset + limit]
    assert total == len(first) + len(second)
    if offset + limit > window:   # found by halving: never a long prefix of either list
        assert all(ask[1] <= max(limit, 1) for asks in asked for ask in asks)
        assert len(asked) <= 2 + max(offset, 1).bit_length()


def test_the_merge_is_newest_first_and_the_first_list_wins_a_tie():
    first = [{"at": 5, "from": "application"}, {"at": 3, "from": "application"}]
    second = [{"at": 5, "from": "evaluation"}, {"at": 4, "from": "evaluation"}, {"at": 1, "from": "evaluation"}]
    assert [(item["at"], item["from"][0]) for item in merged(first, second, key=lambda item: item["at"])] == [
        (5, "a"), (5, "e"), (4, "e"), (3, "a"), (1, "e")]


def test_past_the_end_the_page_is_empty_with_the_total():
    first, second = tagged([3, 2], 0), tagged([1], 1)
    assert merged_page(reader(first, second, []), 10, 5, key=lambda item: item[0]) == ([], 3)
    assert merged_page(reader(first, second, []), 2000, 5, key=lambda item: item[0]) == ([], 3)


def test_far_past_the_end_only_the_totals_are_read():
    # a nested merge (the counselling service's list beside the other two's) would otherwise ask the
    # inner merge for a page just under the prefix window and read that whole prefix
    first, second = tagged([3, 2], 0), tagged([1], 1)
    asked: list = []
    assert merged_page(reader(first, second, asked), 999, 2, key=lambda item: item[0]) == ([], 3)
    assert asked == [((0, 1), (0, 1))]
