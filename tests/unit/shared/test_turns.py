"""Live work goes first: a bulk worker waits while a live one waits, whatever order they asked in."""
import eventlet

from shared.turns import LiveFirstLock


def test_a_live_worker_waiting_goes_before_bulk_workers_that_asked_earlier():
    lock, order = LiveFirstLock(), []

    def live(name):
        with lock:
            order.append(name)
            eventlet.sleep(0.01)

    def bulk(name):
        with lock.bulk():
            order.append(name)
            eventlet.sleep(0.01)

    with lock:   # a transaction in progress; meanwhile two bulk batches, then a live change, ask
        waiting = [eventlet.spawn(bulk, "bulk-1"), eventlet.spawn(bulk, "bulk-2")]
        eventlet.sleep(0.01)
        waiting.append(eventlet.spawn(live, "live"))
        eventlet.sleep(0.01)
    for thread in waiting:
        thread.wait()
    assert order[0] == "live"
    assert sorted(order[1:]) == ["bulk-1", "bulk-2"]


def test_one_holder_at_a_time_whatever_the_mix():
    lock, holders, most = LiveFirstLock(), [0], [0]

    def work(bulk):
        with lock.turn(bulk):
            holders[0] += 1
            most[0] = max(most[0], holders[0])
            eventlet.sleep(0.001)
            holders[0] -= 1

    threads = [eventlet.spawn(work, number % 3 == 0) for number in range(30)]
    for thread in threads:
        thread.wait()
    assert most[0] == 1 and holders[0] == 0


def test_bulk_work_alone_is_not_held_back():
    lock, done = LiveFirstLock(), []
    for number in range(3):
        with lock.bulk():
            done.append(number)
    assert done == [0, 1, 2]
