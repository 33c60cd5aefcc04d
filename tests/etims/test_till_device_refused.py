"""KRA refusing the till's device or key (901 and the other device-level codes) is said as
a set-up that failed, not as an outage: the till's eTIMS line shows FAILED with KRA's
reason, nothing is parked, the sale keeps waiting, and it is signed once KRA accepts the
device again. Over real HTTP against the OSCU simulator, the code injected through its
fault control API."""

from __future__ import annotations

import json
import threading
import urllib.request

from pos.etims_link import EtimsLink
from pos.services.etims import EtimsPhase, EtimsView
from pos.services.terminal import Terminal
from sync.etims import words
from sync.etims.sandbox import EtimsSandbox
from tests.etims.test_till_backoff import parts  # noqa: F401 (the fixture)
from tests.etims.test_till_link import MILK, Watch, cash_sale


def inject(box: EtimsSandbox, code: str, count: int) -> None:
    """The next ``count`` sales answered ``code``, through the simulator's control API."""
    body = {"kind": "code", "code": code, "path": "saveTrnsSalesOsdc", "count": count}
    request = urllib.request.Request(
        f"{box.base_url.split('/etims-api')[0]}/__sandbox__/fault",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert json.loads(reply.read())["ok"] is True


class Seen:
    """Every view the worker publishes, in order (a FAILED round may be followed at once by
    the next round's view: a watch of the latest alone could miss it)."""

    def __init__(self, link: EtimsLink) -> None:
        self.lock = threading.Lock()
        self.views: list[EtimsView] = []
        link.service.subscribe(self._news)

    def _news(self, view: EtimsView) -> None:
        with self.lock:
            self.views.append(view)

    def failed(self) -> list[EtimsView]:
        with self.lock:
            return [v for v in self.views if v.phase is EtimsPhase.FAILED]


def test_a_refused_device_is_failed_with_nothing_parked_and_signed_once_accepted(
    cashier: Terminal,
    parts: tuple[EtimsLink, EtimsSandbox, Watch],  # noqa: F811
) -> None:
    link, box, watch = parts
    seen = Seen(link)
    link.start()
    watch.until(lambda v: v.phase is EtimsPhase.ONLINE)
    inject(box, "901", 3)
    cash_sale(cashier, (MILK, 1))
    signed = watch.until(lambda v: v.signed == 1)  # the fault's count ran out: accepted
    assert signed.parked == 0
    failed = seen.failed()
    assert failed, [v.phase for v in seen.views]
    assert all(v.reason.startswith(f"{words.DEVICE_REFUSED}: ") for v in failed), failed
    assert all((v.parked, v.signed, v.waiting) == (0, 0, 1) for v in failed), failed
