/*
 * A batch's sale lines, VAT rows and payments as PostgreSQL COPY text, in C: the second
 * half of the head office's native ingest kernel (the first is sync/protocol/_quickc.c).
 *
 * bulk.copy_sales reads each sale's body into three kinds of rows and psycopg writes them
 * by COPY, a tuple and a write_row call per row: about five rows an event, built and
 * formatted in Python. sale_rows() reads the same fields of the same bodies and writes the
 * rows straight into COPY's text format (tab between columns, \N for none, backslash,
 * tab, newline, carriage return, backspace, form feed and vertical tab escaped), which
 * bulk.py sends with one write per table.
 *
 * copy_rows() does the same for rows already built as tuples (the batch's ledger events
 * and sales): their str, int, bool, None, date and datetime values as psycopg's text
 * dumpers write them, and one column of documents as JSON text.
 *
 * It answers None, and bulk.py builds the tuples as before, for anything it was not
 * written for: a value of another type than the protocol's (str, int, bool), text with a
 * NUL or a lone surrogate (psycopg refuses those with its own error). So the rows that
 * reach the tables are the same either way; tests/server/test_sale_rows_native.py copies
 * both into PostgreSQL and compares what the database holds.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    char *data;
    Py_ssize_t size, room;
} buffer;

static int
grow(buffer *b, Py_ssize_t more)
{
    if (b->size + more <= b->room)
        return 1;
    Py_ssize_t room = b->room ? b->room : 4096;
    while (room < b->size + more)
        room *= 2;
    char *data = PyMem_Realloc(b->data, room);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->room = room;
    return 1;
}

static int
put(buffer *b, const char *s, Py_ssize_t n)
{
    if (grow(b, n) < 0)
        return -1;
    memcpy(b->data + b->size, s, n);
    b->size += n;
    return 1;
}

static int
put_char(buffer *b, char c)
{
    return put(b, &c, 1);
}

static int
put_int(buffer *b, long long value)
{
    char text[24];
    int n = 0;
    unsigned long long magnitude = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    do {
        text[sizeof text - 1 - n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        text[sizeof text - 1 - n++] = '-';
    return put(b, text + sizeof text - n, n);
}

/* 1 written, 0 not a value this writes (the caller answers None), -1 a Python error */
static int
put_text(buffer *b, PyObject *v)
{
    if (!PyUnicode_CheckExact(v))
        return 0;
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(v, &n);
    if (s == NULL) {  /* a lone surrogate: psycopg says what is wrong */
        PyErr_Clear();
        return 0;
    }
    if (grow(b, 2 * n) < 0)
        return -1;
    char *out = b->data + b->size;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        char escaped = 0;
        switch (c) {
        case '\0': return 0;
        case '\\': escaped = '\\'; break;
        case '\b': escaped = 'b'; break;
        case '\t': escaped = 't'; break;
        case '\n': escaped = 'n'; break;
        case '\v': escaped = 'v'; break;
        case '\f': escaped = 'f'; break;
        case '\r': escaped = 'r'; break;
        }
        if (escaped) {
            *out++ = '\\';
            *out++ = escaped;
        }
        else {
            *out++ = c;
        }
    }
    b->size = out - b->data;
    return 1;
}

static int
put_exact_int(buffer *b, PyObject *v)
{
    if (!PyLong_CheckExact(v))
        return 0;
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (value == -1 && PyErr_Occurred())
        return -1;
    if (overflow)
        return 0;
    return put_int(b, value);
}

static PyObject *key_minor, *key_line_id, *key_sku, *key_name, *key_quantity, *key_unit_price, *key_total,
    *key_vat_class, *key_code, *key_rate, *key_net, *key_vat, *key_exempt, *key_gross,
    *key_payment_id, *key_method, *key_amount, *key_tendered, *key_change, *key_reference,
    *key_lines, *key_totals, *key_payments;

/* bulk._money: value["minor"] when value is a (non-empty) dict, 0 when it is None */
static int
put_money(buffer *b, PyObject *v)
{
    if (v == Py_None)
        return put_char(b, '0');
    if (!PyDict_CheckExact(v) || PyDict_GET_SIZE(v) == 0)
        return 0;
    PyObject *minor = PyDict_GetItemWithError(v, key_minor);
    if (minor == NULL)
        return PyErr_Occurred() ? -1 : 0;
    return put_exact_int(b, minor);
}

#define TRY(expr) do { int r_ = (expr); if (r_ <= 0) return r_; } while (0)



