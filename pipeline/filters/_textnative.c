/* The quality stage's per-document text kernels in C: the same results as the Python definitions in
 * pipeline/filters/text.py (tests/test_textnative.py compares them on real text), one pass each instead of
 * Python loops. Built by `make native`, with _textcounts.c (the repetition measures), into
 * pipeline/filters/_textnative.so; text.py falls back to its Python code where the module is missing.
 *
 *   configure(special, unsegmented)  two byte tables over every code point (1 = special character /
 *                                    unsegmented script), kept for the process's lifetime
 *   words(text, chars)               split (on space/newline/tab, or per character of unsegmented scripts),
 *                                    strip special characters at both ends, drop empties
 *   edit_words(text, subs, max_len)  remove URL-ish and over-long words, re-join separators as ROOTS does
 *   char_repetition(text, n)         ROOTS's character repetition ratio (the 64-bit n-gram hash of text.py)
 *   word_repetition(words, n)        ROOTS's word repetition ratio (n-grams compared word by word: exact)
 *   special_ratio(text)              share of special characters
 *   lowered(words)                   [w.lower() for w in words], unchanged words not copied
 *   count_in(words, set)             how many words are in the set
 *   count_between(text, middle)      characters of `middle` with a space or tab on each side
 */
#include "_textnative.h"

static Py_buffer special_buf, unseg_buf;
static const unsigned char *SPECIAL = NULL, *UNSEG = NULL;
static Py_ssize_t LUT_LEN = 0;

static inline int is_special(Py_UCS4 c) { return (Py_ssize_t)c < LUT_LEN && SPECIAL[c]; }
static inline int is_unseg(Py_UCS4 c) { return (Py_ssize_t)c < LUT_LEN && UNSEG[c]; }
static inline int is_sep(Py_UCS4 c) { return c == ' ' || c == '\n' || c == '\t'; }

static int configured(void) {
    if (SPECIAL == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_textnative.configure(special, unsegmented) was not called");
        return 0;
    }
    return 1;
}

static PyObject *configure(PyObject *self, PyObject *args) {
    PyObject *sp, *us;
    Py_buffer a, b;
    if (!PyArg_ParseTuple(args, "OO", &sp, &us)) return NULL;
    if (PyObject_GetBuffer(sp, &a, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(us, &b, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&a);
        return NULL;
    }
    if (a.len != b.len || a.len < 0x110000) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        PyErr_SetString(PyExc_ValueError, "both tables need one byte per code point (0x110000)");
        return NULL;
    }
    if (SPECIAL != NULL) {
        PyBuffer_Release(&special_buf);
        PyBuffer_Release(&unseg_buf);
    }
    special_buf = a;
    unseg_buf = b;
    SPECIAL = (const unsigned char *)a.buf;
    UNSEG = (const unsigned char *)b.buf;
    LUT_LEN = a.len;
    Py_RETURN_NONE;
}

/* Append text[i:j] stripped of special characters at both ends, unless nothing is left. */
static int append_stripped(PyObject *list, PyObject *text, int kind, const void *data, Py_ssize_t i, Py_ssize_t j) {
    while (i < j && is_special(PyUnicode_READ(kind, data, i))) i++;
    while (j > i && is_special(PyUnicode_READ(kind, data, j - 1))) j--;
    if (i == j) return 0;
    PyObject *w = PyUnicode_Substring(text, i, j);
    if (w == NULL) return -1;
    int r = PyList_Append(list, w);
    Py_DECREF(w);
    return r;
}

