"""A large synthetic catalog that looks like a Kenyan supermarket's.

Names are ``Brand [Descriptor] Product [Variant] Size`` drawn from word lists per
category, so a 3-letter prefix typed by a cashier (``bro``, ``mil``, ``sug``) matches
thousands of products at one million, as it would in a real shop. SKUs and EAN-13
barcodes are unique; VAT classes follow the category (S standard, Z zero-rated, E exempt).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from pos.domain.barcode import make_ean13
from pos.domain.catalog import CatalogItem
from pos.domain.money import Money
from pos.services.terminal import Terminal
from pos.store import repositories as repo


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    code: str
    products: tuple[str, ...]
    variants: tuple[str, ...]
    sizes: tuple[str, ...]
    vat: tuple[str, ...]  # VAT classes to draw from (repeat one to weight it)
    price: tuple[int, int]  # whole shillings, low..high


def _w(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


CATEGORIES: tuple[Category, ...] = (
    Category(
        "Dairy",
        "DAI",
        _w(
            "Fresh Milk, Long Life Milk, Yoghurt, Lala, Mala, Butter, Ghee, Cheddar Cheese, "
            "Milk Powder, Cream, Drinking Yoghurt, Flavoured Milk"
        ),
        _w("Strawberry, Vanilla, Plain, Mango, Salted, Unsalted, Low Fat, Whole, Honey"),
        _w("250ml, 500ml, 1L, 2L, 200g, 250g, 400g, 500g"),
        ("Z", "S", "S"),
        (45, 900),
    ),
    Category(
        "Flour & Grains",
        "FLO",
        _w(
            "Maize Flour, Wheat Flour, Chapati Flour, Baking Flour, Atta Mark, Rice, "
            "Basmati Rice, Pishori Rice, Millet Flour, Sorghum Flour, Porridge Flour, Oats"
        ),
        _w("Fortified, Sifted, Whole Grain, Premium, Brown, White, Aromatic"),
        _w("500g, 1kg, 2kg, 5kg, 10kg"),
        ("Z", "E", "E"),
        (60, 1400),
    ),
    Category(
        "Cooking Oils & Fats",
        "OIL",
        _w(
            "Cooking Oil, Vegetable Oil, Sunflower Oil, Olive Oil, Cooking Fat, Margarine, "
            "Corn Oil, Coconut Oil"
        ),
        _w("Pure, Refined, Extra Virgin, Light, Golden"),
        _w("500ml, 1L, 2L, 3L, 5L, 500g, 1kg, 2kg"),
        ("S",),
        (150, 2600),
    ),
    Category(
        "Beverages",
        "BEV",
        _w(
            "Soda, Juice, Mineral Water, Energy Drink, Squash, Nectar, Sparkling Water, "
            "Malt Drink, Iced Tea"
        ),
        _w("Orange, Mango, Pineapple, Passion, Apple, Tropical, Lemon, Cola, Berry"),
        _w("300ml, 330ml, 500ml, 1L, 1.5L, 2L"),
        ("S",),
        (35, 450),
    ),
    Category(
        "Tea & Coffee",
        "TEA",
        _w(
            "Tea Leaves, Tea Bags, Instant Coffee, Ground Coffee, Drinking Chocolate, "
            "Green Tea, Masala Tea"
        ),
        _w("Premium, Classic, Gold, Strong, Decaf, Ginger, Lemon"),
        _w("50g, 100g, 250g, 500g, 1kg, 25 bags, 50 bags, 100 bags"),
        ("S", "Z"),
        (80, 1200),
    ),
    Category(
        "Sugar & Sweeteners",
        "SUG",
        _w("Sugar, Brown Sugar, Honey, Jam, Syrup, Glucose"),
        _w("White, Brown, Raw, Pure, Mixed Fruit, Strawberry"),
        _w("250g, 500g, 1kg, 2kg"),
        ("S",),
        (60, 700),
    ),
    Category(
        "Bakery",
        "BAK",
        _w("White Bread, Brown Bread, Buns, Scones, Cake, Mandazi, Croissant, Bread Rolls"),
        _w("Sliced, Family, Milky, Queen, Plain, Raisin"),
        _w("400g, 600g, 800g, 6 pcs, 12 pcs"),
        ("Z", "S"),
        (50, 350),
    ),
    Category(
        "Snacks",
        "SNA",
        _w(
            "Crisps, Biscuits, Cookies, Peanuts, Popcorn, Chocolate Bar, Sweets, Chewing Gum, "
            "Cashew Nuts, Wafers"
        ),
        _w("Salted, Chilli, Tomato, Cream, Cheese, Chocolate, Masala, Barbecue"),
        _w("25g, 50g, 100g, 150g, 200g, 400g"),
        ("S",),
        (10, 600),
    ),
    Category(
        "Canned & Condiments",
        "CAN",
        _w(
            "Baked Beans, Tomato Sauce, Chilli Sauce, Mayonnaise, Tomato Paste, Salt, Spices, "
            "Curry Powder, Soy Sauce, Tuna, Sardines, Mixed Vegetables, Peanut Butter, Vinegar"
        ),
        _w("Hot, Mild, Original, Garlic, Iodised, Smooth, Crunchy"),
        _w("70g, 200g, 250g, 400g, 500g, 1kg"),
        ("S",),
        (25, 750),
    ),
    Category(
        "Household",
        "HOU",
        _w(
            "Detergent, Bar Soap, Washing Powder, Bleach, Dishwashing Liquid, Toilet Cleaner, "
            "Tissue Paper, Serviettes, Insecticide, Air Freshener, Matches, Candles, Foil, "
            "Scouring Pads, Trash Bags"
        ),
        _w("Lemon, Lavender, Original, Ocean, Multipurpose, Extra, Ultra"),
        _w("100g, 500g, 1kg, 2kg, 500ml, 750ml, 1L, 4 rolls, 10 rolls, 10 pcs"),
        ("S",),
        (20, 1500),
    ),
    Category(
        "Personal Care",
        "PER",
        _w(
            "Toothpaste, Toothbrush, Body Lotion, Petroleum Jelly, Shampoo, Bathing Soap, "
            "Deodorant, Hair Food, Sanitary Pads, Razor, Shower Gel, Hand Wash"
        ),
        _w("Herbal, Cocoa Butter, Aloe Vera, Mint, Sensitive, Fresh, Men, Kids"),
        _w("50ml, 100ml, 200ml, 400ml, 75g, 150g, 250g, 10 pcs"),
        ("S",),
        (40, 1100),
    ),
    Category(
        "Baby",
        "BAB",
        _w("Diapers, Baby Wipes, Baby Oil, Baby Lotion, Infant Formula, Baby Cereal, Baby Soap"),
        _w("Newborn, Mini, Midi, Maxi, Junior, Gentle, Sensitive"),
        _w("64 pcs, 44 pcs, 30 pcs, 200ml, 400g, 900g"),
        ("S", "Z"),
        (120, 2900),
    ),
    Category(
        "Fresh Produce",
        "FRE",
        _w(
            "Tomatoes, Onions, Potatoes, Cabbage, Sukuma Wiki, Bananas, Avocado, Mangoes, "
            "Carrots, Spinach, Oranges, Watermelon, Pineapple, Dhania"
        ),
        _w("Fresh, Local, Red, Ripe, Organic"),
        _w("per kg, per piece, per bunch, 500g, 1kg"),
        ("E",),
        (10, 300),
    ),
    Category(
        "Alcohol",
        "ALC",
        _w("Lager, Stout, Cider, Whisky, Gin, Vodka, Wine, Brandy, Rum"),
        _w("Premium, Dry, Sweet, Red, White, Smooth, Gold, Light"),
        _w("250ml, 330ml, 500ml, 750ml, 1L"),
        ("S",),
        (180, 4800),
    ),
    Category(
        "Stationery",
        "STA",
        _w(
            "Exercise Book, Pen, Pencil, Ruler, Eraser, Marker, Crayons, Envelope, Glue, "
            "Counter Book"
        ),
        _w("Blue, Black, Red, A4, A5, Ruled, Squared, Assorted"),
        _w("1 pc, 2 pcs, 10 pcs, 12 pcs, 48 pages, 96 pages, 200 pages"),
        ("S", "E"),
        (10, 450),
    ),
)

BRANDS: tuple[str, ...] = _w(
    "Brookside, Tuzo, Fresha, Daima, Molo, Delamere, Jogoo, Pembe, Soko, Hostess, Jembe, "
    "Amaize, Ajab, Exe, Dola, Ndovu, Golden Fry, Elianto, Rina, Kimbo, Chipsy, Fresh Fri, "
    "Salit, Bahari, Kasuku, Kensalt, Ketepa, Kericho Gold, Fahari, Sasini, Dormans, Java, "
    "Mumias, Kabras, Sony, Butali, Nzoia, Chemelil, Royal, Supa Loaf, Festive, Broadways, "
    "Kenblest, Tropical Heat, Peptang, Zesta, Kenylon, Menengai, Omo, Ariel, Toss, Sunlight, "
    "Jamaa, Msafi, Harpic, Jik, Rosy, Velvex, Doom, Baygon, Colgate, Close Up, Whitedent, "
    "Nivea, Vaseline, Geisha, Imperial, Dettol, Protex, Always, Huggies, Pampers, Softcare, "
    "Cerelac, Nido, Lactogen, Tusker, Guinness, Pilsner, Balozi, Kenya Cane, Chrome, Keringet, "
    "Dasani, Aquamist, Minute Maid, Afia, Delmonte, Pick n Peel, Highlands, Quencher, Picana, "
    "Manji, Britania, Cadbury, Tropical, Tiffany, Kasuku Gold, Nuru, Bidco, Kapa, Pwani, "
    "Savannah, Kilimanjaro, Mara, Tsavo, Amboseli, Simba, Twiga, Chui, Tembo, Faru, Kifaru, "
    "Nyota, Jua, Mwezi, Baraka, Neema, Upendo, Tumaini, Furaha, Zawadi, Jamii, Mkulima, "
    "Shamba, Kijiji, Mlima, Ziwa, Pwani Gold, Lamu, Malindi, Kisumu, Nakuru, Eldoret, Thika, "
    "Nyeri, Meru, Embu, Kitui, Machakos, Kericho, Bomet, Narok, Kajiado, Naivasha, Nanyuki, "
    "Limuru, Tigoni, Gatundu, Kiambu, Ruiru, Juja, Athi, Sagana, Kutus, Wote, Voi, Taveta, "
    "Kilifi, Kwale, Garissa, Isiolo, Marsabit, Lodwar, Kitale, Webuye, Bungoma, Busia, Kakamega, "
    "Vihiga, Kisii, Nyamira, Migori, Homa Bay, Siaya, Bondo, Ugunja, Mumbua, Wanjiku, Akinyi"
)

DESCRIPTORS: tuple[str, ...] = _w(
    "Classic, Premium, Family, Value, Super, Extra, Select, Choice, Daily, Golden, Special, "
    "Home, Original, Natural, Farm, Kitchen, Countryside, Royal, Everyday, Best"
)


def product_items(n: int, seed: int = 7) -> Iterator[CatalogItem]:
    """``n`` products with unique SKUs and barcodes, deterministic for a seed."""
    rng = random.Random(seed)
    cats = CATEGORIES
    brands = BRANDS
    descs = DESCRIPTORS
    for i in range(1, n + 1):
        cat = cats[rng.randrange(len(cats))]
        parts = [brands[rng.randrange(len(brands))]]
        if rng.random() < 0.3:
            parts.append(descs[rng.randrange(len(descs))])
        parts.append(cat.products[rng.randrange(len(cat.products))])
        if rng.random() < 0.5:
            parts.append(cat.variants[rng.randrange(len(cat.variants))])
        parts.append(cat.sizes[rng.randrange(len(cat.sizes))])
        low, high = cat.price
        shillings = rng.randint(low, high)
        cents = 50 if rng.random() < 0.2 else 0
        yield CatalogItem(
            product_id=None,
            sku=f"{cat.code}-{i:07d}",
            # GS1 prefix 616 (Kenya) + a 9-digit item number: unique, valid check digit.
            barcode=make_ean13(f"616{i:09d}"),
            name=" ".join(parts),
            category=cat.name,
            price=Money(shillings * 100 + cents, "KES"),
            vat_class=cat.vat[rng.randrange(len(cat.vat))],
            active=True,
        )


def barcode_of(i: int) -> str:
    """The barcode of the ``i``-th product (1-based), as :func:`product_items` makes it."""
    return make_ean13(f"616{i:09d}")


def search_prefixes() -> list[str]:
    """3-letter prefixes of words that occur in product names (what cashiers type)."""
    words: set[str] = set()
    texts: list[str] = [*BRANDS, *DESCRIPTORS]
    for cat in CATEGORIES:
        texts.extend(cat.products)
        texts.extend(cat.variants)
    for text in texts:
        for word in text.split():
            if len(word) >= 3 and word.isalpha():
                words.add(word[:3].lower())
    return sorted(words)


def build_catalog(
    terminal: Terminal,
    n: int,
    now: datetime,
    *,
    chunk: int = 10_000,
    per_session: int = 100_000,
    seed: int = 7,
) -> float:
    """Insert ``n`` products through ``repositories.upsert_products``; returns seconds.

    One session (one transaction) per ``per_session`` products, written ``chunk`` rows per
    executemany, as the CSV import does; the FTS triggers fill the name index.
    """
    t0 = time.perf_counter()
    items = product_items(n, seed)
    done = 0
    while done < n:
        with terminal.db.session() as s:
            in_session = 0
            while in_session < per_session and done < n:
                batch = list(islice(items, min(chunk, n - done)))
                repo.upsert_products(s, batch, now)
                done += len(batch)
                in_session += len(batch)
        rate = done / (time.perf_counter() - t0)
        print(f"  catalog: {done:,}/{n:,} products ({rate:,.0f}/s)", file=sys.stderr)
    return time.perf_counter() - t0
