/*
 * The quick sale check (sync/protocol/quick.py) in C: the head office's native ingest kernel.
 *
 * quick.py's _header and _body walk a decoded sale.completed document in straight-line
 * Python; on the benchmark's sales that is about 19 of the 24 us an event the check takes
 * (8 Dec 2026). This file makes the same walk over the same Python objects (what orjson or
 * the json module decoded) with the same rules, in C.
 *
 * It may only ever be stricter than quick.py, never looser: check() answers a header tuple
 * when the document is a good plain sale, and None whenever anything is unusual, and then
 * quick.py's Python check runs (which in turn leaves anything unusual to the full parser).
 * So what is accepted, every verdict and every refusal stay the full parser's; only the
 * time differs. Where matching Python exactly would take real work the kernel declines:
 * a pattern-checked field that is not ASCII (Python's \d takes other scripts' digits), more
 * than MAX_CLASSES VAT classes in one sale. Free text that is not ASCII is searched for
 * digit runs by the Python pattern itself (given to init()).
 *
 * tests/sync/protocol/test_quick_native.py holds it to quick.py: on the tills' own
 * documents it accepts, and on generated and mutated ones it never accepts what quick.py
 * refuses, and gives the same header.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <stdint.h>
#include <string.h>

#define MAX_MINOR 10000000000000LL /* 10**13, fields.MAX_MINOR */
#define MAX_ITEMS 10000            /* fields.MAX_ITEMS */
#define MAX_QUANTITY 1000000LL     /* sales.MAX_QUANTITY */
#define MAX_SEQ 4611686018427387904LL /* 2**62, quick._MAX_SEQ */
#define MAX_CLASSES 64             /* more VAT classes in one sale: quick.py decides */
#define SMALL 32                   /* up to this many ids: compared pairwise, else a set */

typedef __int128 wide;

/* DIGIT_RUN_RE.search, for free text that is not ASCII */
static PyObject *digit_run_search = NULL;

/* interned keys */
enum {
    K_version, K_type, K_event_id, K_store_id, K_terminal_id, K_seq, K_created_at,
    K_training, K_hash, K_body, K_currency, K_lines, K_order_discounts, K_totals,
    K_payments, K_change, K_customer, K_sale_id, K_receipt_number, K_business_date,
    K_opened_at, K_closed_at, K_cashier_id, K_opened_by, K_rounding, K_minor, K_quantity,
    K_gross, K_unit_price, K_discount, K_line_discount, K_order_discount, K_total,
    K_vat_class, K_net, K_vat, K_line_id, K_product_id, K_sku, K_barcode, K_name,
    K_list_price, K_code, K_rate, K_exempt, K_foreign, K_amount, K_tendered, K_payment_id,
    K_method, K_at, K_reference, K_payer_masked, K_details, K_vat_total, K_line_discounts,
    K_discounts, K_tax_pin, K_COUNT
};
static const char *key_names[K_COUNT] = {
    "version", "type", "event_id", "store_id", "terminal_id", "seq", "created_at",
    "training", "hash", "body", "currency", "lines", "order_discounts", "totals",
    "payments", "change", "customer", "sale_id", "receipt_number", "business_date",
    "opened_at", "closed_at", "cashier_id", "opened_by", "rounding", "minor", "quantity",
    "gross", "unit_price", "discount", "line_discount", "order_discount", "total",
    "vat_class", "net", "vat", "line_id", "product_id", "sku", "barcode", "name",
    "list_price", "code", "rate", "exempt", "foreign", "amount", "tendered", "payment_id",
    "method", "at", "reference", "payer_masked", "details", "vat_total", "line_discounts",
    "discounts", "tax_pin",
};
static PyObject *keys[K_COUNT];

/* Every check returns 1 for "good" and 0 for "not sure"; -1 only for a Python error
 * (out of memory), which check() passes on. */
#define NEED(cond) do { if (!(cond)) return 0; } while (0)
#define TRY(expr) do { int r_ = (expr); if (r_ <= 0) return r_; } while (0)

/* d[key] as a borrowed reference; NULL (no error set) when missing */
static PyObject *
get(PyObject *d, int key)
{
    return PyDict_GetItemWithError(d, keys[key]);
}

