"""A stored KRA signature changed outside Kaunta shows in the till window's red alert,
in the till's language, without stopping sales.

A real queue file is signed by the OSCU simulator over real HTTP, then tampered with as
someone with the file and ``sqlite3`` would (a trigger dropped, a row edited); the till
window is up (pytest-qt, offscreen) when its eTIMS worker starts on that file, so the
worker's start-up check's finding arrives after the window is shown, from the worker's
own thread. The alert names the branch and invoice and says what to do (``kaunta
verify``, call support); it follows the language chosen at login; the cashier still
sells. A clean file shows no alert. The manager's eTIMS queue screen says the finding in
the reader's language too."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from pos.demo import DEMO_USERS
from pos.etims_evidence import EtimsEvidence, evidence_for
from pos.etims_link import EtimsLink
from pos.services.auth import Role
from pos.services.errors import PermissionDenied
from pos.services.etims import EtimsPhase
from pos.ui import i18n
from pos.ui.etims_queue import EtimsQueueDialog
from sync.etims.client import OscuClient
from sync.etims.mapping import Registrar
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings
from tests.etims.conftest import DictSecrets, make_submitter
from tests.etims.docs import sale_body

if TYPE_CHECKING:
    from conftest import MakeTill, Till

MILK = "6168232712628"
WAIT_MS = 20_000
BRANCH = Branch(DEMO_TIN, "00", DEMO_SERIAL)
MANAGER, MANAGER_PIN = next((n, p) for n, r, p in DEMO_USERS if r == Role.MANAGER.value)


@pytest.fixture
def box() -> Iterator[EtimsSandbox]:
    with EtimsSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def english() -> Iterator[None]:
    """The translator is process-wide: English again after the test."""
    yield
    i18n.set_language("en")


def _settings(box: EtimsSandbox) -> EtimsSettings:
    return EtimsSettings(base_url=box.base_url, verify_host=box.verify_host, timeout_s=2.0)


def _signed_file(box: EtimsSandbox, secrets: DictSecrets, path: Path) -> None:
    """``path``: a queue file with three invoices the simulator signed (its device
    initialised with ``secrets``, which the till's worker then uses too)."""
    client = OscuClient(BRANCH, _settings(box), secrets)
    device = client.initialize()
    sub, queue = make_submitter(client, path)
    try:
        queue.save_state("device", device.to_json())  # as the worker keeps it: no re-init
        for sku in ("SODA-500", "MILK-500", "SODA-500"):
            sub.enqueue_sale(sale_body([(sku, 1)]))
        assert sub.drain().signed == 3
    finally:
        queue.close()


def _edit_row(path: Path, invc_no: int, *, restore_rule: bool) -> None:
    """Drop the rule that keeps signed rows unchanged, edit the stored signature of
    ``invc_no`` (its receipt counter), and put the rule back or not."""
    db = sqlite3.connect(path)
    try:
        rule = db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'etims_signed_no_update'"
        ).fetchone()[0]
        db.execute("DROP TRIGGER etims_signed_no_update")
        changed = db.execute(
            "UPDATE etims_signed SET signature = replace(signature, "
            f"'\"cur_rcpt_no\": {invc_no}', '\"cur_rcpt_no\": 99') WHERE invc_no = ?",
            (invc_no,),
        ).rowcount
        assert changed == 1
        if restore_rule:
            db.execute(rule)
        db.commit()
    finally:
        db.close()


def _start_worker(
    till: Till,
    box: EtimsSandbox,
    secrets: DictSecrets,
    path: Path,
    evidence: EtimsEvidence | None = None,
) -> EtimsLink:
    """The till's eTIMS worker on ``path``, started now (the window is already up); with
    the till's ``evidence`` as the app starts it (keyed, kept until acknowledged)."""
    return EtimsLink(
        till.terminal.db,
        till.terminal.etims,
        queue_path=path,
        branch=BRANCH,
        settings=_settings(box),
        secrets=secrets,
        registrar=Registrar("T1", "Till T1"),
        training=True,
        poll_s=0.2,
        evidence=evidence,
    ).start()