static PyObject *
item(PyObject *d, PyObject *key)
{
    return PyDict_CheckExact(d) ? PyDict_GetItemWithError(d, key) : NULL;
}

/* a column: tab, then the value */
static int
column(buffer *b, int (*write)(buffer *, PyObject *), PyObject *v)
{
    if (v == NULL)
        return PyErr_Occurred() ? -1 : 0;
    TRY(put_char(b, '\t'));
    return write(b, v);
}

static int
put_bool(buffer *b, PyObject *v)
{
    if (v == Py_True)
        return put_char(b, 't');
    if (v == Py_False)
        return put_char(b, 'f');
    return 0;
}

/* bulk.copy_sales's rows of one sale body under the sale's id pk */
static int
sale(buffer *lines, buffer *vat, buffer *pays, long long pk, PyObject *body)
{
    PyObject *list = item(body, key_lines);
    if (list == NULL || !PyList_CheckExact(list))
        return 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *ln = PyList_GET_ITEM(list, i);
        PyObject *vc = item(ln, key_vat_class);
        if (vc == NULL)
            return 0;
        TRY(put_int(lines, pk));
        TRY(column(lines, put_text, item(ln, key_line_id)));
        TRY(column(lines, put_text, item(ln, key_sku)));
        TRY(column(lines, put_text, item(ln, key_name)));
        TRY(column(lines, put_exact_int, item(ln, key_quantity)));
        TRY(column(lines, put_money, item(ln, key_unit_price)));
        TRY(column(lines, put_money, item(ln, key_total)));
        TRY(column(lines, put_text, item(vc, key_code)));
        TRY(column(lines, put_text, item(vc, key_rate)));
        TRY(column(lines, put_money, item(ln, key_net)));
        TRY(column(lines, put_money, item(ln, key_vat)));
        TRY(put_char(lines, '\n'));
    }
    PyObject *totals = item(body, key_totals);
    list = totals == NULL ? NULL : item(totals, key_vat);
    if (list == NULL || !PyList_CheckExact(list))
        return 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *v = PyList_GET_ITEM(list, i);
        TRY(put_int(vat, pk));
        TRY(column(vat, put_text, item(v, key_code)));
        TRY(column(vat, put_text, item(v, key_rate)));
        TRY(column(vat, put_bool, item(v, key_exempt)));
        TRY(column(vat, put_money, item(v, key_gross)));
        TRY(column(vat, put_money, item(v, key_net)));
        TRY(column(vat, put_money, item(v, key_vat)));
        TRY(put_char(vat, '\n'));
    }
    list = item(body, key_payments);
    if (list == NULL || !PyList_CheckExact(list))
        return 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *p = PyList_GET_ITEM(list, i);
        TRY(put_int(pays, pk));
        TRY(column(pays, put_text, item(p, key_payment_id)));
        TRY(column(pays, put_text, item(p, key_method)));
        TRY(column(pays, put_money, item(p, key_amount)));
        TRY(column(pays, put_money, item(p, key_tendered)));
        TRY(column(pays, put_money, item(p, key_change)));
        /* p.get("reference") or "" */
        if (!PyDict_CheckExact(p))
            return 0;
        PyObject *reference = PyDict_GetItemWithError(p, key_reference);
        if (reference == NULL && PyErr_Occurred())
            return -1;
        TRY(put_char(pays, '\t'));
        if (reference != NULL && reference != Py_None) {
            if (!PyUnicode_CheckExact(reference))
                return 0;
            TRY(put_text(pays, reference));
        }
        TRY(put_char(pays, '\n'));
    }
    return 1;
}

static int
put_digits(buffer *b, int value, int width)
{
    char text[8];
    for (int i = width - 1; i >= 0; i--, value /= 10)
        text[i] = (char)('0' + value % 10);
    return put(b, text, width);
}

static int
put_date(buffer *b, PyObject *v)
{
    TRY(put_digits(b, PyDateTime_GET_YEAR(v), 4));
    TRY(put_char(b, '-'));
    TRY(put_digits(b, PyDateTime_GET_MONTH(v), 2));
    TRY(put_char(b, '-'));
    return put_digits(b, PyDateTime_GET_DAY(v), 2);
}

/* psycopg's text form: "YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM[:SS]]" (a naive one without
 * an offset, which PostgreSQL reads in the session's zone, as from psycopg) */
