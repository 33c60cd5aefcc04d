"""Card payments: through a ZVT terminal on a serial port or TCP (``card_zvt``), and with
a bank's standalone terminal whose approval the cashier keys in (``card_manual``).

Semi-integrated only: the till sends an amount and keeps what the terminal reports back,
at most a masked PAN (first 6 / last 4), the approval code, the terminal's receipt number
and its terminal id (:mod:`pos.payments.card.proof`). No card or track data, ever.
"""
