"""The client against the simulator over real HTTP: set-up, code lists, items, sales."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests

from sync.etims.client import DeviceAlreadyInstalled, EtimsRejected, NotInitialised, OscuClient
from sync.etims.codes import ResultKind
from sync.etims.mapping import Registrar, UnregisteredItems, sale_invoice
from sync.etims.models import CodeCache, DeviceInfo, item_code
from sync.etims.receipt import scu_block
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings
from sync.protocol.fields import Fields
from sync.protocol.sales import SaleBody
from tests.etims.conftest import DictSecrets, make_client
from tests.etims.docs import PRODUCTS, items, sale_body

WHO = Registrar("till01", "Till 01")


def parsed(body: dict[str, object]) -> SaleBody:
    from sync.etims.queue import _Header

    return SaleBody.parse(Fields(body, "body"), _Header(body), min_lines=1)


def test_initialisation_keeps_the_key_as_a_secret_and_a_second_init_is_902(
    box: EtimsSandbox, secrets: DictSecrets
) -> None:
    client = make_client(box, secrets)
    with pytest.raises(NotInitialised):
        client.cmc_key()
    info = client.initialize()
    assert info.sdc_id.startswith("KRACU")
    assert secrets.values[client.branch.secret_name] == box.device("00").cmc_key
    assert client.branch.secret_name not in repr(info.to_json())
    with pytest.raises(DeviceAlreadyInstalled):
        client.initialize()
    box.settings.reinit = "same_key"
    assert client.initialize().sdc_id == info.sdc_id


def test_an_unknown_serial_or_the_wrong_branch_is_refused_with_901(
    box: EtimsSandbox, secrets: DictSecrets
) -> None:
    cfg = EtimsSettings(base_url=box.base_url)
    wrong = OscuClient(Branch(DEMO_TIN, "02", DEMO_SERIAL), cfg, secrets)
    with pytest.raises(EtimsRejected, match="901"):
        wrong.initialize()


def test_the_navari_pitfall_device_on_branch_01_never_00(secrets: DictSecrets) -> None:
    with EtimsSandbox(device_branch_01=True) as box:
        cfg = EtimsSettings(base_url=box.base_url)
        with pytest.raises(EtimsRejected, match="901"):
            OscuClient(Branch(DEMO_TIN, "00", DEMO_SERIAL), cfg, secrets).initialize()
        assert OscuClient(Branch(DEMO_TIN, "01", DEMO_SERIAL), cfg, secrets).initialize()


def test_header_checks_missing_wrong_key_path_method_body(
    box: EtimsSandbox, client: OscuClient
) -> None:
    url = box.base_url + "/selectCodeList"
    body = b'{"lastReqDt": "20180101000000"}'
    key = client.cmc_key()
    good = {"tin": DEMO_TIN, "bhfId": "00", "cmcKey": key}
    assert requests.post(url, data=body, timeout=5).json()["resultCd"] == "900"
    assert (
        requests.post(url, data=body, headers={**good, "cmcKey": "X"}, timeout=5).json()["resultCd"]
        == "901"
    )
    assert requests.post(url, data=b"", headers=good, timeout=5).json()["resultCd"] == "911"
    assert (
        requests.post(box.base_url + "/nope", data=body, headers=good, timeout=5).json()["resultCd"]
        == "912"
    )
    assert requests.get(url, headers=good, timeout=5).status_code == 405
    in_body = b'{"lastReqDt": "20180101000000", "tin": "%s", "bhfId": "00", "cmcKey": "%s"}' % (
        DEMO_TIN.encode(),
        key.encode(),
    )
    assert requests.post(url, data=in_body, timeout=5).json()["resultCd"] == "000"


def test_an_optional_bearer_token_is_sent_when_configured(
    box: EtimsSandbox, secrets: DictSecrets
) -> None:
    box.settings.bearer_token = "t0ken"
    cfg = EtimsSettings(base_url=box.base_url)
    plain = OscuClient(Branch(DEMO_TIN, "00", DEMO_SERIAL), cfg, secrets)
    with pytest.raises(EtimsRejected, match="900"):
        plain.initialize()
    with_token = OscuClient(
        Branch(DEMO_TIN, "00", DEMO_SERIAL), cfg, secrets, bearer=lambda: "t0ken"
    )
    assert with_token.initialize().sdc_id


def test_code_lists_refresh_by_last_request_time_and_take_a_rate_change(
    box: EtimsSandbox, client: OscuClient
) -> None:
    now = datetime.now(UTC)
    cache = CodeCache()
    assert client.refresh_codes(cache, now) > 20
    assert cache.tax_rates() == {
        "A": Decimal(0),
        "B": Decimal(16),
        "C": Decimal(0),
        "D": Decimal(0),
        "E": Decimal(8),
    }
    assert client.refresh_item_classes(cache, now) >= 3
    assert client.refresh_codes(cache, now) == 0  # 001: nothing newer
    assert client.refresh_item_classes(cache, now) == 0
    change_at = now + timedelta(seconds=1)
    box.settings.rate_change = (change_at, "E", "10")
    box.clock = lambda: change_at + timedelta(seconds=5)
    assert client.refresh_codes(cache, change_at + timedelta(seconds=5)) == 1
    assert cache.tax_rates()["E"] == Decimal(10)
    restored = CodeCache.from_json(cache.to_json())
    assert restored.tax_rates() == cache.tax_rates()


def test_items_are_registered_and_bad_codes_are_refused_naming_the_field(
    box: EtimsSandbox, client: OscuClient
) -> None:
    item = {
        "itemCd": item_code("KE", "2", "NT", "U", 42),
        "itemClsCd": "5059690800",
        "itemTyCd": "2",
        "itemNm": "Soda 500ml",
        "itemStdNm": None,
        "orgnNatCd": "KE",
        "pkgUnitCd": "NT",
        "qtyUnitCd": "U",
        "taxTyCd": "B",
        "btchNo": None,
        "bcd": None,
        "dftPrc": 50.0,
        "isrcAplcbYn": "N",
        "useYn": "Y",
        "regrId": "t",
        "regrNm": "T",
        "modrId": "t",
        "modrNm": "T",
    }
    assert item["itemCd"] == "KE2NTU00000000000042"
    client.save_item(item)
    assert "KE2NTU00000000000042" in box.device("00").items
    with pytest.raises(EtimsRejected, match=r"910.*pkgUnitCd"):
        client.save_item({**item, "pkgUnitCd": "ZZ"})
    with pytest.raises(EtimsRejected, match="itemNm"):
        client.save_item({k: v for k, v in item.items() if k != "itemNm"})


def test_a_sale_of_an_unregistered_product_is_not_built() -> None:
    body = sale_body([("SODA-500", 1)])
    with pytest.raises(UnregisteredItems, match="SODA-500"):
        sale_invoice(
            parsed(body),
            invc_no=1,
            items={},
            rates={"B": Decimal(16)},
            settings=EtimsSettings(),
            registrar=WHO,
        )


@pytest.mark.parametrize("tender", ["cash", "mpesa", "card_zvt", "card_manual", "paypal"])
def test_a_sale_in_every_band_is_signed_for_every_tender(
    box: EtimsSandbox, client: OscuClient, tender: str
) -> None:
    cache = CodeCache()
    client.refresh_codes(cache, datetime.now(UTC))
    body = sale_body([(sku, 2) for sku in PRODUCTS], tender=tender, line_discount="10")
    invoice = sale_invoice(
        parsed(body),
        invc_no=1,
        items=items(),
        rates=cache.tax_rates(),
        settings=client.settings,
        registrar=WHO,
    )
    codes = {"cash": "01", "mpesa": "06", "card_zvt": "05", "card_manual": "05", "paypal": "07"}
    assert invoice["pmtTyCd"] == codes[tender]
    assert {ln["taxTyCd"] for ln in invoice["itemList"]} == set("ABCE")
    outcome = client.submit(invoice)
    assert outcome.kind is ResultKind.OK, outcome.reason
    assert outcome.signature is not None
    assert len(outcome.signature.rcpt_sign) == 16
    assert len(outcome.signature.intrl_data) == 26
    assert client.invoice_details(1, "S") == outcome.signature
    assert client.invoice_details(2, "S") is None
    device = box.device("00")
    dev = DeviceInfo(DEMO_TIN, "00", "", "", device.sdc_id, device.mrc_no, device.dvc_id)
    block = scu_block(outcome.signature, dev, verify_host=box.verify_host)
    assert block.cu_invoice_number == f"{device.sdc_id}/1"
    assert block.receipt_signature.count("-") == 3
    page = requests.get(block.qr_url, timeout=5).text
    assert "Invoice found" in page
    assert "not found" in requests.get(block.qr_url[:-1] + "Z", timeout=5).text


def test_the_simulator_names_the_field_of_a_bad_sale(client: OscuClient) -> None:
    cache = CodeCache()
    client.refresh_codes(cache, datetime.now(UTC))
    invoice = sale_invoice(
        parsed(sale_body([("SODA-500", 3), ("MILK-500", 1)])),
        invc_no=1,
        items=items(),
        rates=cache.tax_rates(),
        settings=client.settings,
        registrar=WHO,
    )
    cases = [
        ({"taxAmtB": float(invoice["taxAmtB"]) + 1}, "taxAmtB"),
        ({"taxblAmtC": None}, "taxblAmtC"),
        ({"cfmDt": "20990101000000"}, "cfmDt"),
        ({"cfmDt": "2026-03-02"}, "cfmDt"),
        ({"rcptTyCd": "X"}, "rcptTyCd"),
        ({"pmtTyCd": "99"}, "pmtTyCd"),
        ({"invcNo": "INV001"}, "invcNo"),
        ({"totItemCnt": 3}, "totItemCnt"),
        ({"totAmt": 1.0}, "totAmt"),
        ({"taxRtB": 18}, "taxRtB"),
    ]
    for change, field in cases:
        outcome = client.submit({**invoice, **change})
        assert outcome.kind is ResultKind.REJECTED, field
        assert outcome.result_cd == "910"
        assert field in outcome.reason
    bad_line = [dict(invoice["itemList"][0], taxAmt=0.01), invoice["itemList"][1]]
    outcome = client.submit({**invoice, "itemList": bad_line})
    assert "itemList[0].taxAmt" in outcome.reason


def test_a_sale_after_nairobi_midnight_is_dated_by_nairobi_like_its_confirmation(
    box: EtimsSandbox, client: OscuClient
) -> None:
    """The shop's business date is the day before (a shift past midnight, or a till set to
    another zone); KRA's sale date is the Nairobi day of the sale, as cfmDt's is."""
    cache = CodeCache()
    client.refresh_codes(cache, datetime.now(UTC))
    at = datetime(2026, 3, 2, 21, 30, tzinfo=UTC)  # closed 00:31 on 3 March in Nairobi
    body = sale_body([("SODA-500", 1)], at=at)
    assert body["business_date"] == "2026-03-02"
    invoice = sale_invoice(
        parsed(body),
        invc_no=1,
        items=items(),
        rates=cache.tax_rates(),
        settings=client.settings,
        registrar=WHO,
    )
    assert invoice["cfmDt"] == "20260303003100"
    assert invoice["salesDt"] == "20260303"
    assert client.submit(invoice).kind is ResultKind.OK