static int
put_datetime(buffer *b, PyObject *v)
{
    TRY(put_date(b, v));
    TRY(put_char(b, ' '));
    TRY(put_digits(b, PyDateTime_DATE_GET_HOUR(v), 2));
    TRY(put_char(b, ':'));
    TRY(put_digits(b, PyDateTime_DATE_GET_MINUTE(v), 2));
    TRY(put_char(b, ':'));
    TRY(put_digits(b, PyDateTime_DATE_GET_SECOND(v), 2));
    int micro = PyDateTime_DATE_GET_MICROSECOND(v);
    if (micro) {
        TRY(put_char(b, '.'));
        TRY(put_digits(b, micro, 6));
    }
    PyObject *tz = PyDateTime_DATE_GET_TZINFO(v);
    if (tz == Py_None)
        return 1;
    if (tz == PyDateTime_TimeZone_UTC)
        return put(b, "+00:00", 6);
    PyObject *offset = PyObject_CallMethod(v, "utcoffset", NULL);
    if (offset == NULL)
        return -1;
    if (!PyDelta_Check(offset)) {
        Py_DECREF(offset);
        return 0;
    }
    long long seconds = (long long)PyDateTime_DELTA_GET_DAYS(offset) * 86400 +
                        PyDateTime_DELTA_GET_SECONDS(offset);
    int micros = PyDateTime_DELTA_GET_MICROSECONDS(offset);
    Py_DECREF(offset);
    if (micros)
        return 0; /* an offset with microseconds: psycopg's own way */
    TRY(put_char(b, seconds < 0 ? '-' : '+'));
    if (seconds < 0)
        seconds = -seconds;
    TRY(put_digits(b, (int)(seconds / 3600), 2));
    TRY(put_char(b, ':'));
    TRY(put_digits(b, (int)(seconds / 60 % 60), 2));
    if (seconds % 60) {
        TRY(put_char(b, ':'));
        TRY(put_digits(b, (int)(seconds % 60), 2));
    }
    return 1;
}

/* one value of a row: None, bool, int, str, datetime, date; 0 for any other */
static int
put_value(buffer *b, PyObject *v)
{
    if (v == Py_None)
        return put(b, "\\N", 2);
    if (v == Py_True || v == Py_False)
        return put_bool(b, v);
    if (PyLong_CheckExact(v))
        return put_exact_int(b, v);
    if (PyUnicode_CheckExact(v))
        return put_text(b, v);
    if (PyDateTime_CheckExact(v))
        return put_datetime(b, v);
    if (PyDate_CheckExact(v))
        return put_date(b, v);
    return 0;
}

/* JSON text as orjson encoded it (UTF-8 bytes, every control character escaped, so no
 * tab, newline, carriage return or NUL in it): only its backslashes need doubling for COPY
 * text; the runs between them are copied whole */
static int
put_json_bytes(buffer *b, PyObject *v)
{
    const char *s = PyBytes_AS_STRING(v), *end = s + PyBytes_GET_SIZE(v);
    if (grow(b, 2 * PyBytes_GET_SIZE(v)) < 0)
        return -1;
    char *out = b->data + b->size;
    while (s < end) {
        const char *slash = memchr(s, '\\', end - s);
        const char *stop = slash ? slash : end;
        memcpy(out, s, stop - s);
        out += stop - s;
        if (slash == NULL)
            break;
        *out++ = '\\';
        *out++ = '\\';
        s = slash + 1;
    }
    b->size = out - b->data;
    return 1;
}

static int
put_row(buffer *b, PyObject *id, PyObject *row, Py_ssize_t json_column, PyObject *json_text,
        PyObject *ready)
{
    if (!PyTuple_Check(row))
        return 0;
    int first = 1;
    if (id != NULL) {
        TRY(put_value(b, id));
        first = 0;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(row); i++, first = 0) {
        if (!first)
            TRY(put_char(b, '\t'));
        PyObject *v = PyTuple_GET_ITEM(row, i);
        if (i == json_column && ready != NULL && PyBytes_CheckExact(ready)) {
            TRY(put_json_bytes(b, ready));
        }
        else if (i == json_column) {
            PyObject *text = PyObject_CallOneArg(json_text, v);
            if (text == NULL)
                return -1;
            int done = put_text(b, text);
            Py_DECREF(text);
            TRY(done);
        }
        else {
            TRY(put_value(b, v));
        }
    }
    return put_char(b, '\n');
}

