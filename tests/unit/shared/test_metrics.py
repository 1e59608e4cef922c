"""Each container has its own registry: services started side by side in one process (as the
integration tests do) never count into one another's metrics."""
from shared import metrics


class Container:
    def __init__(self, service_name: str):
        self.service_name = service_name


def test_each_container_counts_on_its_own():
    first, second = Container("tagging"), Container("tagging")
    metrics.of(first).handled("tagging.profiles", 3)
    metrics.of(first).handled("tagging.profiles", 2)
    metrics.of(second).handled("tagging.profiles", 1)

    def handled(container) -> float:
        return metrics.of(container).registry.get_sample_value(
            "huiqi_messages_handled_total", {"service": "tagging", "queue": "tagging.profiles"})
    assert (handled(first), handled(second)) == (5, 1)
    assert metrics.of(first) is metrics.of(first)