def _sells(till: Till) -> None:
    """The cashier rings up a product: the alert holds nothing up."""
    assert till.window.stack.isEnabled()
    till.scan(MILK)
    till.until(lambda: len(till.rows()) == 1)


def test_a_rewritten_kra_signature_shows_in_the_red_alert_and_selling_goes_on(
    make_till: MakeTill, box: EtimsSandbox, tmp_path: Path
) -> None:
    secrets = DictSecrets()
    path = tmp_path / "etims.sqlite"
    _signed_file(box, secrets, path)
    _edit_row(path, 2, restore_rule=True)
    till = make_till()
    alert = till.window.etims_alert
    assert not alert.isVisible()
    link = _start_worker(till, box, secrets, path)
    try:
        till.until(alert.isVisible, WAIT_MS, failing=till.state)
        shown = alert.text()
        assert shown == (
            "KRA eTIMS: the KRA signatures stored in etims.sqlite were changed outside "
            f"Kaunta (branch {BRANCH.key}, invoice 2: its signature is not the one KRA gave "
            "(hash differs)). Sales go on and the file is kept as it was found. Manager: do "
            "not change or delete it; run kaunta verify (it names every problem) and call "
            "support. Then acknowledge it in Manager > KRA eTIMS queue."
        )
        till.login()
        assert alert.isVisible()  # on the sale screen too
        _sells(till)
        # the worker goes on: later views keep the finding, the alert stays
        till.until(lambda: link.rounds >= 2, WAIT_MS)
        QApplication.processEvents()
        assert alert.isVisible()
        assert alert.text() == shown
    finally:
        link.stop()


def test_the_alert_is_in_kiswahili_once_the_cashier_logs_in_in_kiswahili(
    make_till: MakeTill, box: EtimsSandbox, tmp_path: Path, english: None
) -> None:
    secrets = DictSecrets()
    path = tmp_path / "etims.sqlite"
    _signed_file(box, secrets, path)
    _edit_row(path, 3, restore_rule=False)  # the rule stays dropped: two problems
    till = make_till()
    alert = till.window.etims_alert
    link = _start_worker(till, box, secrets, path)
    try:
        till.until(alert.isVisible, WAIT_MS, failing=till.state)
        assert alert.text().startswith(
            "KRA eTIMS: the KRA signatures stored in etims.sqlite were changed outside "
            "Kaunta (2 problems, the first: the rule etims_signed_no_update that keeps "
            "signed invoices unchanged is gone)."
        ), alert.text()
        till.login_in("sw")
        till.until(lambda: "Kaunta" in alert.text() and "KRA eTIMS: the" not in alert.text())
        swahili = alert.text()
        assert swahili.startswith(
            "KRA eTIMS: sahihi za KRA zilizohifadhiwa kwenye etims.sqlite zimebadilishwa nje "
            "ya Kaunta (matatizo 2, la kwanza: kanuni etims_signed_no_update inayozuia "
            "ankara zilizotiwa sahihi zisibadilishwe imeondolewa)."
        ), swahili
        assert "kaunta verify" in swahili
        assert "piga simu kwa msaada" in swahili
        assert swahili.endswith("Kisha lithibitishe kwenye Meneja > Foleni ya KRA eTIMS.")
        # the sale screen's eTIMS line is said again in the new language at once
        assert till.window.sale.etims_line.text().startswith("Mafunzo, kiigaji. KRA eTIMS")
        _sells(till)
        shots = Path(os.environ.get("KAUNTA_SHOTS_DIR") or tmp_path)
        till.window.grab().save(str(shots / "etims-tampered-alert-sw.png"))
    finally:
        link.stop()