/* ---- binary COPY (PostgreSQL's "COPY ... (FORMAT binary)": big-endian, each field its
 * length then its bytes); PostgreSQL reads these without parsing text, which for the ledger
 * event's times, ids and numbers saved about a tenth of its COPY's CPU (8 Dec 2026) */

static int
put_be(buffer *b, unsigned long long value, int bytes)
{
    char text[8];
    for (int i = bytes - 1; i >= 0; i--, value >>= 8)
        text[i] = (char)(value & 0xff);
    return put(b, text, bytes);
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* days from 2000-01-01 to y-m-d (proleptic Gregorian, as PostgreSQL counts) */
static long long
days_from_2000(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 - 10957; /* 1970-01-01 is day 719468; 2000 is 10957 later */
}

/* one field of a binary row: ``code`` says the column's type; 0 for a value that does
 * not fit it (the caller answers None and the rows go as text) */
static int
put_binary(buffer *b, char code, PyObject *v, PyObject *ready, PyObject *json_text)
{
    if (v == Py_None && code != 'j')
        return put_be(b, 0xffffffffULL, 4); /* NULL */
    switch (code) {
    case '8':
    case '4': {
        if (!PyLong_CheckExact(v))
            return 0;
        int overflow = 0;
        long long value = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (value == -1 && PyErr_Occurred())
            return -1;
        if (overflow || (code == '4' && (value < INT32_MIN || value > INT32_MAX)))
            return 0;
        int bytes = code == '8' ? 8 : 4;
        TRY(put_be(b, (unsigned long long)bytes, 4));
        return put_be(b, (unsigned long long)value, bytes);
    }
    case 'b':
        if (v != Py_True && v != Py_False)
            return 0;
        TRY(put_be(b, 1, 4));
        return put_char(b, v == Py_True ? 1 : 0);
    case 'v': {
        if (!PyUnicode_CheckExact(v))
            return 0;
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(v, &n);
        if (s == NULL) {
            PyErr_Clear();
            return 0;
        }
        if (memchr(s, '\0', n) != NULL || n > INT32_MAX)
            return 0;
        TRY(put_be(b, (unsigned long long)n, 4));
        return put(b, s, n);
    }
    case 'u': {
        const char *s;
        Py_ssize_t n;
        if (!PyUnicode_CheckExact(v) || !PyUnicode_IS_ASCII(v))
            return 0;
        s = (const char *)PyUnicode_DATA(v);
        n = PyUnicode_GET_LENGTH(v);
        if (n != 36)
            return 0;
        char raw[16];
        int k = 0;
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (s[i] != '-')
                    return 0;
                continue;
            }
            int hi = hex_value(s[i]), lo = hex_value(s[++i]);
            if (hi < 0 || lo < 0)
                return 0;
            raw[k++] = (char)(hi << 4 | lo);
        }
        if (k != 16)
            return 0;
        TRY(put_be(b, 16, 4));
        return put(b, raw, 16);
    }
    case 'D':
        if (!PyDate_CheckExact(v))
            return 0;
        TRY(put_be(b, 4, 4));
        return put_be(b, (unsigned long long)days_from_2000(PyDateTime_GET_YEAR(v),
                          PyDateTime_GET_MONTH(v), PyDateTime_GET_DAY(v)), 4);
    case 'T': {
        if (!PyDateTime_CheckExact(v))
            return 0;
        PyObject *tz = PyDateTime_DATE_GET_TZINFO(v);
        long long offset = 0;
        if (tz == Py_None)
            return 0; /* a naive time is read in the session's zone: as text */
        if (tz != PyDateTime_TimeZone_UTC) {
            PyObject *delta = PyObject_CallMethod(v, "utcoffset", NULL);
            if (delta == NULL)
                return -1;
            int fits = PyDelta_Check(delta) && PyDateTime_DELTA_GET_MICROSECONDS(delta) == 0;
            if (fits)
                offset = (long long)PyDateTime_DELTA_GET_DAYS(delta) * 86400 +
                         PyDateTime_DELTA_GET_SECONDS(delta);
            Py_DECREF(delta);
            if (!fits)
                return 0;
        }
        long long days = days_from_2000(PyDateTime_GET_YEAR(v), PyDateTime_GET_MONTH(v),
                                        PyDateTime_GET_DAY(v));
        long long seconds = days * 86400 + PyDateTime_DATE_GET_HOUR(v) * 3600LL +
                            PyDateTime_DATE_GET_MINUTE(v) * 60LL +
                            PyDateTime_DATE_GET_SECOND(v) - offset;
        long long micros = seconds * 1000000LL + PyDateTime_DATE_GET_MICROSECOND(v);
        TRY(put_be(b, 8, 4));
        return put_be(b, (unsigned long long)micros, 8);
    }
    case 'j': {
        /* jsonb: version 1, then the JSON text */
        PyObject *text = NULL;
        const char *s;
        Py_ssize_t n;
        if (ready != NULL && PyBytes_CheckExact(ready)) {
            s = PyBytes_AS_STRING(ready);
            n = PyBytes_GET_SIZE(ready);
        }
        else {
            text = PyObject_CallOneArg(json_text, v);
            if (text == NULL)
                return -1;
            if (!PyUnicode_CheckExact(text)) {
                Py_DECREF(text);
                return 0;
            }
            s = PyUnicode_AsUTF8AndSize(text, &n);
            if (s == NULL) {
                Py_DECREF(text);
                PyErr_Clear();
                return 0;
            }
        }
        int done = n < INT32_MAX ? put_be(b, (unsigned long long)n + 1, 4) : 0;
        if (done == 1)
            done = put_char(b, 1);
        if (done == 1)
            done = put(b, s, n);
        Py_XDECREF(text);
        return done;
    }
    }
    return 0;
}