/* an exact str that is ASCII, its bytes and length */
static int
ascii(PyObject *v, const char **s, Py_ssize_t *n)
{
    if (!PyUnicode_CheckExact(v) || !PyUnicode_IS_ASCII(v))
        return 0;
    *s = (const char *)PyUnicode_DATA(v);
    *n = PyUnicode_GET_LENGTH(v);
    return 1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_alnum(char c) { return is_digit(c) || is_lower(c) || is_upper(c); }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/* _text: an exact str of min..max code points */
static int
text(PyObject *v, Py_ssize_t max_len, Py_ssize_t min_len)
{
    if (!PyUnicode_CheckExact(v))
        return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(v);
    return n >= min_len && n <= max_len;
}

/* DIGIT_RUN_RE.search over ASCII: nine digits with only separators between them, the
 * separators being \s ([\t\n\v\f\r\x1c-\x1f ] in ASCII), '-', '.', '(', ')', '/', '+' */
static int
digit_run(const char *s, Py_ssize_t n)
{
    int count = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_digit(c)) {
            if (++count >= 9)
                return 1;
        }
        else if (!(c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f) ||
                   c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '+')) {
            count = 0;
        }
    }
    return 0;
}

/* _free: an exact str of at most max_len code points without a run of digits */
static int
free_text(PyObject *v, Py_ssize_t max_len)
{
    NEED(text(v, max_len, 0));
    if (PyUnicode_IS_ASCII(v))
        return !digit_run((const char *)PyUnicode_DATA(v), PyUnicode_GET_LENGTH(v));
    NEED(digit_run_search != NULL); /* init() not called: not sure */
    PyObject *found = PyObject_CallOneArg(digit_run_search, v);
    if (found == NULL)
        return -1;
    int clean = found == Py_None;
    Py_DECREF(found);
    return clean;
}

