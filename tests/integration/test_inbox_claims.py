"""The inbox claims a batch's event ids in one statement, with the semantics of one claim each."""
from sqlalchemy.orm import Session

from shared.store import Transaction


def claim(engine, items, consumer="tagging.on_gov_event"):
    with Session(engine) as session, session.begin():
        return Transaction(session, None, consumer, _dialect=engine.dialect.name).first_deliveries(items)


def test_a_batch_claims_each_new_id_once_in_arrival_order(service_engine):
    engine = service_engine("tagging")
    assert claim(engine, [("a", "e1"), ("b", "e2"), ("c", "e1"), ("d", "e3")]) == ["a", "b", "d"]
    # handled before: no second effect, also when mixed with new ones
    assert claim(engine, [("e", "e2"), ("f", "e4"), ("g", "e4")]) == ["f"]
    assert claim(engine, []) == []
    # another consumer has an inbox of its own
    assert claim(engine, [("h", "e1")], consumer="policy.on_enterprises_tagged") == ["h"]
