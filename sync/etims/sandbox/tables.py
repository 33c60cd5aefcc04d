"""The sandbox's own copy of KRA's code lists, item classes, branches and notices
(reference 3.3, 2.5-2.10). Written out here, not taken from the client, so a wrong code
on either side shows up as a refusal."""

from __future__ import annotations

from typing import Any

#: When the seeded rows "changed" (any first request, from 2018, sees them).
SEEDED_AT = "20200101000000"

#: class -> (name, [(code, name, userDfnCd1)])
CODE_CLASSES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "04": (
        "Taxation Type",
        [
            ("A", "A-Exempt", "0"),
            ("B", "B-16.00%", "16"),
            ("C", "C-0%", "0"),
            ("D", "D-Non-VAT", "0"),
            ("E", "E-8%", "8"),
        ],
    ),
    "07": (
        "Payment Type",
        [
            ("01", "CASH", ""),
            ("02", "CREDIT", ""),
            ("03", "CASH/CREDIT", ""),
            ("04", "BANK CHECK", ""),
            ("05", "DEBIT&CREDIT CARD", ""),
            ("06", "MOBILE MONEY", ""),
            ("07", "OTHER", ""),
        ],
    ),
    "10": (
        "Quantity Unit",
        [
            ("U", "Pieces/item", ""),
            ("KG", "Kilogram", ""),
            ("LTR", "Litre", ""),
            ("NO", "Number", ""),
            ("PA", "Packet", ""),
            ("BX", "Box", ""),
            ("DZ", "Dozen", ""),
        ],
    ),
    "11": (
        "Sale Status",
        [
            ("01", "Wait for Approval", ""),
            ("02", "Approved", ""),
            ("03", "Cancel Requested", ""),
            ("04", "Canceled", ""),
            ("05", "Credit Note Generated", ""),
            ("06", "Transferred", ""),
        ],
    ),
    "12": (
        "Stock I/O Type",
        [
            ("02", "Incoming-Purchase", ""),
            ("03", "Incoming-Return", ""),
            ("04", "Incoming-Stock Movement", ""),
            ("06", "Incoming-Adjustment", ""),
            ("11", "Outgoing-Sale", ""),
            ("13", "Outgoing-Stock Movement", ""),
            ("16", "Outgoing-Adjustment", ""),
        ],
    ),
    "14": (
        "Transaction Type",
        [("C", "Copy", ""), ("N", "Normal", ""), ("P", "Proforma", ""), ("T", "Training", "")],
    ),
    "17": (
        "Packing Unit",
        [
            ("NT", "Net", ""),
            ("OU", "Outer", ""),
            ("BG", "Bag", ""),
            ("CT", "Carton", ""),
            ("CA", "Can", ""),
            ("BQ", "Bottle", ""),
        ],
    ),
    "24": (
        "Item Type",
        [("1", "Raw Material", ""), ("2", "Finished Product", ""), ("3", "Service", "")],
    ),
    "32": (
        "Refund Reason",
        [
            (f"{n:02d}", name, "")
            for n, name in enumerate(
                [
                    "Missing Quantity",
                    "Missing Data",
                    "Damaged",
                    "Wasted",
                    "Raw Material Shortage",
                    "Refund",
                    "Wrong Customer PIN",
                    "Wrong Customer name",
                    "Wrong Amount/price",
                    "Wrong Quantity",
                    "Wrong item(s)",
                    "Wrong tax type",
                    "Other reason",
                ],
                start=1,
            )
        ],
    ),
    "37": ("Sales Receipt Type", [("S", "Sale", ""), ("R", "Credit Note after Sale", "")]),
    "38": ("Purchase Receipt Type", [("P", "Purchase", ""), ("R", "Credit Note", "")]),
}

ITEM_CLASSES: list[dict[str, Any]] = [
    {
        "itemClsCd": "5059690800",
        "itemClsNm": "Soft drinks",
        "itemClsLvl": 5,
        "taxTyCd": "B",
        "mjrTgYn": "N",
        "useYn": "Y",
    },
    {
        "itemClsCd": "5010150100",
        "itemClsNm": "Bread",
        "itemClsLvl": 5,
        "taxTyCd": "A",
        "mjrTgYn": "N",
        "useYn": "Y",
    },
    {
        "itemClsCd": "5022110500",
        "itemClsNm": "Milk",
        "itemClsLvl": 5,
        "taxTyCd": "C",
        "mjrTgYn": "N",
        "useYn": "Y",
    },
    {
        "itemClsCd": "1510150100",
        "itemClsNm": "Petroleum products",
        "itemClsLvl": 5,
        "taxTyCd": "E",
        "mjrTgYn": "N",
        "useYn": "Y",
    },
    {
        "itemClsCd": "8011150000",
        "itemClsNm": "Services",
        "itemClsLvl": 4,
        "taxTyCd": None,
        "mjrTgYn": "N",
        "useYn": "Y",
    },
]


def code_row(code: str, name: str, rate: str, order: int) -> dict[str, Any]:
    return {
        "cd": code,
        "cdNm": name,
        "cdDesc": name,
        "useYn": "Y",
        "srtOrd": order,
        "userDfnCd1": rate or None,
        "userDfnCd2": None,
        "userDfnCd3": None,
    }


def branches(tin: str) -> list[dict[str, Any]]:
    return [
        {
            "tin": tin,
            "bhfId": "00",
            "bhfNm": "Headquarter",
            "bhfSttsCd": "01",
            "prvncNm": "NAIROBI",
            "dstrtNm": "WESTLANDS",
            "sctrNm": "PARKLANDS",
            "locDesc": None,
            "mgrNm": "J. Otieno",
            "mgrTelNo": "0700000000",
            "mgrEmail": "ops@example.co.ke",
            "hqYn": "Y",
        },
        {
            "tin": tin,
            "bhfId": "01",
            "bhfNm": "Duka Moja",
            "bhfSttsCd": "01",
            "prvncNm": "NAIROBI",
            "dstrtNm": "KASARANI",
            "sctrNm": "ROYSAMBU",
            "locDesc": None,
            "mgrNm": "A. Wanjiru",
            "mgrTelNo": "0700000001",
            "mgrEmail": "moja@example.co.ke",
            "hqYn": "N",
        },
    ]


NOTICES: list[dict[str, Any]] = [
    {
        "noticeNo": 1,
        "title": "Sandbox notice",
        "cont": "This is the Kaunta eTIMS simulator.",
        "dtlUrl": None,
        "regrNm": "simulator",
        "regDt": SEEDED_AT,
    },
]