PyDoc_STRVAR(copy_binary_doc,
"copy_binary(rows, types, ids=None, json_text=None, json_texts=None)\n--\n\n"
"The binary COPY data (header, rows, trailer) of rows (tuples), each after its id from ids\n"
"when given; types has a letter a column (ids' included): 8 bigint, 4 integer, b boolean,\n"
"v text, u uuid, D date, T timestamptz, j jsonb (json_texts[i] where that is bytes, else\n"
"json_text(value)). None for a value its column's letter does not take.");

static PyObject *
copy_binary(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"rows", "types", "ids", "json_text", "json_texts", NULL};
    PyObject *rows, *ids = Py_None, *json_text = Py_None, *json_texts = Py_None;
    const char *types;
    Py_ssize_t ntypes;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!y#|OOO", names, &PyList_Type, &rows,
                                     &types, &ntypes, &ids, &json_text, &json_texts))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(rows);
    if ((ids != Py_None && (!PyList_Check(ids) || PyList_GET_SIZE(ids) != count)) ||
        (json_texts != Py_None && (!PyList_Check(json_texts) || PyList_GET_SIZE(json_texts) != count)) ||
        (memchr(types, 'j', ntypes) != NULL && !PyCallable_Check(json_text)) || ntypes > 1600) {
        PyErr_SetString(PyExc_TypeError, "copy_binary: ids and json_texts must be lists as long "
                                         "as rows, json_text callable for a jsonb column");
        return NULL;
    }
    buffer out = {0};
    int good = put(&out, "PGCOPY\n\377\r\n\0", 11);
    if (good == 1)
        good = put_be(&out, 0, 8); /* flags, header extension length */
    Py_ssize_t offset = ids == Py_None ? 0 : 1;
    for (Py_ssize_t i = 0; i < count && good == 1; i++) {
        PyObject *row = PyList_GET_ITEM(rows, i);
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) + offset != ntypes) {
            good = 0;
            break;
        }
        good = put_be(&out, (unsigned long long)ntypes, 2);
        if (good == 1 && offset)
            good = put_binary(&out, types[0], PyList_GET_ITEM(ids, i), NULL, json_text);
        PyObject *ready = json_texts == Py_None ? NULL : PyList_GET_ITEM(json_texts, i);
        for (Py_ssize_t c = 0; c < PyTuple_GET_SIZE(row) && good == 1; c++)
            good = put_binary(&out, types[c + offset], PyTuple_GET_ITEM(row, c), ready, json_text);
    }
    if (good == 1)
        good = put_be(&out, 0xffff, 2); /* trailer */
    PyObject *result = NULL;
    if (good == 1)
        result = PyBytes_FromStringAndSize(out.data, out.size);
    else if (good == 0 && !PyErr_Occurred())
        result = Py_NewRef(Py_None);
    PyMem_Free(out.data);
    return result;
}

PyDoc_STRVAR(copy_rows_doc,
"copy_rows(rows, ids=None, json_column=-1, json_text=None, json_texts=None)\n--\n\n"
"The COPY text of rows (tuples), each after its id from ids when given, the value in\n"
"json_column written as json_texts[i] where that is bytes (JSON text already encoded),\n"
"else as json_text(value); None for a value it does not write.");