static PyObject *words(PyObject *self, PyObject *args) {
    PyObject *text;
    int chars;
    if (!PyArg_ParseTuple(args, "Up", &text, &chars) || !configured()) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    while (i < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_ssize_t s = i;
        if (!chars) {  /* text.py: _WS_SPLIT, a run of anything but space, newline and tab */
            if (is_sep(c)) { i++; continue; }
            while (i < n && !is_sep(PyUnicode_READ(kind, data, i))) i++;
        } else if (is_unseg(c)) {  /* text.py: _CHAR_SPLIT, one character of an unsegmented script ... */
            i++;
        } else if (Py_UNICODE_ISSPACE(c)) {  /* (re's \s in a str pattern is Py_UNICODE_ISSPACE) */
            i++;
            continue;
        } else {  /* ... or a run of anything else but whitespace */
            while (i < n) {
                c = PyUnicode_READ(kind, data, i);
                if (is_unseg(c) || Py_UNICODE_ISSPACE(c)) break;
                i++;
            }
        }
        if (append_stripped(out, text, kind, data, s, i) < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

/* Does text[i:j] contain `sub`? (`sub in word` on a stripped word) */
static int contains(int kind, const void *data, Py_ssize_t i, Py_ssize_t j, PyObject *sub) {
    Py_ssize_t m = PyUnicode_GET_LENGTH(sub);
    if (m == 0) return 1;
    int sk = PyUnicode_KIND(sub);
    const void *sd = PyUnicode_DATA(sub);
    Py_UCS4 first = PyUnicode_READ(sk, sd, 0);
    for (Py_ssize_t p = i; p + m <= j; p++) {
        if (PyUnicode_READ(kind, data, p) != first) continue;
        Py_ssize_t q = 1;
        while (q < m && PyUnicode_READ(kind, data, p + q) == PyUnicode_READ(sk, sd, q)) q++;
        if (q == m) return 1;
    }
    return 0;
}

static Py_UCS4 stronger(Py_UCS4 a, Py_UCS4 b) {  /* newline, else tab, else space */
    if (a == '\n' || b == '\n') return '\n';
    if (a == '\t' || b == '\t') return '\t';
    return ' ';
}

/* text.py's _blank_words (URL-ish words, then over-long words) followed by collapse_separators: the kept words,
 * each gap between two of them the strongest separator it held, none at either end. `subs` hold no separator. */
static PyObject *edit_words(PyObject *self, PyObject *args) {
    PyObject *text, *subs;
    Py_ssize_t max_len;
    if (!PyArg_ParseTuple(args, "UO!n", &text, &PyTuple_Type, &subs, &max_len) || !configured()) return NULL;
    Py_ssize_t nsubs = PyTuple_GET_SIZE(subs);
    for (Py_ssize_t k = 0; k < nsubs; k++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(subs, k))) {
            PyErr_SetString(PyExc_TypeError, "subs must be a tuple of str");
            return NULL;
        }
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    /* kept words as (start, end) pairs, and the separator written before each (0 for the first) */
    Py_ssize_t *spans = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 1));
    Py_UCS4 *gaps = PyMem_Malloc(sizeof(Py_UCS4) * (n / 2 + 1));
    if (spans == NULL || gaps == NULL) {
        PyMem_Free(spans);
        PyMem_Free(gaps);
        return PyErr_NoMemory();
    }
    Py_ssize_t nkept = 0, out_len = 0, i = 0;
    Py_UCS4 maxchar = 0, gap = 0;
    int changed = 0;
    while (i < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (is_sep(c)) {
            if (gap) changed = 1;  /* a run of two or more separators */
            gap = gap ? stronger(gap, c) : c;
            i++;
            continue;
        }
        Py_ssize_t s = i;
        while (i < n && !is_sep(PyUnicode_READ(kind, data, i))) i++;
        Py_ssize_t a = s, b = i;
        while (a < b && is_special(PyUnicode_READ(kind, data, a))) a++;
        while (b > a && is_special(PyUnicode_READ(kind, data, b - 1))) b--;
        int drop = 0;
        for (Py_ssize_t k = 0; k < nsubs && !drop; k++) drop = contains(kind, data, a, b, PyTuple_GET_ITEM(subs, k));
        if (!drop && max_len > 0 && i - s > max_len && !(b > a && b - a <= max_len)) drop = 1;
        if (drop) {
            changed = 1;
            continue;  /* its separators stay in the gap */
        }
        if (nkept == 0) {
            if (s > 0) changed = 1;  /* separators (or dropped words) before the first kept word go */
        } else {
            out_len += 1;
        }
        gaps[nkept] = nkept ? gap : 0;
        spans[2 * nkept] = s;  /* spans holds 2 per kept word: a word is >= 1 char and a gap >= 1, so <= n + 1 */
        spans[2 * nkept + 1] = i;
        nkept++;
        out_len += i - s;
        for (Py_ssize_t p = s; p < i; p++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, p);
            if (ch > maxchar) maxchar = ch;
        }
        gap = 0;
    }
    if (gap) changed = 1;  /* separators at the end go */
    PyObject *out;
    if (!changed) {
        out = Py_NewRef(text);
    } else {
        for (Py_ssize_t k = 1; k < nkept; k++) if (gaps[k] > maxchar) maxchar = gaps[k];
        out = PyUnicode_New(out_len, maxchar);
        if (out != NULL) {
            int ok = PyUnicode_KIND(out);
            void *od = PyUnicode_DATA(out);
            Py_ssize_t pos = 0;
            for (Py_ssize_t k = 0; k < nkept; k++) {
                if (k) PyUnicode_WRITE(ok, od, pos++, gaps[k]);
                for (Py_ssize_t p = spans[2 * k]; p < spans[2 * k + 1]; p++) PyUnicode_WRITE(ok, od, pos++, PyUnicode_READ(kind, data, p));
            }
        }
    }
    PyMem_Free(spans);
    PyMem_Free(gaps);
    return out;
}

static PyObject *special_ratio(PyObject *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text) || !configured()) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), count = 0;
    if (n == 0) return PyFloat_FromDouble(0.0);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < n; i++) count += is_special(PyUnicode_READ(kind, data, i));
    return PyFloat_FromDouble((double)count / (double)n);
}