/* _CANONICAL_UUID_RE (and the version 7 rule) */
static int
uuid_text(PyObject *v, int v7)
{
    const char *s;
    Py_ssize_t n;
    NEED(ascii(v, &s, &n) && n == 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            NEED(s[i] == '-');
        else
            NEED(is_hex(s[i]));
    }
    NEED(!v7 || (s[14] == '7' && (s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b')));
    return 1;
}

/* ID_RE [A-Za-z0-9][A-Za-z0-9_.-]{0,39} and PAYMENT_ID_RE (":" too, up to 64) */
static int
id_text(PyObject *v, Py_ssize_t max_len, int colon)
{
    const char *s;
    Py_ssize_t n;
    NEED(ascii(v, &s, &n) && n >= 1 && n <= max_len && is_alnum(s[0]));
    for (Py_ssize_t i = 1; i < n; i++) {
        char c = s[i];
        NEED(is_alnum(c) || c == '_' || c == '.' || c == '-' || (colon && c == ':'));
    }
    return 1;
}

/* CODE_RE [a-z][a-z0-9_]{0,39} */
static int
code_text(PyObject *v)
{
    const char *s;
    Py_ssize_t n;
    NEED(ascii(v, &s, &n) && n >= 1 && n <= 40 && is_lower(s[0]));
    for (Py_ssize_t i = 1; i < n; i++)
        NEED(is_lower(s[i]) || is_digit(s[i]) || s[i] == '_');
    return 1;
}

/* one of the classes: VAT_CODE_RE [A-Za-z0-9]{1,8} (upper = 0) or TAX_PIN_RE [A-Z0-9]{1,20} */
static int
alnum_text(PyObject *v, Py_ssize_t max_len, int upper_only)
{
    const char *s;
    Py_ssize_t n;
    NEED(ascii(v, &s, &n) && n >= 1 && n <= max_len);
    for (Py_ssize_t i = 0; i < n; i++)
        NEED(upper_only ? (is_upper(s[i]) || is_digit(s[i])) : is_alnum(s[i]));
    return 1;
}

static int
digits(const char *s, int n, int *out)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        NEED(is_digit(s[i]));
        value = value * 10 + (s[i] - '0');
    }
    *out = value;
    return 1;
}

static int
days_in(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
        return 29;
    return days[month - 1];
}

/* DATE_RE over s[0:10] and a date date.fromisoformat() takes (year 1 - 9999) */
static int
date_part(const char *s, int *y, int *m, int *d)
{
    NEED(s[4] == '-' && s[7] == '-');
    NEED(digits(s, 4, y) && digits(s + 5, 2, m) && digits(s + 8, 2, d));
    NEED(*y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in(*y, *m));
    return 1;
}

static int
date_text(PyObject *v)
{
    const char *s;
    Py_ssize_t n;
    int y, m, d;
    NEED(ascii(v, &s, &n) && n == 10);
    return date_part(s, &y, &m, &d);
}

typedef struct {
    int year, month, day, hour, minute, second, micro;
} moment;

/* _valid_time: TIMESTAMP_RE (YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|+00:00)) and a time
 * datetime.fromisoformat() takes */
static int
time_text(PyObject *v, moment *t)
{
    const char *s;
    Py_ssize_t n;
    NEED(ascii(v, &s, &n) && n >= 20 && n <= 40);
    NEED(date_part(s, &t->year, &t->month, &t->day));
    NEED(s[10] == 'T' && s[13] == ':' && s[16] == ':');
    NEED(digits(s + 11, 2, &t->hour) && digits(s + 14, 2, &t->minute) &&
         digits(s + 17, 2, &t->second));
    NEED(t->hour <= 23 && t->minute <= 59 && t->second <= 59);
    Py_ssize_t i = 19;
    t->micro = 0;
    if (s[i] == '.') {
        int k = 0;
        for (i++; i < n && is_digit(s[i]) && k < 7; i++, k++)
            t->micro = t->micro * 10 + (s[i] - '0');
        NEED(k >= 1 && k <= 6);
        for (; k < 6; k++)
            t->micro *= 10;
    }
    Py_ssize_t rest = n - i;
    NEED((rest == 1 && s[i] == 'Z') || (rest == 6 && memcmp(s + i, "+00:00", 6) == 0));
    return 1;
}

static int
valid_time(PyObject *v)
{
    moment t;
    return time_text(v, &t);
}

/* an exact int within low..high */
static int
int_in(PyObject *v, long long low, long long high, long long *out)
{
    NEED(PyLong_CheckExact(v));
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (value == -1 && PyErr_Occurred())
        return -1;
    NEED(!overflow && value >= low && value <= high);
    *out = value;
    return 1;
}

/* _money: {"minor": int, "currency": currency} and nothing else, minor in low..MAX_MINOR */
static int
money(PyObject *v, PyObject *currency, long long low, long long *out)
{
    NEED(v != NULL && PyDict_CheckExact(v) && PyDict_GET_SIZE(v) == 2);
    PyObject *cur = get(v, K_currency);
    NEED(cur != NULL && PyUnicode_CheckExact(cur));
    NEED(cur == currency || PyUnicode_Compare(cur, currency) == 0);
    PyObject *minor = get(v, K_minor);
    NEED(minor != NULL);
    return int_in(minor, low, MAX_MINOR, out);
}

/* money that is zero */
static int
zero(PyObject *v, PyObject *currency)
{
    long long value;
    TRY(money(v, currency, 0, &value));
    return value == 0;
}

/* a checked VAT class: its code and rate (their str objects, borrowed) and the rate as
 * numerator / 10**scale */
typedef struct {
    PyObject *code, *rate;
    int exempt;
    long long numerator, denominator;
    long long total, vat; /* the sale's lines of this class, added up */
    int seen;                    /* a VAT row named it */
} vat_class;

/* _vat_class: code VAT_CODE_RE, rate DECIMAL_RE in its shortest form (decimal_text), at
 * most 100, zero when exempt */
static int
class_of(PyObject *row, vat_class *c)
{
    PyObject *code = get(row, K_code), *rate = get(row, K_rate), *exempt = get(row, K_exempt);
    NEED(code != NULL && rate != NULL && exempt != NULL);
    NEED(exempt == Py_True || exempt == Py_False);
    NEED(alnum_text(code, 8, 0));
    const char *s;
    Py_ssize_t n;
    NEED(ascii(rate, &s, &n) && n >= 1 && n <= 16);
    Py_ssize_t i = 0;
    long long whole = 0, fraction = 0, scale = 1;
    for (; i < n && is_digit(s[i]); i++)
        whole = whole * 10 + (s[i] - '0');
    NEED(i >= 1 && i <= 9 && (i == 1 || s[0] != '0')); /* "016" is not shortest */
    if (i < n) {
        NEED(s[i] == '.');
        Py_ssize_t k = 0;
        for (i++; i < n && is_digit(s[i]); i++, k++) {
            fraction = fraction * 10 + (s[i] - '0');
            scale *= 10;
        }
        NEED(i == n && k >= 1 && k <= 6 && s[n - 1] != '0'); /* "16.50" is not shortest */
    }
    long long numerator = whole * scale + fraction;
    NEED(numerator <= 100 * scale);
    NEED(!(exempt == Py_True && numerator != 0));
    c->code = code;
    c->rate = rate;
    c->exempt = exempt == Py_True;
    c->numerator = numerator;
    c->denominator = scale;
    return 1;
}

/* vat_in: half up (away from zero) of gross * p / (100 q + p) */
static long long
vat_in(long long gross, const vat_class *c)
{
    if (c->exempt || c->numerator == 0)
        return 0;
    wide divisor = (wide)100 * c->denominator + c->numerator;
    wide magnitude = (2 * (wide)(gross < 0 ? -gross : gross) * c->numerator + divisor) /
                     (2 * divisor);
    return gross >= 0 ? (long long)magnitude : -(long long)magnitude;
}

static int
same_text(PyObject *a, PyObject *b)
{
    return a == b || PyUnicode_Compare(a, b) == 0;
}

/* are the exact str items of ids (n of them) all different? */
static int
distinct(PyObject **ids, Py_ssize_t n)
{
    if (n <= SMALL) {
        for (Py_ssize_t i = 0; i < n; i++)
            for (Py_ssize_t j = 0; j < i; j++)
                if (same_text(ids[i], ids[j]))
                    return 0;
        return 1;
    }
    PyObject *set = PySet_New(NULL);
    if (set == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PySet_Add(set, ids[i]) < 0) {
            Py_DECREF(set);
            return -1;
        }
    }
    int all = PySet_GET_SIZE(set) == n;
    Py_DECREF(set);
    return all;
}