def test_a_clean_file_shows_no_alert(
    make_till: MakeTill, box: EtimsSandbox, tmp_path: Path
) -> None:
    secrets = DictSecrets()
    path = tmp_path / "etims.sqlite"
    _signed_file(box, secrets, path)
    till = make_till()
    link = _start_worker(till, box, secrets, path)
    try:
        till.until(lambda: link.rounds >= 1, WAIT_MS)  # the check ran before the rounds
        till.until(lambda: till.terminal.etims.view().phase is EtimsPhase.ONLINE, WAIT_MS)
        QApplication.processEvents()
        assert till.terminal.etims.view().tampered is None
        assert not till.window.etims_alert.isVisible()
        assert till.window.etims_alert.text() == ""
    finally:
        link.stop()


def test_the_queue_screen_says_the_finding_in_the_readers_language(
    make_till: MakeTill, box: EtimsSandbox, tmp_path: Path, english: None
) -> None:
    secrets = DictSecrets()
    path = tmp_path / "etims.sqlite"
    _signed_file(box, secrets, path)
    _edit_row(path, 2, restore_rule=True)
    till = make_till()
    link = _start_worker(till, box, secrets, path)
    try:
        till.until(lambda: till.terminal.etims.view().tampered is not None, WAIT_MS)
        view = till.terminal.etims.view()
        assert view.tampered is not None
        # the English reason is as it was (the log, tests/etims), the finding first
        assert view.reason.startswith("TAMPERED: a stored KRA signature does not verify")
        i18n.set_language("sw")
        dialog = EtimsQueueDialog(till.window, till.window.actions_)
        summary = dialog.summary.text()
        assert i18n.render(view.tampered) in summary
        assert "sahihi za KRA zilizohifadhiwa kwenye etims.sqlite zimebadilishwa" in summary
        assert f"tawi {BRANCH.key}, ankara 2:" in summary
        assert "TAMPERED" not in summary  # not the English finding again under it
        dialog.close()
    finally:
        link.stop()


def test_a_manager_acknowledges_the_alert_on_the_queue_screen_and_it_goes(
    make_till: MakeTill, box: EtimsSandbox, tmp_path: Path
) -> None:
    """With the till's evidence (as the app starts it): the red alert stays until a manager
    says on the KRA eTIMS queue screen that they have seen it; then the window's alert and
    the button go, the acknowledgement is in the audit log with the manager's id, and a
    cashier could not have done it."""
    secrets = DictSecrets()
    path = tmp_path / "etims.sqlite"
    _signed_file(box, secrets, path)
    _edit_row(path, 3, restore_rule=False)  # the rule stays dropped
    till = make_till()
    alert = till.window.etims_alert
    link = _start_worker(till, box, secrets, path, evidence_for(till.terminal))
    try:
        till.until(alert.isVisible, WAIT_MS, failing=till.state)
        till.login()  # a cashier: the service refuses them
        with pytest.raises(PermissionDenied):
            till.terminal.etims.acknowledge_tampering()
        till.window.lock()
        till.until(lambda: till.window.stack.currentWidget() is till.window.login)
        till.login(MANAGER, MANAGER_PIN)
        dialog = EtimsQueueDialog(till.window, till.window.actions_)
        dialog.show()
        till.qtbot.waitExposed(dialog)
        assert dialog.btn_acknowledge.isVisible()
        dialog.btn_acknowledge.click()
        till.until(lambda: not alert.isVisible(), WAIT_MS, failing=till.state)
        till.until(lambda: not dialog.btn_acknowledge.isVisible(), WAIT_MS)
        # the news that hides the button and the call's own answer arrive separately
        till.until(lambda: dialog.message.text().startswith("Recorded with your name"), WAIT_MS)
        with till.terminal.db.read_session() as s:
            seen = s.execute(
                text("SELECT user_id FROM audit_log WHERE action = 'etims_tampering_seen'")
            ).all()
        manager = till.terminal.auth.current
        assert manager is not None
        assert [row[0] for row in seen] == [manager.user_id]
        dialog.close()
    finally:
        link.stop()