/* [w.lower() for w in words], a word that lowering leaves unchanged given back as it is: every character is its
 * own lowercase (Py_UNICODE_TOLOWER gives the first character of the full mapping, and the one code point whose
 * full lowercase is longer, U+0130, does not map to itself). The test compares this with str.lower on every
 * code point. */
static PyObject *lowered(PyObject *self, PyObject *args) {
    PyObject *list;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &list)) return NULL;
    Py_ssize_t len = PyList_GET_SIZE(list);
    PyObject *out = PyList_New(len);
    if (out == NULL) return NULL;
    for (Py_ssize_t k = 0; k < len; k++) {
        PyObject *w = PyList_GET_ITEM(list, k), *low = NULL;
        if (!PyUnicode_Check(w)) {
            Py_DECREF(out);
            PyErr_SetString(PyExc_TypeError, "words must be str");
            return NULL;
        }
        Py_ssize_t n = PyUnicode_GET_LENGTH(w), i = 0;
        int kind = PyUnicode_KIND(w);
        const void *data = PyUnicode_DATA(w);
        if (PyUnicode_IS_ASCII(w)) {
            const Py_UCS1 *c = (const Py_UCS1 *)data;
            while (i < n && !(c[i] >= 'A' && c[i] <= 'Z')) i++;
            if (i < n && (low = PyUnicode_New(n, 127)) != NULL) {
                Py_UCS1 *o = PyUnicode_1BYTE_DATA(low);
                for (Py_ssize_t j = 0; j < n; j++) o[j] = (c[j] >= 'A' && c[j] <= 'Z') ? c[j] + 32 : c[j];
            }
        } else {
            while (i < n) {
                Py_UCS4 c = PyUnicode_READ(kind, data, i);
                if (Py_UNICODE_TOLOWER(c) != c) break;
                i++;
            }
            if (i < n) low = PyObject_CallMethod(w, "lower", NULL);
        }
        if (i == n) low = Py_NewRef(w);
        if (low == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, k, low);
    }
    return out;
}

/* sum(map(container.__contains__, words)) for a set or frozenset */
static PyObject *count_in(PyObject *self, PyObject *args) {
    PyObject *list, *container;
    if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &list, &container)) return NULL;
    if (!PyAnySet_Check(container)) {
        PyErr_SetString(PyExc_TypeError, "the word list must be a set or frozenset");
        return NULL;
    }
    Py_ssize_t hits = 0, len = PyList_GET_SIZE(list);
    for (Py_ssize_t k = 0; k < len; k++) {
        int r = PySet_Contains(container, PyList_GET_ITEM(list, k));
        if (r < 0) return NULL;
        hits += r;
    }
    return PyLong_FromSsize_t(hits);
}

/* How many characters of `middle` stand with a space or tab on each side (structure.py's MENU_SEPARATORS). */
static PyObject *count_between(PyObject *self, PyObject *args) {
    PyObject *text, *middle;
    if (!PyArg_ParseTuple(args, "UU", &text, &middle)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), count = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 1; i + 1 < n; i++) {
        Py_UCS4 b = PyUnicode_READ(kind, data, i - 1), a = PyUnicode_READ(kind, data, i + 1);
        if ((b == ' ' || b == '\t') && (a == ' ' || a == '\t')
                && PyUnicode_FindChar(middle, PyUnicode_READ(kind, data, i), 0, PyUnicode_GET_LENGTH(middle), 1) >= 0)
            count++;
    }
    return PyLong_FromSsize_t(count);
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "configure(special, unsegmented): the two code point tables"},
    {"words", words, METH_VARARGS, "words(text, chars) -> list of words stripped of special characters"},
    {"edit_words", edit_words, METH_VARARGS, "edit_words(text, subs, max_len) -> text without URL-ish and long words"},
    {"char_repetition", textnative_char_repetition, METH_VARARGS, "char_repetition(text, n) -> ROOTS's character repetition ratio"},
    {"word_repetition", textnative_word_repetition, METH_VARARGS, "word_repetition(words, n) -> ROOTS's word repetition ratio"},
    {"special_ratio", special_ratio, METH_VARARGS, "special_ratio(text) -> share of special characters"},
    {"lowered", lowered, METH_VARARGS, "lowered(words) -> [w.lower() for w in words]"},
    {"count_in", count_in, METH_VARARGS, "count_in(words, set) -> how many words are in the set"},
    {"count_between", count_between, METH_VARARGS, "count_between(text, middle) -> characters of middle between spaces/tabs"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_textnative", .m_doc = NULL, .m_size = -1, .m_methods = methods,
};

PyMODINIT_FUNC PyInit__textnative(void) { return PyModule_Create(&module); }