typedef struct {
    vat_class classes[MAX_CLASSES];
    int count;
    long long gross, total;
} sale_lines;

/* _line: one line without a discount, added to its class */
static int
line(PyObject *ln, PyObject *currency, sale_lines *out, PyObject **line_id)
{
    NEED(PyDict_CheckExact(ln) && PyDict_GET_SIZE(ln) == 16);
    PyObject *v;
    long long quantity, gross, unit, total, net, vat, ignored;
    NEED((v = get(ln, K_quantity)) != NULL);
    TRY(int_in(v, 1, MAX_QUANTITY, &quantity));
    TRY(money(get(ln, K_gross), currency, 0, &gross));
    TRY(money(get(ln, K_unit_price), currency, 0, &unit));
    NEED((wide)unit * quantity == gross);
    NEED((v = get(ln, K_discount)) != NULL && v == Py_None);
    TRY(zero(get(ln, K_line_discount), currency));
    TRY(zero(get(ln, K_order_discount), currency));
    TRY(money(get(ln, K_total), currency, 0, &total));
    NEED(total == gross);
    PyObject *row = get(ln, K_vat_class);
    NEED(row != NULL && PyDict_CheckExact(row) && PyDict_GET_SIZE(row) == 3);
    vat_class c;
    TRY(class_of(row, &c));
    TRY(money(get(ln, K_net), currency, 0, &net));
    TRY(money(get(ln, K_vat), currency, 0, &vat));
    NEED(net + vat == total);
    NEED(!(vat && (c.exempt || c.numerator == 0)));
    NEED((*line_id = get(ln, K_line_id)) != NULL);
    TRY(uuid_text(*line_id, 0));
    NEED((v = get(ln, K_product_id)) != NULL);
    if (v != Py_None)
        TRY(int_in(v, 1, MAX_SEQ, &ignored));
    NEED((v = get(ln, K_sku)) != NULL && text(v, 64, 1));
    NEED((v = get(ln, K_barcode)) != NULL && (v == Py_None || text(v, 32, 1)));
    NEED((v = get(ln, K_name)) != NULL && text(v, 200, 1));
    TRY(money(get(ln, K_list_price), currency, 0, &ignored));
    /* by its class: one code has one rate */
    int i = 0;
    for (; i < out->count; i++)
        if (same_text(out->classes[i].code, c.code))
            break;
    if (i == out->count) {
        NEED(out->count < MAX_CLASSES);
        c.total = c.vat = 0;
        c.seen = 0;
        out->classes[out->count++] = c;
    }
    else {
        vat_class *known = &out->classes[i];
        NEED(known->exempt == c.exempt && same_text(known->rate, c.rate));
    }
    out->classes[i].total += total;
    out->classes[i].vat += vat;
    out->gross += gross;
    out->total += total;
    return 1;
}