static PyObject *
copy_rows(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"rows", "ids", "json_column", "json_text", "json_texts", NULL};
    PyObject *rows, *ids = Py_None, *json_text = Py_None, *json_texts = Py_None;
    Py_ssize_t json_column = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!|OnOO", names, &PyList_Type, &rows, &ids,
                                     &json_column, &json_text, &json_texts))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(rows);
    if ((ids != Py_None && (!PyList_Check(ids) || PyList_GET_SIZE(ids) != count)) ||
        (json_texts != Py_None && (!PyList_Check(json_texts) || PyList_GET_SIZE(json_texts) != count)) ||
        (json_column >= 0 && !PyCallable_Check(json_text))) {
        PyErr_SetString(PyExc_TypeError, "copy_rows: ids and json_texts must be lists as long "
                                         "as rows, json_text callable when json_column is given");
        return NULL;
    }
    buffer out = {0};
    int good = 1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(rows) && good == 1; i++)
        good = put_row(&out, ids == Py_None ? NULL : PyList_GET_ITEM(ids, i),
                       PyList_GET_ITEM(rows, i), json_column, json_text,
                       json_texts == Py_None ? NULL : PyList_GET_ITEM(json_texts, i));
    PyObject *result = NULL;
    if (good == 1)
        result = PyBytes_FromStringAndSize(out.data ? out.data : "", out.size);
    else if (good == 0 && !PyErr_Occurred())
        result = Py_NewRef(Py_None);
    PyMem_Free(out.data);
    return result;
}

PyDoc_STRVAR(sale_rows_doc,
"sale_rows(ids, bodies)\n--\n\n"
"(lines, vat, payments): the COPY text of the sales' lines, VAT rows and payments, each\n"
"sale under its id, as bulk.copy_sales writes them; None for a value it does not write.");

static PyObject *
sale_rows(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyList_CheckExact(args[0]) || !PyList_CheckExact(args[1]) ||
        PyList_GET_SIZE(args[0]) != PyList_GET_SIZE(args[1])) {
        PyErr_SetString(PyExc_TypeError, "sale_rows(ids, bodies): two lists of one length");
        return NULL;
    }
    buffer lines = {0}, vat = {0}, pays = {0};
    int good = 1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(args[0]) && good == 1; i++) {
        PyObject *id = PyList_GET_ITEM(args[0], i);
        long long pk = PyLong_CheckExact(id) ? PyLong_AsLongLong(id) : -1;
        if (pk == -1 && PyErr_Occurred())
            good = -1;
        else if (pk < 0)
            good = 0;
        else
            good = sale(&lines, &vat, &pays, pk, PyList_GET_ITEM(args[1], i));
    }
    PyObject *result = NULL;
    if (good == 1) {
        result = Py_BuildValue("(y#y#y#)", lines.data ? lines.data : "", lines.size,
                               vat.data ? vat.data : "", vat.size,
                               pays.data ? pays.data : "", pays.size);
    }
    else if (good == 0 && !PyErr_Occurred()) {
        result = Py_NewRef(Py_None);
    }
    PyMem_Free(lines.data);
    PyMem_Free(vat.data);
    PyMem_Free(pays.data);
    return result;
}

static PyMethodDef methods[] = {
    {"sale_rows", (PyCFunction)(void (*)(void))sale_rows, METH_FASTCALL, sale_rows_doc},
    {"copy_rows", (PyCFunction)(void (*)(void))copy_rows, METH_VARARGS | METH_KEYWORDS,
     copy_rows_doc},
    {"copy_binary", (PyCFunction)(void (*)(void))copy_binary, METH_VARARGS | METH_KEYWORDS,
     copy_binary_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_rowsc", "A batch's sale rows as COPY text, in C (see bulk.py).",
    -1, methods,
};

#define KEY(name) if ((key_##name = PyUnicode_InternFromString(#name)) == NULL) return NULL

PyMODINIT_FUNC
PyInit__rowsc(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    KEY(minor); KEY(line_id); KEY(sku); KEY(name); KEY(quantity); KEY(unit_price); KEY(total);
    KEY(vat_class); KEY(code); KEY(rate); KEY(net); KEY(vat); KEY(exempt); KEY(gross);
    KEY(payment_id); KEY(method); KEY(amount); KEY(tendered); KEY(change); KEY(reference);
    KEY(lines); KEY(totals); KEY(payments);
    return PyModule_Create(&module);
}