/* _tender: one tender in the sale's currency */
static int
tender(PyObject *p, PyObject *currency, long long *tendered, long long *change, PyObject **id)
{
    NEED(PyDict_CheckExact(p) && PyDict_GET_SIZE(p) == 10);
    PyObject *v;
    long long amount;
    NEED((v = get(p, K_foreign)) != NULL && v == Py_None);
    TRY(money(get(p, K_amount), currency, 0, &amount));
    TRY(money(get(p, K_tendered), currency, 0, tendered));
    TRY(money(get(p, K_change), currency, 0, change));
    NEED(*tendered == amount + *change);
    NEED((*id = get(p, K_payment_id)) != NULL);
    TRY(id_text(*id, 64, 1));
    NEED((v = get(p, K_method)) != NULL);
    TRY(code_text(v));
    NEED((v = get(p, K_at)) != NULL);
    TRY(valid_time(v));
    NEED((v = get(p, K_reference)) != NULL && text(v, 80, 0));
    NEED((v = get(p, K_payer_masked)) != NULL);
    if (v != Py_None)
        TRY(free_text(v, 80));
    PyObject *details = get(p, K_details);
    NEED(details != NULL && PyDict_CheckExact(details) && PyDict_GET_SIZE(details) <= 50);
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(details, &pos, &key, &value)) {
        TRY(code_text(key));
        TRY(free_text(value, 200));
    }
    return 1;
}

/* _totals and the VAT rows against the lines' classes */
static int
totals(PyObject *t, PyObject *currency, sale_lines *lines, long long *total)
{
    NEED(t != NULL && PyDict_CheckExact(t) && PyDict_GET_SIZE(t) == 7);
    long long gross, vat_total;
    TRY(money(get(t, K_gross), currency, 0, &gross));
    TRY(money(get(t, K_total), currency, 0, total));
    TRY(money(get(t, K_vat_total), currency, 0, &vat_total));
    TRY(zero(get(t, K_line_discounts), currency));
    TRY(zero(get(t, K_order_discounts), currency));
    TRY(zero(get(t, K_discounts), currency));
    NEED(*total == gross && gross == lines->gross && *total == lines->total);
    PyObject *rows = get(t, K_vat);
    NEED(rows != NULL && PyList_CheckExact(rows));
    Py_ssize_t n = PyList_GET_SIZE(rows);
    NEED(n <= 50 && n == lines->count);
    long long vat_sum = 0;
    for (Py_ssize_t r = 0; r < n; r++) {
        PyObject *row = PyList_GET_ITEM(rows, r);
        NEED(PyDict_CheckExact(row) && PyDict_GET_SIZE(row) == 6);
        vat_class c;
        long long row_gross, row_net, row_vat;
        TRY(class_of(row, &c));
        TRY(money(get(row, K_gross), currency, -MAX_MINOR, &row_gross));
        TRY(money(get(row, K_net), currency, -MAX_MINOR, &row_net));
        TRY(money(get(row, K_vat), currency, -MAX_MINOR, &row_vat));
        NEED(row_net + row_vat == row_gross && row_vat == vat_in(row_gross, &c));
        vat_class *known = NULL;
        for (int i = 0; i < lines->count; i++)
            if (same_text(lines->classes[i].code, c.code))
                known = &lines->classes[i];
        NEED(known != NULL && !known->seen);
        NEED(known->exempt == c.exempt && same_text(known->rate, c.rate));
        NEED(known->total == row_gross && known->vat == row_vat);
        known->seen = 1;
        vat_sum += row_vat;
    }
    NEED(vat_total == vat_sum);
    return 1;
}

/* _body: a sale without discounts or foreign tenders, its receipt number under prefix */
static int
body(PyObject *b, const char *prefix, Py_ssize_t prefix_len)
{
    NEED(b != NULL && PyDict_CheckExact(b) && PyDict_GET_SIZE(b) == 15);
    PyObject *currency = get(b, K_currency), *v;
    const char *s;
    Py_ssize_t n;
    NEED(currency != NULL && ascii(currency, &s, &n) && n == 3);
    NEED(is_upper(s[0]) && is_upper(s[1]) && is_upper(s[2]));
    PyObject *raw_lines = get(b, K_lines);
    NEED(raw_lines != NULL && PyList_CheckExact(raw_lines));
    Py_ssize_t count = PyList_GET_SIZE(raw_lines);
    NEED(count >= 1 && count <= MAX_ITEMS);
    NEED((v = get(b, K_order_discounts)) != NULL && PyList_CheckExact(v) &&
         PyList_GET_SIZE(v) == 0);
    sale_lines lines;
    lines.count = 0;
    lines.gross = lines.total = 0;
    PyObject *small_ids[SMALL];
    PyObject **ids = count <= SMALL ? small_ids : PyMem_Malloc(count * sizeof(PyObject *));
    if (ids == NULL)
        return (PyErr_NoMemory(), -1);
    int good = 1;
    for (Py_ssize_t i = 0; i < count && good == 1; i++)
        good = line(PyList_GET_ITEM(raw_lines, i), currency, &lines, &ids[i]);
    if (good == 1)
        good = distinct(ids, count);
    if (ids != small_ids)
        PyMem_Free(ids);
    if (good != 1)
        return good;
    long long total, tendered_sum = 0, change_sum = 0, change, rounding;
    TRY(totals(get(b, K_totals), currency, &lines, &total));
    PyObject *pays = get(b, K_payments);
    NEED(pays != NULL && PyList_CheckExact(pays) && PyList_GET_SIZE(pays) <= 100);
    Py_ssize_t tenders = PyList_GET_SIZE(pays);
    PyObject *pay_ids[100];
    for (Py_ssize_t i = 0; i < tenders; i++) {
        long long tendered, tender_change;
        TRY(tender(PyList_GET_ITEM(pays, i), currency, &tendered, &tender_change, &pay_ids[i]));
        tendered_sum += tendered;
        change_sum += tender_change;
    }
    TRY(distinct(pay_ids, tenders));
    TRY(money(get(b, K_change), currency, 0, &change));
    NEED(change == change_sum);
    PyObject *customer = get(b, K_customer);
    NEED(customer != NULL);
    if (customer != Py_None) {
        NEED(PyDict_CheckExact(customer) && PyDict_GET_SIZE(customer) == 2);
        NEED((v = get(customer, K_tax_pin)) != NULL);
        if (v != Py_None)
            TRY(alnum_text(v, 20, 1));
        NEED((v = get(customer, K_name)) != NULL);
        if (v != Py_None)
            TRY(free_text(v, 60));
    }
    NEED((v = get(b, K_sale_id)) != NULL);
    TRY(uuid_text(v, 1));
    NEED((v = get(b, K_receipt_number)) != NULL && ascii(v, &s, &n) && n <= 100);
    NEED(n > prefix_len && n - prefix_len <= 12 && memcmp(s, prefix, prefix_len) == 0);
    for (Py_ssize_t i = prefix_len; i < n; i++)
        NEED(is_digit(s[i]));
    NEED((v = get(b, K_business_date)) != NULL);
    TRY(date_text(v));
    NEED((v = get(b, K_opened_at)) != NULL);
    TRY(valid_time(v));
    NEED((v = get(b, K_closed_at)) != NULL);
    TRY(valid_time(v));
    NEED((v = get(b, K_cashier_id)) != NULL);
    TRY(uuid_text(v, 0));
    NEED((v = get(b, K_opened_by)) != NULL);
    TRY(uuid_text(v, 0));
    TRY(money(get(b, K_rounding), currency, -MAX_MINOR, &rounding));
    NEED(tendered_sum - change == total + rounding); /* a completed sale is paid exactly */
    return 1;
}

/* _header's checks; the header's values into out (borrowed, created_at new) */
static int
header(PyObject *d, PyObject *version, PyObject *type, PyObject **out, moment *created)
{
    PyObject *v;
    NEED((v = get(d, K_version)) != NULL && PyUnicode_CheckExact(v) && same_text(v, version));
    NEED((v = get(d, K_type)) != NULL && PyUnicode_CheckExact(v) && same_text(v, type));
    NEED((out[5] = get(d, K_training)) != NULL);
    NEED(out[5] == Py_True || out[5] == Py_False);
    NEED((out[0] = get(d, K_event_id)) != NULL);
    TRY(uuid_text(out[0], 1));
    NEED((out[1] = get(d, K_store_id)) != NULL);
    TRY(id_text(out[1], 40, 0));
    NEED((out[2] = get(d, K_terminal_id)) != NULL);
    TRY(id_text(out[2], 40, 0));
    long long seq;
    NEED((out[3] = get(d, K_seq)) != NULL);
    TRY(int_in(out[3], 1, MAX_SEQ, &seq));
    NEED((v = get(d, K_created_at)) != NULL);
    TRY(time_text(v, created));
    const char *s;
    Py_ssize_t n;
    NEED((out[6] = get(d, K_hash)) != NULL && ascii(out[6], &s, &n) && n == 71);
    NEED(memcmp(s, "sha256:", 7) == 0);
    for (int i = 7; i < 71; i++)
        NEED(is_hex(s[i]));
    return 1;
}

PyDoc_STRVAR(check_doc,
"check(document, envelope_keys, version, sale_type)\n--\n\n"
"(event_id, store_id, terminal_id, seq, created_at, training, hash, body) when document\n"
"is a good plain sale.completed as tills write it (its content hash not compared); None\n"
"when it is anything else or in any doubt (then quick.py's own check decides).");

static PyObject *
check(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyUnicode_CheckExact(args[2]) || !PyUnicode_CheckExact(args[3])) {
        PyErr_SetString(PyExc_TypeError, "check(document, envelope_keys, version, sale_type)");
        return NULL;
    }
    PyObject *d = args[0];
    Py_ssize_t envelope = PyLong_AsSsize_t(args[1]);
    if (envelope == -1 && PyErr_Occurred())
        return NULL;
    if (!PyDict_CheckExact(d) || PyDict_GET_SIZE(d) != envelope)
        Py_RETURN_NONE;
    PyObject *h[7];
    moment t;
    int good = header(d, args[2], args[3], h, &t);
    PyObject *b = NULL;
    if (good == 1) {
        /* the receipt number's prefix: "{store_id}-{terminal_id}-" (both ASCII, checked) */
        char prefix[84];
        Py_ssize_t ns = PyUnicode_GET_LENGTH(h[1]), nt = PyUnicode_GET_LENGTH(h[2]);
        memcpy(prefix, PyUnicode_DATA(h[1]), ns);
        prefix[ns] = '-';
        memcpy(prefix + ns + 1, PyUnicode_DATA(h[2]), nt);
        prefix[ns + nt + 1] = '-';
        b = get(d, K_body);
        good = b == NULL ? 0 : body(b, prefix, ns + nt + 2);
    }
    if (good < 0 || PyErr_Occurred())
        return NULL;
    if (good == 0)
        Py_RETURN_NONE;
    PyObject *created = PyDateTimeAPI->DateTime_FromDateAndTime(
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.micro, PyDateTime_TimeZone_UTC,
        PyDateTimeAPI->DateTimeType);
    if (created == NULL)
        return NULL;
    PyObject *result = PyTuple_Pack(8, h[0], h[1], h[2], h[3], created, h[5], h[6], b);
    Py_DECREF(created);
    return result;
}

PyDoc_STRVAR(init_doc,
"init(digit_run_search)\n--\n\n"
"Give the kernel DIGIT_RUN_RE.search, for free text that is not ASCII.");

static PyObject *
init(PyObject *self, PyObject *search)
{
    if (!PyCallable_Check(search)) {
        PyErr_SetString(PyExc_TypeError, "init(digit_run_search): a callable");
        return NULL;
    }
    Py_INCREF(search);
    Py_XSETREF(digit_run_search, search);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"check", (PyCFunction)(void (*)(void))check, METH_FASTCALL, check_doc},
    {"init", init, METH_O, init_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_quickc",
    "The quick sale check in C (see quick.py); check() is None until init() was called.",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__quickc(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    for (int i = 0; i < K_COUNT; i++) {
        keys[i] = PyUnicode_InternFromString(key_names[i]);
        if (keys[i] == NULL)
            return NULL;
    }
    return PyModule_Create(&module);
}
